import { instant, longText, nullable, sequenceKey, tableMigration, text } from "../../../lib/columns.ts";

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

export const outbox = tableMigration("0002-outbox", "outbox", OUTBOX_COLUMNS, [
	{ name: "outbox_event", fields: ["event_id"], unique: true },
	{ name: "outbox_unsent", fields: ["sent_at", "id"] },
]);
