import { instant, longText, nullable, sequenceKey, tableColumns, text } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

/**
 * Domain events written in the same transaction as the booking change they report, published to Kafka
 * afterwards by the relay in id order (services/booking/outbox.ts, which reads these columns).
 */
export const OUTBOX_COLUMNS = {
	id: sequenceKey(),
	eventId: text(36),
	eventType: text(100),
	topic: text(249),
	messageKey: text(64),
	// The CloudEvents envelope exactly as it goes out.
	payload: longText(),
	createdAt: instant("milliseconds"),
	sentAt: nullable(instant("milliseconds")),
};

export const outbox: Migration = {
	name: "0002-outbox",
	async up(qi) {
		await qi.createTable("outbox", tableColumns(OUTBOX_COLUMNS));
		await qi.addIndex("outbox", ["event_id"], { unique: true, name: "outbox_event" });
		await qi.addIndex("outbox", ["sent_at", "id"], { name: "outbox_unsent" });
	},
};
