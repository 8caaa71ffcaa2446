/**
 * What other services may know of the vehicle service (`vehicles`): its actions' results, the events it
 * broadcasts and its public constants. The only file of services/vehicle/ that another service imports.
 */
import * as schema from "../../lib/json-schema.ts";

export const SIZE_CLASSES = ["small", "medium", "large", "van"] as const;
/** Drives a booking's price and duration. */
export type SizeClass = (typeof SIZE_CLASSES)[number];

/** The answer of `vehicles.get` (to the owner or an admin), and the items of `vehicles.list`. */
export const VEHICLE_SCHEMA = schema.named(
	"Vehicle",
	schema.object({
		id: schema.uuid,
		ownerId: schema.string(),
		plate: schema.string(),
		make: schema.string(),
		model: schema.string(),
		year: schema.nullable(schema.integer()),
		colour: schema.nullable(schema.string()),
		sizeClass: schema.enumOf(SIZE_CLASSES),
		history: schema.object({
			lastCleanedAt: schema.nullable(schema.instant),
			cleanings: schema.integer({ minimum: 0 }),
			upcomingBookingId: schema.nullable(schema.uuid),
		}),
		createdAt: schema.instant,
		updatedAt: schema.instant,
	}),
);
export type Vehicle = schema.Infer<typeof VEHICLE_SCHEMA>;
export const VEHICLE_PAGE_SCHEMA = schema.named("VehiclePage", schema.pageOf(VEHICLE_SCHEMA));
export const VEHICLE_REMOVED_SCHEMA = schema.named(
	"VehicleRemoved",
	schema.object({ id: schema.uuid, removed: schema.constant(true) }),
);

/**
 * Payload of `vehicles.changed`, broadcast after a vehicle changed or was removed: drop what you cache of it
 * (the availability search caches its size class).
 */
export interface VehicleChanged {
	id: string;
}
