import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

export const createBookingHistory: Migration = {
	name: "0002-booking-history",
	async up(qi) {
		await createProcessedEventsTable(qi);
		// Each vehicle's bookings as booking-events report them: the source of its upcoming booking.
		await qi.createTable("vehicle_bookings", {
			booking_id: { type: DataTypes.STRING(36), primaryKey: true },
			vehicle_id: { type: DataTypes.STRING(36), allowNull: false },
			start_at: { type: DataTypes.DATE, allowNull: false },
			status: { type: DataTypes.STRING(12), allowNull: false },
		});
		await qi.addIndex("vehicle_bookings", ["vehicle_id", "start_at"], {
			name: "vehicle_bookings_vehicle_start",
		});
	},
};
