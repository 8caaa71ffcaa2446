import { instant, tableColumns, text, uuid, uuidKey } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

/** Each vehicle's bookings as booking-events report them: the source of its upcoming booking. */
export const VEHICLE_BOOKING_COLUMNS = {
	bookingId: uuidKey(),
	vehicleId: uuid(),
	startAt: instant(),
	status: text(12),
};

export const createBookingHistory: Migration = {
	name: "0002-booking-history",
	async up(qi) {
		await createProcessedEventsTable(qi);
		await qi.createTable("vehicle_bookings", tableColumns(VEHICLE_BOOKING_COLUMNS));
		await qi.addIndex("vehicle_bookings", ["vehicle_id", "start_at"], {
			name: "vehicle_bookings_vehicle_start",
		});
	},
};
