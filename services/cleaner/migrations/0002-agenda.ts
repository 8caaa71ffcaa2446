import * as column from "../../../lib/columns.ts";
import { PROCESSED_EVENTS_TABLE } from "../../../lib/events/consumer.ts";

/**
 * The cleaners' agendas, a read model of the booking service's events: the interval comes from
 * cleaner-availability-updates, the job's status and details from booking-events. Each topic writes only its
 * own columns, so the two can arrive in any order relative to each other. The model reads these columns.
 */
export const AGENDA_TABLE = column.table("agenda", {
	columns: {
		bookingId: column.uuidKey(),
		cleanerId: column.uuid(),
		startAt: column.nullable(column.instant()),
		endAt: column.nullable(column.instant()),
		reserved: column.flag(false),
		status: column.nullable(column.text(12)),
		serviceType: column.nullable(column.text(40)),
		vehicle: column.nullable(column.json()),
		location: column.nullable(column.json()),
		notes: column.nullable(column.text(500)),
	},
	indexes: [{ name: "agenda_cleaner_start", fields: ["cleaner_id", "start_at"] }],
});

export const createAgenda = column.tablesMigration("0002-agenda", [PROCESSED_EVENTS_TABLE, AGENDA_TABLE]);
