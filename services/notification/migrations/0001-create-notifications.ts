import {
	counter,
	instant,
	json,
	nullable,
	tableColumns,
	text,
	textKey,
	timestamps,
	uuid,
	uuidKey,
} from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

/**
 * One row per e-mail, from queued to sent (or skipped, or failed: the dead-letter list). The unique `mailKey`
 * (cause, kind, recipient) is what makes an e-mail impossible to queue twice, whatever redelivers its cause.
 */
export const MAIL_DELIVERY_COLUMNS = {
	id: uuidKey(),
	mailKey: { ...text(64), unique: true },
	kind: text(20),
	recipientType: text(10),
	recipientId: text(255),
	bookingId: uuid(),
	details: json(),
	status: text(10),
	attempts: counter(),
	nextAttemptAt: instant(),
	// A sender instance holds a row while it sends it; a lease that ran out (a crashed sender) is taken over.
	claimedBy: nullable(text(100)),
	claimedUntil: nullable(instant()),
	lastError: nullable(text(500)),
	sentAt: nullable(instant()),
	...timestamps(),
};

/** A booking's reminder, waiting for its time: one per booking, moved by a reschedule, gone on cancel. */
export const MAIL_REMINDER_COLUMNS = {
	bookingId: uuidKey(),
	customerId: text(255),
	startAt: instant(),
	details: json(),
};

/** The kinds of e-mail each customer (by OIDC subject) turned off. */
export const MAIL_PREFERENCE_COLUMNS = {
	subject: textKey(255),
	disabled: json(),
	updatedAt: instant(),
};

export const createNotifications: Migration = {
	name: "0001-create-notifications",
	async up(qi) {
		await createProcessedEventsTable(qi);
		await qi.createTable("mail_deliveries", tableColumns(MAIL_DELIVERY_COLUMNS));
		await qi.addIndex("mail_deliveries", ["status", "next_attempt_at"], { name: "mail_deliveries_due" });
		await qi.createTable("mail_reminders", tableColumns(MAIL_REMINDER_COLUMNS));
		await qi.addIndex("mail_reminders", ["start_at"], { name: "mail_reminders_start" });
		await qi.createTable("mail_preferences", tableColumns(MAIL_PREFERENCE_COLUMNS));
	},
};
