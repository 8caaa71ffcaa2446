/**
 * What other services, the gateway and the ops REPL may know of the notification service (`notifications`):
 * the kinds of e-mail it sends, its actions' params and results. The only file of services/notification/ that
 * another module imports.
 */
import * as schema from "../../lib/json-schema.ts";

/** E-mails to the customer of a booking. */
export const CUSTOMER_MAIL_KINDS = ["booked", "rescheduled", "cancelled", "completed", "reminder"] as const;
export type CustomerMailKind = (typeof CUSTOMER_MAIL_KINDS)[number];

/** E-mails to the cleaner of a booking. */
export const CLEANER_MAIL_KINDS = ["job-assigned", "job-moved", "job-cancelled"] as const;
export type CleanerMailKind = (typeof CLEANER_MAIL_KINDS)[number];

export type MailKind = CustomerMailKind | CleanerMailKind;

/**
 * What the business must tell a customer whatever their preferences: that the booking stands, moved or was
 * cancelled (with the fee it costs). The other kinds (reminder, rating link) a customer may turn off.
 */
export const REQUIRED_MAIL_KINDS = [
	"booked",
	"rescheduled",
	"cancelled",
] as const satisfies readonly CustomerMailKind[];

/** The answer of `notifications.preferences` and `notifications.updatePreferences`. */
export const MAIL_PREFERENCES_SCHEMA = schema.named(
	"MailPreferences",
	schema.object({
		// Whether the customer gets each kind of e-mail.
		email: schema.keyed(CUSTOMER_MAIL_KINDS, schema.boolean),
		// The kinds that cannot be turned off.
		required: schema.arrayOf(schema.enumOf(CUSTOMER_MAIL_KINDS)),
	}),
);
export type MailPreferences = schema.Infer<typeof MAIL_PREFERENCES_SCHEMA>;

/** Params of `notifications.updatePreferences`: the kinds to turn on (true) or off (false). */
export type MailPreferencesChange = Partial<Record<CustomerMailKind, boolean>>;

/** Where an e-mail is in its life. */
export const DELIVERY_STATUSES = ["pending", "sent", "skipped", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * An e-mail as ops see it (`notifications.failed`): the recipient by id (a customer's subject, a cleaner's id),
 * never by address.
 */
export interface MailDelivery {
	id: string;
	kind: MailKind;
	recipient: { type: "customer" | "cleaner"; id: string };
	bookingId: string;
	status: DeliveryStatus;
	attempts: number;
	lastError: string | null;
	createdAt: string;
	updatedAt: string;
}

/** The answer of the internal `notifications.resend` (ops): failed e-mails queued again, and unknown ids. */
export interface ResendResult {
	queued: string[];
	notFound: string[];
}

/** The answer of the internal `notifications.status` (ops). */
export interface NotificationStatus {
	deliveries: Record<DeliveryStatus, number>;
	/** Reminders waiting for their time, and the earliest job they are for. */
	reminders: { waiting: number; nextJobStart: string | null };
	smtp: "configured" | "off";
}
