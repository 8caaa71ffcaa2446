import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { MailConfig } from "../../config/index.ts";
import { eventBus } from "../../lib/events/bus.ts";
import { CLOUDEVENTS_CONTENT_TYPE, cloudEvent, TOPICS } from "../../lib/events/contract.ts";
import { OPS_COMMANDS } from "../../ops/commands.ts";
import { BOOKING_EVENT_TYPES, type BookingEventData } from "../../services/booking/contract.ts";
import type { BusinessSettings } from "../../services/configuration/contract.ts";
import { defaultSettings } from "../../services/configuration/setting-rules.ts";
import type {
	MailDelivery,
	MailPreferences,
	NotificationStatus,
} from "../../services/notification/contract.ts";
import NotificationService from "../../services/notification/notification.service.ts";
import { eventually } from "../support/eventually.ts";
import { bookingEventData } from "../support/fixtures.ts";
import { as, testBroker } from "../support/service-broker.ts";
import { type ReceivedMail, startSmtpServer } from "../support/smtp.ts";

const CLEANER = { id: randomUUID(), displayName: "Carla", email: "carla@cleaners.test" };
const CUSTOMERS: Record<string, { displayName: string; email: string | null; language: string }> = {
	"sub-anna": { displayName: "Anna", email: "anna@customers.test", language: "nl-NL" },
	"sub-ben": { displayName: "Ben", email: "ben@customers.test", language: "en" },
	"sub-gone": { displayName: "Deleted customer", email: null, language: "en" },
};
const HOUR = 3_600_000;

const booking = (customerId: string, start: Date, changes: Partial<BookingEventData> = {}) =>
	bookingEventData(start, { customerId, cleanerId: CLEANER.id, ...changes });

/** A whole hour some hours from now: on the reservation grid, in the future. */
const hoursAhead = (hours: number) => new Date(Math.ceil((Date.now() + hours * HOUR) / HOUR) * HOUR);

