import * as column from "../../../lib/columns.ts";
import { PROCESSED_EVENTS_TABLE } from "../../../lib/events/consumer.ts";

/** Each vehicle's bookings as booking-events report them: the source of its upcoming booking. */
export const VEHICLE_BOOKINGS_TABLE = column.table("vehicle_bookings", {
	columns: {
		bookingId: column.uuidKey(),
		vehicleId: column.uuid(),
		startAt: column.instant(),
		status: column.text(12),
	},
	indexes: [{ name: "vehicle_bookings_vehicle_start", fields: ["vehicle_id", "start_at"] }],
});

export const createBookingHistory = column.tablesMigration("0002-booking-history", [
	PROCESSED_EVENTS_TABLE,
	VEHICLE_BOOKINGS_TABLE,
]);
