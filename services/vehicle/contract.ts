/**
 * What other services may know of the vehicle service (`vehicles`): its actions' results, the events it
 * broadcasts and its public constants. The only file of services/vehicle/ that another service imports.
 */
import {
	enumOf,
	instant,
	integer,
	named,
	nullable,
	object,
	pageOf,
	string,
	uuid,
} from "../../lib/json-schema.ts";

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

/** JSON Schemas of the answers above, for the API document and its contract test. */
export const VEHICLE_SCHEMA = named(
	"Vehicle",
	object({
		id: uuid,
		ownerId: string(),
		plate: string(),
		make: string(),
		model: string(),
		year: nullable(integer()),
		colour: nullable(string()),
		sizeClass: enumOf(SIZE_CLASSES),
		history: object({
			lastCleanedAt: nullable(instant),
			cleanings: integer({ minimum: 0 }),
			upcomingBookingId: nullable(uuid),
		}),
		createdAt: instant,
		updatedAt: instant,
	}),
);
export const VEHICLE_PAGE_SCHEMA = named("VehiclePage", pageOf(VEHICLE_SCHEMA));
export const VEHICLE_REMOVED_SCHEMA = named("VehicleRemoved", object({ id: uuid, removed: { const: true } }));
