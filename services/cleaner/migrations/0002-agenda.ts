import { flag, instant, json, nullable, tableColumns, text, uuid, uuidKey } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

/**
 * The cleaners' agendas, a read model of the booking service's events: the interval comes from
 * cleaner-availability-updates, the job's status and details from booking-events. Each topic writes only its
 * own columns, so the two can arrive in any order relative to each other. The model reads these columns.
 */
export const AGENDA_COLUMNS = {
	bookingId: uuidKey(),
	cleanerId: uuid(),
	startAt: nullable(instant()),
	endAt: nullable(instant()),
	reserved: flag(false),
	status: nullable(text(12)),
	serviceType: nullable(text(40)),
	vehicle: nullable(json()),
	location: nullable(json()),
	notes: nullable(text(500)),
};

export const createAgenda: Migration = {
	name: "0002-agenda",
	async up(qi) {
		await createProcessedEventsTable(qi);
		await qi.createTable("agenda", tableColumns(AGENDA_COLUMNS));
		await qi.addIndex("agenda", ["cleaner_id", "start_at"], { name: "agenda_cleaner_start" });
	},
};
