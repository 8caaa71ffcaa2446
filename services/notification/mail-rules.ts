/**
 * The notification rules as plain functions: which e-mails a booking event causes and for whom, what it does
 * to the booking's reminder, which e-mails a customer's preferences let through, and the key that makes an
 * e-mail unique.
 */
import { createHash } from "node:crypto";
import { InvalidEventError } from "../../lib/events/contract.ts";
import { BOOKING_EVENT_TYPES, type BookingEventData } from "../booking/contract.ts";
import {
	CUSTOMER_MAIL_KINDS,
	type CustomerMailKind,
	type MailKind,
	type MailPreferences,
	REQUIRED_MAIL_KINDS,
} from "./contract.ts";

export type Recipient = { type: "customer"; id: string } | { type: "cleaner"; id: string };

/** One e-mail a booking event asks for. */
export interface PlannedMail {
	kind: MailKind;
	recipient: Recipient;
}

/** What an e-mail tells of its booking: the event's data that the templates show. */
export interface MailDetails {
	bookingId: string;
	serviceType: string;
	start: string;
	end: string;
	/** rescheduled: the start before the change. */
	previousStart: string | null;
	price: { amountMinor: number; currency: string };
	/** cancelled: the late-cancellation fee, or null when there is none. */
	feeMinor: number | null;
	plate: string;
	/** Where the vehicle is, as one line, or null when the booking has only coordinates. */
	address: string | null;
}

const MAILS_OF_EVENT: Record<string, Array<[MailKind, Recipient["type"]]>> = {
	[BOOKING_EVENT_TYPES.created]: [
		["booked", "customer"],
		["job-assigned", "cleaner"],
	],
	[BOOKING_EVENT_TYPES.rescheduled]: [
		["rescheduled", "customer"],
		["job-moved", "cleaner"],
	],
	[BOOKING_EVENT_TYPES.cancelled]: [
		["cancelled", "customer"],
		["job-cancelled", "cleaner"],
	],
	[BOOKING_EVENT_TYPES.completed]: [["completed", "customer"]],
};

/** The booking event's data, checked for what the rules read; an event of another type gives null. */
export function bookingOf(type: string, data: unknown): BookingEventData | null {
	if (!(Object.values(BOOKING_EVENT_TYPES) as string[]).includes(type)) return null;
	const booking = data as Partial<BookingEventData>;
	for (const field of ["bookingId", "customerId", "cleanerId", "start", "end"] as const) {
		if (typeof booking?.[field] !== "string") throw new InvalidEventError(`the event has no ${field}`);
	}
	return booking as BookingEventData;
}

/** The e-mails a booking event causes: to its customer (by OIDC subject) and to its cleaner. */
export function mailsFor(type: string, booking: BookingEventData): PlannedMail[] {
	return (MAILS_OF_EVENT[type] ?? []).map(([kind, to]) => ({
		kind,
		recipient: { type: to, id: to === "customer" ? booking.customerId : booking.cleanerId },
	}));
}

export function detailsOf(booking: BookingEventData): MailDetails {
	const { street, postcode, city } = booking.location ?? {};
	const address = [street, [postcode, city].filter(Boolean).join(" ")].filter(Boolean).join(", ");
	return {
		bookingId: booking.bookingId,
		serviceType: booking.serviceType,
		start: booking.start,
		end: booking.end,
		previousStart: booking.previous?.start ?? null,
		price: booking.price,
		feeMinor: booking.cancellation?.feeMinor ?? null,
		plate: booking.vehicle?.plate ?? "",
		address: address === "" ? null : address,
	};
}

/** What a booking event does to the booking's reminder. */
export type ReminderChange = { action: "schedule"; startAt: Date } | { action: "remove" } | null;

/**
 * Booked or moved: a reminder for the (new) start, unless the job is nearer than the lead time when the change
 * happened (its confirmation is the reminder then). Started, completed or cancelled: no reminder any more.
 */
export function reminderChange(
	type: string,
	booking: BookingEventData,
	changedAt: Date,
	leadHours: number,
): ReminderChange {
	if (type === BOOKING_EVENT_TYPES.created || type === BOOKING_EVENT_TYPES.rescheduled) {
		const startAt = new Date(booking.start);
		const dueAt = startAt.getTime() - leadHours * 3_600_000;
		return dueAt > changedAt.getTime() ? { action: "schedule", startAt } : { action: "remove" };
	}
	if (
		type === BOOKING_EVENT_TYPES.started ||
		type === BOOKING_EVENT_TYPES.completed ||
		type === BOOKING_EVENT_TYPES.cancelled
	) {
		return { action: "remove" };
	}
	return null;
}

/** When the reminder of a job starting at `startAt` is due. */
export function reminderDueAt(startAt: Date, leadHours: number): Date {
	return new Date(startAt.getTime() - leadHours * 3_600_000);
}

/**
 * The identity of one e-mail: the cause (a booking event's id, or the reminder of one start of a booking),
 * its kind and its recipient. A unique index on it makes the same e-mail impossible to queue twice.
 */
export function mailKey(cause: string, kind: MailKind, recipient: Recipient): string {
	return createHash("sha256").update(`${cause}\n${kind}\n${recipient.type}\n${recipient.id}`).digest("hex");
}

/** The cause of a reminder: one booking at one start (a moved job gets a reminder of its own). */
export const reminderCause = (bookingId: string, startAt: Date) =>
	`reminder:${bookingId}:${startAt.toISOString()}`;

const REQUIRED = new Set<string>(REQUIRED_MAIL_KINDS);

export function isRequired(kind: MailKind): boolean {
	return REQUIRED.has(kind) || !(CUSTOMER_MAIL_KINDS as readonly string[]).includes(kind);
}

/** Whether a customer who turned `disabled` off gets this e-mail; what the business must send always goes. */
export function isWanted(kind: MailKind, disabled: readonly string[]): boolean {
	return isRequired(kind) || !disabled.includes(kind);
}

export function preferencesView(disabled: readonly string[]): MailPreferences {
	return {
		email: Object.fromEntries(CUSTOMER_MAIL_KINDS.map((kind) => [kind, isWanted(kind, disabled)])) as Record<
			CustomerMailKind,
			boolean
		>,
		required: [...REQUIRED_MAIL_KINDS],
	};
}

/**
 * The kinds turned off after a change, or the first required kind the change tries to turn off.
 */
export function applyPreferences(
	disabled: readonly string[],
	change: Partial<Record<CustomerMailKind, boolean>>,
): { disabled: CustomerMailKind[] } | { refused: CustomerMailKind } {
	const off = new Set(disabled as CustomerMailKind[]);
	for (const [kind, enabled] of Object.entries(change) as Array<[CustomerMailKind, boolean]>) {
		if (!enabled && isRequired(kind)) return { refused: kind };
		if (enabled) off.delete(kind);
		else off.add(kind);
	}
	return { disabled: CUSTOMER_MAIL_KINDS.filter((kind) => off.has(kind)) };
}

/** The template language for a BCP 47 tag ("nl-NL" → "nl"), or the fallback when there is no such template. */
export function templateLanguage(
	tag: string | null | undefined,
	available: readonly string[],
	fallback: string,
): string {
	const primary = (tag ?? "").toLowerCase().split("-")[0];
	return available.includes(primary) ? primary : fallback;
}

/** An error message as it may be stored and logged: without the e-mail addresses an SMTP reply can quote. */
export function withoutAddresses(message: string): string {
	return message.replace(/[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+/g, "<address>").slice(0, 500);
}
