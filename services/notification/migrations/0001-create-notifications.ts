import * as column from "../../../lib/columns.ts";
import { PROCESSED_EVENTS_TABLE } from "../../../lib/events/consumer.ts";

/**
 * One row per e-mail, from queued to sent (or skipped, or failed: the dead-letter list). The unique `mailKey`
 * (cause, kind, recipient) is what makes an e-mail impossible to queue twice, whatever redelivers its cause.
 */
export const MAIL_DELIVERIES_TABLE = column.table("mail_deliveries", {
	columns: {
		id: column.uuidKey(),
		mailKey: { ...column.text(64), unique: true },
		kind: column.text(20),
		recipientType: column.text(10),
		recipientId: column.text(255),
		bookingId: column.uuid(),
		details: column.json(),
		status: column.text(10),
		attempts: column.counter(),
		nextAttemptAt: column.instant(),
		// A sender instance holds a row while it sends it; a lease that ran out (a crashed sender) is taken over.
		claimedBy: column.nullable(column.text(100)),
		claimedUntil: column.nullable(column.instant()),
		lastError: column.nullable(column.text(500)),
		sentAt: column.nullable(column.instant()),
		...column.timestamps(),
	},
	indexes: [{ name: "mail_deliveries_due", fields: ["status", "next_attempt_at"] }],
});

/** A booking's reminder, waiting for its time: one per booking, moved by a reschedule, gone on cancel. */
export const MAIL_REMINDERS_TABLE = column.table("mail_reminders", {
	columns: {
		bookingId: column.uuidKey(),
		customerId: column.text(255),
		startAt: column.instant(),
		details: column.json(),
	},
	indexes: [{ name: "mail_reminders_start", fields: ["start_at"] }],
});

/** The kinds of e-mail each customer (by OIDC subject) turned off. */
export const MAIL_PREFERENCES_TABLE = column.table("mail_preferences", {
	columns: {
		subject: column.textKey(255),
		disabled: column.json(),
		updatedAt: column.instant(),
	},
});

export const createNotifications = column.tablesMigration("0001-create-notifications", [
	PROCESSED_EVENTS_TABLE,
	MAIL_DELIVERIES_TABLE,
	MAIL_REMINDERS_TABLE,
	MAIL_PREFERENCES_TABLE,
]);
