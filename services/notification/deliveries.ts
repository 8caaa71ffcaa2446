/**
 * The notification service's tables and the queries that make its promises: an e-mail is queued once (unique
 * key), taken by one sender at a time (a lease claimed with a conditional UPDATE), retried with backoff and
 * parked as failed after its last attempt; a reminder is turned into its e-mail once, by the instance whose
 * DELETE of the waiting row wins.
 */
import { randomUUID } from "node:crypto";
import { Op, type Sequelize, type Transaction } from "sequelize";
import { insertRows, tableOf } from "../../lib/database.ts";
import { backoff } from "../../lib/retry.ts";
import type { DeliveryStatus, MailDelivery, MailKind } from "./contract.ts";
import { type MailDetails, mailKey, type Recipient, reminderCause } from "./mail-rules.ts";
import {
	MAIL_DELIVERIES_TABLE,
	MAIL_PREFERENCES_TABLE,
	MAIL_REMINDERS_TABLE,
} from "./migrations/0001-create-notifications.ts";

export interface DeliveryRow {
	id: string;
	mailKey: string;
	kind: MailKind;
	recipientType: Recipient["type"];
	recipientId: string;
	bookingId: string;
	details: MailDetails;
	status: DeliveryStatus;
	attempts: number;
	nextAttemptAt: Date;
	claimedBy: string | null;
	claimedUntil: Date | null;
	lastError: string | null;
	sentAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

interface ReminderRow {
	bookingId: string;
	customerId: string;
	startAt: Date;
	details: MailDetails;
}

interface PreferenceRow {
	subject: string;
	disabled: string[];
	updatedAt: Date;
}

export function deliveriesTable(sequelize: Sequelize) {
	return tableOf<DeliveryRow>(sequelize, MAIL_DELIVERIES_TABLE, { timestamps: true });
}

function remindersTable(sequelize: Sequelize) {
	return tableOf<ReminderRow>(sequelize, MAIL_REMINDERS_TABLE);
}

function preferencesTable(sequelize: Sequelize) {
	return tableOf<PreferenceRow>(sequelize, MAIL_PREFERENCES_TABLE);
}

/** Queues an e-mail unless the same one (same cause, kind and recipient) was queued before. */
export async function queueMail(
	sequelize: Sequelize,
	mail: { cause: string; kind: MailKind; recipient: Recipient; details: MailDetails },
	transaction: Transaction,
): Promise<void> {
	const now = new Date();
	const row: Omit<DeliveryRow, "claimedBy" | "claimedUntil" | "lastError" | "sentAt"> = {
		id: randomUUID(),
		mailKey: mailKey(mail.cause, mail.kind, mail.recipient),
		kind: mail.kind,
		recipientType: mail.recipient.type,
		recipientId: mail.recipient.id,
		bookingId: mail.details.bookingId,
		details: mail.details,
		status: "pending",
		attempts: 0,
		nextAttemptAt: now,
		createdAt: now,
		updatedAt: now,
	};
	await insertRows(sequelize, MAIL_DELIVERIES_TABLE, [row], transaction, "ignore");
}

/** The booking's reminder for its (new) start: one row per booking, replaced when the job moves. */
export async function scheduleReminder(
	sequelize: Sequelize,
	reminder: { customerId: string; startAt: Date; details: MailDetails },
	transaction: Transaction,
): Promise<void> {
	const row: ReminderRow = { bookingId: reminder.details.bookingId, ...reminder };
	await insertRows(sequelize, MAIL_REMINDERS_TABLE, [row], transaction, "update");
}

export async function removeReminder(sequelize: Sequelize, bookingId: string, transaction: Transaction) {
	await remindersTable(sequelize).destroy({ where: { bookingId }, transaction });
}

/**
 * Turns every reminder whose time has come (the job starts within `leadHours`) into a queued e-mail. Several
 * instances may look at the same row: each deletes it in the transaction that queues the e-mail, and only the
 * one whose DELETE removed it queues (the other's DELETE waits for the row lock, then removes nothing). A job
 * that has started by now gets no reminder. Answers how many were queued.
 */
export async function queueDueReminders(
	sequelize: Sequelize,
	leadHours: number,
	now = new Date(),
): Promise<number> {
	const reminders = remindersTable(sequelize);
	const due = await reminders.findAll({
		where: { startAt: { [Op.lte]: new Date(now.getTime() + leadHours * 3_600_000) } },
		order: [["startAt", "ASC"]],
		limit: 100,
	});
	let queued = 0;
	for (const model of due) {
		const { bookingId, customerId, startAt, details } = model.get();
		await sequelize.transaction(async (transaction) => {
			const claimed = await reminders.destroy({ where: { bookingId, startAt }, transaction });
			if (claimed !== 1 || startAt.getTime() <= now.getTime()) return;
			await queueMail(
				sequelize,
				{
					cause: reminderCause(bookingId, startAt),
					kind: "reminder",
					recipient: { type: "customer", id: customerId },
					details,
				},
				transaction,
			);
			queued++;
		});
	}
	return queued;
}

/** How long a sender holds an e-mail it took: longer than an SMTP exchange with its timeouts can last. */
const LEASE_MS = 3 * 60_000;

const claimable = (now: Date) => ({
	status: "pending",
	[Op.or]: [{ claimedUntil: null }, { claimedUntil: { [Op.lt]: now } }],
});

/**
 * Takes up to `limit` due e-mails for this sender. Each is claimed with an UPDATE that succeeds only while
 * nobody holds it, so two instances never send the same row at once.
 */
export async function claimDueMail(
	sequelize: Sequelize,
	sender: string,
	limit: number,
): Promise<DeliveryRow[]> {
	const deliveries = deliveriesTable(sequelize);
	const now = new Date();
	const due = await deliveries.findAll({
		attributes: ["id"],
		where: { ...claimable(now), nextAttemptAt: { [Op.lte]: now } },
		order: [["nextAttemptAt", "ASC"]],
		limit,
	});
	const claimed: DeliveryRow[] = [];
	for (const { id } of due) {
		const claimedUntil = new Date(now.getTime() + LEASE_MS);
		const [count] = await deliveries.update(
			{ claimedBy: sender, claimedUntil },
			{ where: { id, ...claimable(now) } },
		);
		if (count !== 1) continue;
		const row = await deliveries.findByPk(id);
		if (row?.get().claimedBy === sender) claimed.push(row.get());
	}
	return claimed;
}

/** Gives back the e-mails a sender held (it restarted: whatever it was sending did not finish). */
export async function releaseClaims(sequelize: Sequelize, sender: string): Promise<number> {
	const [count] = await deliveriesTable(sequelize).update(
		{ claimedBy: null, claimedUntil: null },
		{ where: { claimedBy: sender, status: "pending" } },
	);
	return count;
}

/** The outcome of one send, written only by the sender that holds the row. */
export type SendOutcome =
	| { outcome: "sent" }
	| { outcome: "skipped"; reason: string }
	| { outcome: "failed"; error: string; attempts: number; retryBaseMs: number };

export async function recordOutcome(
	sequelize: Sequelize,
	row: DeliveryRow,
	result: SendOutcome,
	now = new Date(),
): Promise<DeliveryStatus> {
	const release = { claimedBy: null, claimedUntil: null };
	let changes: Partial<DeliveryRow>;
	if (result.outcome === "sent") {
		changes = { ...release, status: "sent", sentAt: now, attempts: row.attempts + 1, lastError: null };
	} else if (result.outcome === "skipped") {
		changes = { ...release, status: "skipped", lastError: result.reason };
	} else {
		const attempts = row.attempts + 1;
		changes = {
			...release,
			attempts,
			lastError: result.error,
			...(attempts >= result.attempts
				? { status: "failed" }
				: {
						nextAttemptAt: new Date(
							now.getTime() + backoff(attempts, result.retryBaseMs, result.retryBaseMs * 64),
						),
					}),
		};
	}
	await deliveriesTable(sequelize).update(changes, { where: { id: row.id, claimedBy: row.claimedBy } });
	return changes.status ?? row.status;
}

export function toMailDelivery(row: DeliveryRow): MailDelivery {
	return {
		id: row.id,
		kind: row.kind,
		recipient: { type: row.recipientType, id: row.recipientId },
		bookingId: row.bookingId,
		status: row.status,
		attempts: row.attempts,
		lastError: row.lastError,
		createdAt: new Date(row.createdAt).toISOString(),
		updatedAt: new Date(row.updatedAt).toISOString(),
	};
}

/** The dead-letter list: e-mails whose every attempt failed, newest first. */
export async function failedMail(sequelize: Sequelize, limit: number): Promise<MailDelivery[]> {
	const rows = await deliveriesTable(sequelize).findAll({
		where: { status: "failed" },
		order: [["updatedAt", "DESC"]],
		limit,
	});
	return rows.map((row) => toMailDelivery(row.get()));
}

/** Queues failed e-mails again with fresh attempts; answers which ids were queued and which are not failed ones. */
export async function resendFailed(sequelize: Sequelize, ids: readonly string[]) {
	const deliveries = deliveriesTable(sequelize);
	const queued: string[] = [];
	for (const id of ids) {
		const [count] = await deliveries.update(
			{ status: "pending", attempts: 0, nextAttemptAt: new Date(), claimedBy: null, claimedUntil: null },
			{ where: { id, status: "failed" } },
		);
		if (count === 1) queued.push(id);
	}
	return { queued, notFound: ids.filter((id) => !queued.includes(id)) };
}

export async function deliveryCounts(sequelize: Sequelize): Promise<Record<DeliveryStatus, number>> {
	const counts: Record<DeliveryStatus, number> = { pending: 0, sent: 0, skipped: 0, failed: 0 };
	const rows = (await deliveriesTable(sequelize).count({ group: ["status"] })) as unknown as Array<{
		status: DeliveryStatus;
		count: number;
	}>;
	for (const { status, count } of rows) counts[status] = Number(count);
	return counts;
}

export async function reminderBacklog(sequelize: Sequelize) {
	const reminders = remindersTable(sequelize);
	const [waiting, next] = await Promise.all([
		reminders.count(),
		reminders.findOne({ order: [["startAt", "ASC"]] }),
	]);
	return { waiting, nextJobStart: next ? new Date(next.get().startAt).toISOString() : null };
}

/**
 * A customer deleted their profile: their reminders and preferences go, their e-mails not sent yet never will
 * be, and what the rows kept of the vehicle and the address is erased (the cleaner's e-mails about the same
 * jobs stay: the bookings keep the job's place too).
 */
export async function eraseCustomer(sequelize: Sequelize, subject: string): Promise<void> {
	await sequelize.transaction(async (transaction) => {
		await remindersTable(sequelize).destroy({ where: { customerId: subject }, transaction });
		await preferencesTable(sequelize).destroy({ where: { subject }, transaction });
		const deliveries = deliveriesTable(sequelize);
		const rows = await deliveries.findAll({
			where: { recipientType: "customer", recipientId: subject },
			transaction,
		});
		for (const row of rows) {
			const { id, status, details } = row.get();
			await deliveries.update(
				{
					details: { ...details, plate: "", address: null },
					...(status === "pending" || status === "failed"
						? { status: "skipped", lastError: "the customer deleted their profile", claimedBy: null }
						: {}),
				},
				{ where: { id }, transaction },
			);
		}
	});
}

export async function disabledKinds(sequelize: Sequelize, subject: string): Promise<string[]> {
	const row = await preferencesTable(sequelize).findByPk(subject);
	return row?.get().disabled ?? [];
}

export async function saveDisabledKinds(sequelize: Sequelize, subject: string, disabled: string[]) {
	await preferencesTable(sequelize).upsert({ subject, disabled, updatedAt: new Date() });
}
