import { instant, tableColumns, text, uuid, uuidKey } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

export const createBookingHistory: Migration = {
	name: "0002-booking-history",
	async up(qi) {
		await createProcessedEventsTable(qi);
		// Each vehicle's bookings as booking-events report them: the source of its upcoming booking.
		await qi.createTable(
			"vehicle_bookings",
			tableColumns({ bookingId: uuidKey(), vehicleId: uuid(), startAt: instant(), status: text(12) }),
		);
		await qi.addIndex("vehicle_bookings", ["vehicle_id", "start_at"], {
			name: "vehicle_bookings_vehicle_start",
		});
	},
};
