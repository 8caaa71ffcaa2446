import {
	counter,
	flag,
	instant,
	instantKey,
	integer,
	json,
	nullable,
	tableColumns,
	text,
	textKey,
	timestamps,
	uuid,
	uuidKey,
} from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createIdempotencyKeysTable } from "../../../mixins/idempotency.mixin.ts";

// The tables as this migration creates them; the models (../models.ts) read these columns.

export const SERVICE_TYPE_COLUMNS = {
	code: textKey(40),
	name: text(80),
	description: nullable(text(500)),
	currency: text(3),
	// Per size class: { small, medium, large, van }.
	durationsMinutes: json(),
	pricesMinor: json(),
	active: flag(true),
	...timestamps(),
};

export const BOOKING_COLUMNS = {
	id: uuidKey(),
	customerId: text(255),
	vehicleId: uuid(),
	vehiclePlate: text(16),
	vehicleSizeClass: text(10),
	cleanerId: uuid(),
	serviceType: text(40),
	startAt: instant(),
	endAt: instant(),
	priceMinor: integer(),
	currency: text(3),
	status: text(12),
	location: json(),
	notes: nullable(text(500)),
	lateCancellation: flag(false),
	cancellationFeeMinor: nullable(integer()),
	cancelledBy: nullable(text(255)),
	ratingScore: nullable(integer()),
	ratingComment: nullable(text(1000)),
	ratedAt: nullable(instant()),
	version: counter(1),
	...timestamps(),
};

/**
 * The double-booking guarantee: one row per 5-minute unit of a cleaner's reserved time (the job plus the
 * travel buffer after it). The primary key refuses a second booking over any unit already held, in every
 * instance and on every retry, inside the transaction that writes the booking.
 */
export const RESERVED_UNIT_COLUMNS = { cleanerId: textKey(36), unitStart: instantKey(), bookingId: uuid() };

/**
 * Bumped in the same transaction as any change to a day's bookings; part of the availability cache key, so a
 * search computed before a booking can never be served after it.
 */
export const GENERATION_COLUMNS = { day: textKey(10), generation: integer() };

export const bookingSchema: Migration = {
	name: "0001-booking-schema",
	async up(qi) {
		await qi.createTable("service_types", tableColumns(SERVICE_TYPE_COLUMNS));
		await qi.createTable("bookings", tableColumns(BOOKING_COLUMNS));
		await qi.addIndex("bookings", ["cleaner_id", "start_at"], { name: "bookings_cleaner_start" });
		await qi.addIndex("bookings", ["customer_id", "start_at"], { name: "bookings_customer_start" });
		await qi.addIndex("bookings", ["start_at"], { name: "bookings_start" });
		await qi.createTable("reserved_units", tableColumns(RESERVED_UNIT_COLUMNS));
		await qi.addIndex("reserved_units", ["booking_id"], { name: "reserved_units_booking" });
		await createIdempotencyKeysTable(qi);
		await qi.createTable("availability_generations", tableColumns(GENERATION_COLUMNS));
	},
};
