import * as column from "../../../lib/columns.ts";

/**
 * Domain events written in the same transaction as the booking change they report, published to Kafka
 * afterwards by the relay in id order (services/booking/outbox.ts, which reads these columns).
 */
export const OUTBOX_TABLE = column.table("outbox", {
	columns: {
		id: column.sequenceKey(),
		eventId: column.text(36),
		eventType: column.text(100),
		topic: column.text(249),
		messageKey: column.text(64),
		// The CloudEvents envelope exactly as it goes out.
		payload: column.longText(),
		createdAt: column.instant("milliseconds"),
		sentAt: column.nullable(column.instant("milliseconds")),
	},
	indexes: [
		{ name: "outbox_event", fields: ["event_id"], unique: true },
		{ name: "outbox_unsent", fields: ["sent_at", "id"] },
	],
});

export const outbox = column.tablesMigration("0002-outbox", [OUTBOX_TABLE]);
