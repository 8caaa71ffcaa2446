import * as column from "../../../lib/columns.ts";
import { IDEMPOTENCY_KEYS_TABLE } from "../../../mixins/idempotency.mixin.ts";

// The tables as this migration creates them; the models (../models.ts) read these columns.

export const SERVICE_TYPES_TABLE = column.table("service_types", {
	columns: {
		code: column.textKey(40),
		name: column.text(80),
		description: column.nullable(column.text(500)),
		currency: column.text(3),
		// Per size class: { small, medium, large, van }.
		durationsMinutes: column.json(),
		pricesMinor: column.json(),
		active: column.flag(true),
		...column.timestamps(),
	},
});

export const BOOKINGS_TABLE = column.table("bookings", {
	columns: {
		id: column.uuidKey(),
		customerId: column.text(255),
		vehicleId: column.uuid(),
		vehiclePlate: column.text(16),
		vehicleSizeClass: column.text(10),
		cleanerId: column.uuid(),
		serviceType: column.text(40),
		startAt: column.instant(),
		endAt: column.instant(),
		priceMinor: column.integer(),
		currency: column.text(3),
		status: column.text(12),
		location: column.json(),
		notes: column.nullable(column.text(500)),
		lateCancellation: column.flag(false),
		cancellationFeeMinor: column.nullable(column.integer()),
		cancelledBy: column.nullable(column.text(255)),
		ratingScore: column.nullable(column.integer()),
		ratingComment: column.nullable(column.text(1000)),
		ratedAt: column.nullable(column.instant()),
		version: column.counter(1),
		...column.timestamps(),
	},
	indexes: [
		{ name: "bookings_cleaner_start", fields: ["cleaner_id", "start_at"] },
		{ name: "bookings_customer_start", fields: ["customer_id", "start_at"] },
		{ name: "bookings_start", fields: ["start_at"] },
	],
});

/**
 * The double-booking guarantee: one row per 5-minute unit of a cleaner's reserved time (the job plus the
 * travel buffer after it). The primary key refuses a second booking over any unit already held, in every
 * instance and on every retry, inside the transaction that writes the booking.
 */
export const RESERVED_UNITS_TABLE = column.table("reserved_units", {
	columns: {
		cleanerId: column.textKey(36),
		unitStart: column.instantKey(),
		bookingId: column.uuid(),
	},
	indexes: [{ name: "reserved_units_booking", fields: ["booking_id"] }],
});

/**
 * Bumped in the same transaction as any change to a day's bookings; part of the availability cache key, so a
 * search computed before a booking can never be served after it.
 */
export const GENERATIONS_TABLE = column.table("availability_generations", {
	columns: { day: column.textKey(10), generation: column.integer() },
});

export const bookingSchema = column.tablesMigration("0001-booking-schema", [
	SERVICE_TYPES_TABLE,
	BOOKINGS_TABLE,
	RESERVED_UNITS_TABLE,
	IDEMPOTENCY_KEYS_TABLE,
	GENERATIONS_TABLE,
]);
