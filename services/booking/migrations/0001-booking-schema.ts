import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

const timestamps = {
	created_at: { type: DataTypes.DATE, allowNull: false },
	updated_at: { type: DataTypes.DATE, allowNull: false },
};

export const bookingSchema: Migration = {
	name: "0001-booking-schema",
	async up(qi) {
		await qi.createTable("service_types", {
			code: { type: DataTypes.STRING(40), primaryKey: true },
			name: { type: DataTypes.STRING(80), allowNull: false },
			description: { type: DataTypes.STRING(500), allowNull: true },
			currency: { type: DataTypes.STRING(3), allowNull: false },
			// Per size class: { small, medium, large, van }.
			durations_minutes: { type: DataTypes.JSON, allowNull: false },
			prices_minor: { type: DataTypes.JSON, allowNull: false },
			active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
			...timestamps,
		});

		await qi.createTable("bookings", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			customer_id: { type: DataTypes.STRING(255), allowNull: false },
			vehicle_id: { type: DataTypes.STRING(36), allowNull: false },
			vehicle_plate: { type: DataTypes.STRING(16), allowNull: false },
			vehicle_size_class: { type: DataTypes.STRING(10), allowNull: false },
			cleaner_id: { type: DataTypes.STRING(36), allowNull: false },
			service_type: { type: DataTypes.STRING(40), allowNull: false },
			start_at: { type: DataTypes.DATE, allowNull: false },
			end_at: { type: DataTypes.DATE, allowNull: false },
			price_minor: { type: DataTypes.INTEGER, allowNull: false },
			currency: { type: DataTypes.STRING(3), allowNull: false },
			status: { type: DataTypes.STRING(12), allowNull: false },
			location: { type: DataTypes.JSON, allowNull: false },
			notes: { type: DataTypes.STRING(500), allowNull: true },
			late_cancellation: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
			cancellation_fee_minor: { type: DataTypes.INTEGER, allowNull: true },
			cancelled_by: { type: DataTypes.STRING(255), allowNull: true },
			rating_score: { type: DataTypes.INTEGER, allowNull: true },
			rating_comment: { type: DataTypes.STRING(1000), allowNull: true },
			rated_at: { type: DataTypes.DATE, allowNull: true },
			version: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
			...timestamps,
		});
		await qi.addIndex("bookings", ["cleaner_id", "start_at"], { name: "bookings_cleaner_start" });
		await qi.addIndex("bookings", ["customer_id", "start_at"], { name: "bookings_customer_start" });
		await qi.addIndex("bookings", ["start_at"], { name: "bookings_start" });

		// The double-booking guarantee: one row per 5-minute unit of a cleaner's reserved time (the job plus the
		// travel buffer after it). The primary key refuses a second booking over any unit already held, in
		// every instance and on every retry, inside the transaction that writes the booking.
		await qi.createTable("reserved_units", {
			cleaner_id: { type: DataTypes.STRING(36), primaryKey: true },
			unit_start: { type: DataTypes.DATE, primaryKey: true },
			booking_id: { type: DataTypes.STRING(36), allowNull: false },
		});
		await qi.addIndex("reserved_units", ["booking_id"], { name: "reserved_units_booking" });

		await qi.createTable("idempotency_keys", {
			owner_id: { type: DataTypes.STRING(255), primaryKey: true },
			idempotency_key: { type: DataTypes.STRING(100), primaryKey: true },
			operation: { type: DataTypes.STRING(40), allowNull: false },
			request_hash: { type: DataTypes.STRING(64), allowNull: false },
			// Null only inside the transaction of the first request; committed together with its response.
			response: { type: DataTypes.JSON, allowNull: true },
			created_at: { type: DataTypes.DATE, allowNull: false },
		});

		// Bumped in the same transaction as any change to a day's bookings; part of the availability cache key,
		// so a search computed before a booking can never be served after it.
		await qi.createTable("availability_generations", {
			day: { type: DataTypes.STRING(10), primaryKey: true },
			generation: { type: DataTypes.INTEGER, allowNull: false },
		});
	},
};
