/**
 * What other services may know of the vehicle service (`vehicles`): its actions' results, the events it
 * broadcasts and its public constants. The only file of services/vehicle/ that another service imports.
 */

export const SIZE_CLASSES = ["small", "medium", "large", "van"] as const;
/** Drives a booking's price and duration. */
export type SizeClass = (typeof SIZE_CLASSES)[number];

/** The answer of `vehicles.get` (to the owner or an admin), and the items of `vehicles.list`. */
export interface Vehicle {
	id: string;
	ownerId: string;
	plate: string;
	make: string;
	model: string;
	year: number | null;
	colour: string | null;
	sizeClass: SizeClass;
	history: { lastCleanedAt: string | null; cleanings: number; upcomingBookingId: string | null };
	createdAt: string;
	updatedAt: string;
}

/** Payload of `vehicles.changed`, broadcast after a vehicle changed or was removed. */
export interface VehicleChanged {
	id: string;
}