describe("notifications service (broker-level, real SMTP server)", async () => {
	const smtp = await startSmtpServer();
	const { broker, withDatabase, stop } = testBroker();
	const mail: MailConfig = {
		smtp: { host: "127.0.0.1", port: smtp.port, secure: false },
		from: "Cleaning Platform <no-reply@platform.test>",
		defaultLanguage: "en",
		publicWebUrl: "https://app.platform.test",
		sendAttempts: 3,
		retryBaseMs: 50,
		pollMs: 50,
	};
	let settings: BusinessSettings = defaultSettings("Europe/Amsterdam");
	const bus = eventBus(broker.logger);

	before(async () => {
		broker.createService(
			withDatabase(
				{ ...NotificationService, settings: { ...NotificationService.settings, mail } },
				"notification",
			),
		);
		broker.createService({ name: "configuration", actions: { current: () => settings } });
		broker.createService({
			name: "customers",
			actions: { contact: (ctx) => CUSTOMERS[(ctx.params as { subject: string }).subject] ?? null },
		});
		broker.createService({
			name: "cleaners",
			actions: { contact: (ctx) => ((ctx.params as { id: string }).id === CLEANER.id ? CLEANER : null) },
		});
		await broker.start();
	});
	after(async () => {
		await stop();
		await smtp.stop();
	});

	const publish = async (type: string, data: BookingEventData, id = randomUUID()) => {
		const event = { ...cloudEvent("/test", type, data.bookingId, data, new Date()), id };
		await bus.publish([
			{
				topic: TOPICS.bookingEvents,
				key: data.bookingId,
				value: JSON.stringify(event),
				headers: { "content-type": CLOUDEVENTS_CONTENT_TYPE },
			},
		]);
		return event;
	};
	const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
	const received = (what: string, test: (m: ReceivedMail) => boolean, count = 1) =>
		eventually(what, async () => {
			const found = smtp.received.filter(test);
			return found.length >= count ? found : undefined;
		});
	/** One line typed into the ops REPL's `mail` command, run on this broker; what it printed. */
	const repl = async (line: string) => {
		const printed: string[] = [];
		const log = console.log;
		console.log = (text: unknown) => printed.push(String(text));
		try {
			await OPS_COMMANDS.find((command) => command.command.startsWith("mail "))?.action(
				broker,
				{ rawCommand: line } as unknown as string[],
				{ table: (rows: unknown[][]) => rows.map((row) => row.join(" | ")).join("\n") },
			);
		} finally {
			console.log = log;
		}
		return printed.join("\n");
	};
	const ops = <T>(action: string, params: object = {}) =>
		broker.call<T, object>(action, params, as("ops@test", "admin"));

	it("a booking: the customer's confirmation in Dutch, the cleaner's new job in English, text and HTML, in the platform's zone", async () => {
		const start = hoursAhead(48);
		const data = booking("sub-anna", start);
		await publish(BOOKING_EVENT_TYPES.created, data);
		const [toAnna] = await received("Anna's confirmation", (m) => m.to.includes("anna@customers.test"));
		const [toCarla] = await received(
			"Carla's new job",
			(m) => m.to.includes(CLEANER.email) && m.text.includes("AB12CD"),
		);
		const localTime = new Intl.DateTimeFormat("nl-NL", {
			timeStyle: "short",
			timeZone: "Europe/Amsterdam",
		}).format(start);
		assert.match(toAnna.subject, /^Boeking bevestigd: exterior-wash op /);
		assert.ok(toAnna.text.includes(`${localTime} (Europe/Amsterdam)`), toAnna.text);
		assert.ok(toAnna.text.includes("Beste Anna,"));
		assert.ok(toAnna.text.replace(/\s/g, " ").includes("€ 24,50"), toAnna.text);
		assert.ok(toAnna.html.includes("<p>Uw boeking is bevestigd:</p>"), toAnna.html);
		assert.equal(toAnna.from, "no-reply@platform.test");
		assert.match(toCarla.subject, /^New job: exterior-wash on /);
		assert.ok(toCarla.text.includes("Damrak 1, 1012 LG Amsterdam"));
	});

	it("sends one e-mail per event and recipient, however often the event is delivered", async () => {
		const data = booking("sub-ben", hoursAhead(50));
		const event = await publish(BOOKING_EVENT_TYPES.created, data);
		await publish(BOOKING_EVENT_TYPES.created, data, event.id);
		await received(
			"Ben's confirmation",
			(m) => m.to.includes("ben@customers.test") && m.text.includes(data.start.slice(0, 0)),
		);
		await publish(BOOKING_EVENT_TYPES.completed, { ...data, status: "completed" });
		await received("Ben's rating link", (m) => m.subject.startsWith("Your vehicle is clean"));
		const confirmations = mailsTo("ben@customers.test").filter((m) =>
			m.subject.startsWith("Booking confirmed"),
		);
		assert.equal(confirmations.length, 1);
		const [rating] = mailsTo("ben@customers.test").filter((m) =>
			m.subject.startsWith("Your vehicle is clean"),
		);
		assert.ok(rating.text.includes("Rate this cleaning: https://app.platform.test/"), rating.text);
		assert.ok(rating.html.includes('<a href="https://app.platform.test/">Rate this cleaning</a>'));
	});

	it("a move tells both the old and the new time; a late cancellation names its fee", async () => {
		const before = hoursAhead(60);
		const data = booking("sub-ben", before);
		await publish(BOOKING_EVENT_TYPES.created, data);
		const after = new Date(before.getTime() + 2 * HOUR);
		const moved = {
			...data,
			start: after.toISOString(),
			end: new Date(after.getTime() + HOUR).toISOString(),
			previous: { start: data.start, end: data.end },
		};
		await publish(BOOKING_EVENT_TYPES.rescheduled, moved);
		await publish(BOOKING_EVENT_TYPES.cancelled, {
			...moved,
			status: "cancelled",
			cancellation: { by: "sub-ben", late: true, feeMinor: 1225 },
		});
		const [movedMail] = await received("the move", (m) => m.subject.startsWith("Booking moved to"));
		const fmt = (d: Date) =>
			new Intl.DateTimeFormat("en-GB", { timeStyle: "short", timeZone: "Europe/Amsterdam" }).format(d);
		assert.ok(movedMail.text.includes(fmt(before)) && movedMail.text.includes(fmt(after)), movedMail.text);
		const [cancelled] = await received("the cancellation", (m) => m.subject === "Booking cancelled");
		assert.ok(cancelled.text.includes("a fee of €12.25 is charged"), cancelled.text);
		await received(
			"the cleaner's moved and cancelled job",
			(m) => m.to.includes(CLEANER.email) && /^Job (moved|cancelled)/.test(m.subject),
			2,
		);
	});

	it("sends the reminder once the job is within the lead time (a runtime setting), not for a cancelled job", async () => {
		const kept = booking("sub-anna", hoursAhead(30));
		const cancelled = booking("sub-anna", hoursAhead(31));
		await publish(BOOKING_EVENT_TYPES.created, kept);
		await publish(BOOKING_EVENT_TYPES.created, cancelled);
		await publish(BOOKING_EVENT_TYPES.cancelled, {
			...cancelled,
			status: "cancelled",
			cancellation: { by: "sub-anna", late: false, feeMinor: null },
		});
		await received(
			"both confirmations",
			(m) => m.to.includes("anna@customers.test") && m.subject.startsWith("Boeking bevestigd"),
			3,
		);
		const waiting = await eventually("the reminder waiting", async () => {
			const status = await ops<NotificationStatus>("notifications.status");
			return status.reminders.waiting >= 1 ? status : undefined;
		});
		assert.ok(waiting.reminders.nextJobStart !== null);
		assert.equal(
			smtp.received.filter((m) => m.subject.startsWith("Herinnering")).length,
			0,
			"30 h ahead, 24 h lead: not yet",
		);

		settings = { ...settings, reminderLeadHours: 36 };
		await broker.broadcast("configuration.changed", settings);
		const reminders = await received("the reminder", (m) => m.subject.startsWith("Herinnering"));
		assert.equal(reminders.length, 1);
		assert.ok(reminders[0].text.includes("Een herinnering aan uw schoonmaak"));
		await new Promise((resolve) => setTimeout(resolve, 300));
		assert.equal(
			smtp.received.filter((m) => m.subject.startsWith("Herinnering")).length,
			1,
			"once, and none for the cancelled job",
		);
		settings = { ...settings, reminderLeadHours: 24 };
		await broker.broadcast("configuration.changed", settings);
	});

	it("preferences: a customer turns the rating e-mail off, but not the confirmation", async () => {
		const initial = await broker.call<MailPreferences, object>(
			"notifications.preferences",
			{},
			as("sub-ben", "customer"),
		);
		assert.equal(initial.email.completed, true);
		assert.deepEqual(initial.required, ["booked", "rescheduled", "cancelled"]);
		const changed = await broker.call<MailPreferences, object>(
			"notifications.updatePreferences",
			{ completed: false },
			as("sub-ben", "customer"),
		);
		assert.equal(changed.email.completed, false);
		await assert.rejects(
			broker.call("notifications.updatePreferences", { booked: false }, as("sub-ben", "customer")),
			{
				code: 422,
				data: [
					{ field: "booked", message: "the business always sends this e-mail: it cannot be turned off" },
				],
			},
		);

		const data = booking("sub-ben", hoursAhead(70));
		await publish(BOOKING_EVENT_TYPES.created, data);
		await publish(BOOKING_EVENT_TYPES.completed, { ...data, status: "completed" });
		await eventually("the rating e-mail skipped", async () => {
			const { deliveries } = await ops<NotificationStatus>("notifications.status");
			return deliveries.skipped >= 1 ? true : undefined;
		});
		const ratings = mailsTo("ben@customers.test").filter((m) =>
			m.subject.startsWith("Your vehicle is clean"),
		);
		assert.equal(ratings.length, 1, "only the one from before the change");
		await broker.call("notifications.updatePreferences", { completed: true }, as("sub-ben", "customer"));
	});

	it("retries a refused send with backoff, and parks it for ops after the last attempt; ops re-send it", async () => {
		smtp.refuse(2);
		const retried = booking("sub-gone", hoursAhead(80), { cleanerId: CLEANER.id });
		await publish(BOOKING_EVENT_TYPES.created, retried);
		await received(
			"the cleaner's job after two refusals",
			(m) =>
				m.to.includes(CLEANER.email) &&
				m.text.includes(
					new Intl.DateTimeFormat("en-GB", { timeStyle: "short", timeZone: "Europe/Amsterdam" }).format(
						new Date(retried.start),
					),
				) &&
				m.subject.startsWith("New job"),
		);
		assert.equal(smtp.refused, 2);

		smtp.refuse(3);
		const parked = booking("sub-anna", hoursAhead(90));
		await publish(BOOKING_EVENT_TYPES.completed, { ...parked, status: "completed" });
		const [failed] = await eventually("the failed e-mail", async () => {
			const list = await ops<MailDelivery[]>("notifications.failed");
			return list.length > 0 ? list : undefined;
		});
		assert.equal(failed.kind, "completed");
		assert.equal(failed.attempts, 3);
		assert.deepEqual(failed.recipient, { type: "customer", id: "sub-anna" });
		assert.match(failed.lastError ?? "", /451/);
		assert.ok(!JSON.stringify(failed).includes("@customers.test"), "no address in the dead-letter list");

		// As ops do it: the REPL's commands, on this broker.
		const listed = await repl("mail failed");
		assert.match(
			listed,
			new RegExp(`${failed.id} \\| completed \\| customer sub-anna \\| ${parked.bookingId} \\| 3 \\| .*451`),
		);
		const unknown = randomUUID();
		const resent = await repl(`mail resend ${failed.id} ${unknown}`);
		assert.match(resent, new RegExp(`queued again: 1 \\(${failed.id}\\)`));
		assert.match(resent, new RegExp(`not failed e-mails: ${unknown}`));
		await received(
			"the re-sent e-mail",
			(m) => m.to.includes("anna@customers.test") && m.subject.startsWith("Uw voertuig is schoon"),
		);
		assert.deepEqual(await ops<MailDelivery[]>("notifications.failed"), []);
		assert.match(await repl("mail failed"), /no failed e-mails/);
		assert.match(await repl("mail status"), /SMTP configured/);
	});

	it("a deleted customer: their reminders, preferences and unsent e-mails go, and their rows forget the vehicle", async () => {
		const leaving = `sub-leaving-${randomUUID()}`;
		await broker.call("notifications.updatePreferences", { reminder: false }, as(leaving, "customer"));
		const waiting = async () => (await ops<NotificationStatus>("notifications.status")).reminders.waiting;
		const before = await waiting();
		await publish(BOOKING_EVENT_TYPES.created, booking(leaving, hoursAhead(100)));
		await eventually("the reminder waiting", async () =>
			(await waiting()) === before + 1 ? true : undefined,
		);
		await broker.emit("customers.deleted", { id: randomUUID(), subject: leaving });
		await eventually("the reminder gone", async () => ((await waiting()) === before ? true : undefined));
		const preferences = await broker.call<MailPreferences, object>(
			"notifications.preferences",
			{},
			as(leaving, "customer"),
		);
		assert.equal(preferences.email.reminder, true, "the stored preferences are gone");
	});

	it("skips a recipient without an address (a deleted profile), and ops calls want an admin", async () => {
		const { deliveries } = await ops<NotificationStatus>("notifications.status");
		assert.ok(deliveries.skipped >= 1);
		assert.equal(mailsTo("").length, 0);
		await assert.rejects(broker.call("notifications.failed", {}, as("sub-ben", "customer")), { code: 403 });
	});
});
