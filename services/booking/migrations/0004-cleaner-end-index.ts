import type { Migration } from "../../../lib/database.ts";

/**
 * A cleaner's booked jobs that touch a window (`busyIntervals`: every booking and availability search) end after
 * the window starts. On (cleaner_id, start_at) that range is every job before the window's end, the cleaner's
 * whole history; on (cleaner_id, end_at) it is the jobs still ahead of the window's start, a few.
 */
export const cleanerEndIndex: Migration = {
	name: "0004-cleaner-end-index",
	async up(qi) {
		await qi.addIndex("bookings", ["cleaner_id", "end_at"], { name: "bookings_cleaner_end" });
	},
};
