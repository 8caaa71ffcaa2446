/**
 * What other services may know of the booking services (`bookings`, `availability`, `catalog`): their actions'
 * params and results, the domain events booking publishes (docs/asyncapi.json is their published form) and
 * the booking statuses. The only file of services/booking/ that another service imports.
 */
import * as schema from "../../lib/json-schema.ts";
import { SIZE_CLASSES, type SizeClass } from "../vehicle/contract.ts";

/** confirmed → in_progress → completed; confirmed (or in_progress, by an admin) → cancelled. */
export const BOOKING_STATUSES = ["confirmed", "in_progress", "completed", "cancelled"] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
/** Statuses in which a booking holds its cleaner's time and is the vehicle's upcoming cleaning. */
export const OPEN_STATUSES = ["confirmed", "in_progress"] as const satisfies readonly BookingStatus[];

const MONEY_SCHEMA = schema.object({
	amountMinor: schema.integer({ minimum: 0 }),
	currency: schema.string({ pattern: "^[A-Z]{3}$" }),
});

/** Where the vehicle is: a point, with the address when the customer gave one. */
export const LOCATION_SCHEMA = schema.named(
	"Location",
	schema.object(
		{
			latitude: schema.number(),
			longitude: schema.number(),
			label: schema.nullable(schema.string()),
			street: schema.string(),
			postcode: schema.string(),
			city: schema.string(),
			country: schema.string(),
		},
		["label", "street", "postcode", "city", "country"],
	),
);
export type Location = schema.Infer<typeof LOCATION_SCHEMA>;

/** A booking as clients and events see it (`bookings.get`, `bookings.list` and every lifecycle action). */
export const BOOKING_SCHEMA = schema.named(
	"Booking",
	schema.object({
		id: schema.uuid,
		status: schema.enumOf(BOOKING_STATUSES),
		customerId: schema.string(),
		vehicle: schema.object({ id: schema.uuid, plate: schema.string(), sizeClass: schema.string() }),
		cleanerId: schema.uuid,
		serviceType: schema.string(),
		start: schema.instant,
		end: schema.instant,
		price: MONEY_SCHEMA,
		location: LOCATION_SCHEMA,
		notes: schema.nullable(schema.string()),
		cancellation: schema.nullable(
			schema.object({
				by: schema.string(),
				late: schema.boolean,
				feeMinor: schema.nullable(schema.integer()),
			}),
		),
		rating: schema.nullable(
			schema.object({
				score: schema.integer({ minimum: 1, maximum: 5 }),
				comment: schema.nullable(schema.string()),
				ratedAt: schema.instant,
			}),
		),
		version: schema.integer({ minimum: 1 }),
		createdAt: schema.instant,
		updatedAt: schema.instant,
	}),
);
export type Booking = schema.Infer<typeof BOOKING_SCHEMA>;
export const BOOKING_PAGE_SCHEMA = schema.named("BookingPage", schema.pageOf(BOOKING_SCHEMA));
export type BookingPage = schema.Infer<typeof BOOKING_PAGE_SCHEMA>;

export type PerSizeClass<T> = Record<SizeClass, T>;

/** A bookable service of the catalog (`catalog.get`, `catalog.list`). */
export const SERVICE_TYPE_SCHEMA = schema.named(
	"ServiceType",
	schema.object({
		code: schema.string(),
		name: schema.string(),
		description: schema.nullable(schema.string()),
		// Money in minor units (cents) of `currency`; never floats.
		currency: schema.string({ pattern: "^[A-Z]{3}$" }),
		durationsMinutes: schema.keyed(SIZE_CLASSES, schema.integer({ minimum: 1 })),
		pricesMinor: schema.keyed(SIZE_CLASSES, schema.integer({ minimum: 0 })),
		active: schema.boolean,
		updatedAt: schema.instant,
	}),
);
export type ServiceType = schema.Infer<typeof SERVICE_TYPE_SCHEMA>;
export const CATALOG_SCHEMA = schema.named(
	"Catalog",
	schema.object({ items: schema.arrayOf(SERVICE_TYPE_SCHEMA) }),
);

/** A free start time and the cleaners who can take the job then. */
const SLOT_SCHEMA = schema.object({
	start: schema.instant,
	end: schema.instant,
	cleanerIds: schema.arrayOf(schema.uuid),
});
export type Slot = schema.Infer<typeof SLOT_SCHEMA>;

/** The answer of `availability.search`. */
export const AVAILABILITY_SCHEMA = schema.named(
	"Availability",
	schema.object({
		date: schema.string({ format: "date" }),
		timeZone: schema.string(),
		serviceType: schema.string(),
		sizeClass: schema.enumOf(SIZE_CLASSES),
		durationMinutes: schema.integer({ minimum: 1 }),
		price: MONEY_SCHEMA,
		slots: schema.arrayOf(SLOT_SCHEMA),
	}),
);
export type AvailabilityResult = schema.Infer<typeof AVAILABILITY_SCHEMA>;

/** The answer of the internal `bookings.outboxStatus` (ops): the backlog (shared database) and this node's relay. */
export interface OutboxStatus {
	node: string;
	relay: { ok: boolean; detail?: string };
	backlog: Array<{ topic: string; waiting: number; oldestAgeSeconds: number | null }>;
}

/** The answer of the internal `bookings.dayStats` (ops): bookings starting on one day of the platform's zone. */
export interface DayStats {
	date: string;
	timeZone: string;
	byStatus: Record<BookingStatus, number>;
	lateCancellations: number;
	/** Late cancellation fees, per currency, in minor units. */
	feesMinor: Record<string, number>;
}

/** Params of the internal `availability.freeCleaners`: cleaners free for this exact job. */
export interface FreeCleanersParams {
	serviceType: string;
	durationMinutes: number;
	start: string;
	latitude: number;
	longitude: number;
	excludeBookingId?: string;
}

/** The answer of `availability.freeCleaners`, least loaded first. */
export interface FreeCleaners {
	cleanerIds: string[];
}

export const BOOKING_EVENT_TYPES = {
	created: "booking.created.v1",
	rescheduled: "booking.rescheduled.v1",
	started: "booking.started.v1",
	completed: "booking.completed.v1",
	cancelled: "booking.cancelled.v1",
	rated: "booking.rated.v1",
} as const;

export const SLOT_EVENT_TYPES = {
	reserved: "cleaner.slot.reserved.v1",
	released: "cleaner.slot.released.v1",
} as const;

/**
 * The state of a booking after the change a booking-events event reports (consumers never need to call back):
 * the booking's public shape, keyed `bookingId`, without the timestamps of the row and the rating's time.
 */
export interface BookingEventData extends Omit<Booking, "id" | "rating" | "createdAt" | "updatedAt"> {
	bookingId: string;
	rating: { score: number; comment: string | null } | null;
	/** The partner (OAuth client id) whose client-credentials token made the booking; null for people's apps. */
	partnerClientId: string | null;
	/** booking.rescheduled.v1 only: the job's time before the change. */
	previous?: { start: string; end: string };
}

/** A cleaner's job interval taken or given back (cleaner-availability-updates). */
export interface SlotEventData {
	cleanerId: string;
	bookingId: string;
	start: string;
	end: string;
}
