import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidEventError } from "../../lib/events/contract.ts";
import { BOOKING_EVENT_TYPES } from "../../services/booking/contract.ts";
import {
	applyPreferences,
	bookingOf,
	detailsOf,
	isWanted,
	mailKey,
	mailsFor,
	preferencesView,
	reminderCause,
	reminderChange,
	templateLanguage,
	withoutAddresses,
} from "../../services/notification/mail-rules.ts";
import {
	formatMoney,
	formatTime,
	MAIL_LANGUAGES,
	renderMail,
} from "../../services/notification/templates.ts";
import { bookingEventData } from "../support/fixtures.ts";

const BOOKING = bookingEventData(new Date("2030-06-03T08:00:00.000Z"), {
	bookingId: "0b4f6c1e-4a43-4d8c-9d1e-2d4d3e0a9b10",
	cleanerId: "c7e5a0d1-8a34-4bd5-a5b0-7f9e0c1d2e33",
});
const T = BOOKING_EVENT_TYPES;

describe("which e-mails a booking event causes", () => {
	it("booked, moved and cancelled: the customer and the cleaner; completed: the customer; started and rated: none", () => {
		const kinds = (type: string) =>
			mailsFor(type, BOOKING).map((m) => `${m.kind}>${m.recipient.type}:${m.recipient.id}`);
		assert.deepEqual(kinds(T.created), [
			"booked>customer:sub-anna",
			`job-assigned>cleaner:${BOOKING.cleanerId}`,
		]);
		assert.deepEqual(kinds(T.rescheduled), [
			"rescheduled>customer:sub-anna",
			`job-moved>cleaner:${BOOKING.cleanerId}`,
		]);
		assert.deepEqual(kinds(T.cancelled), [
			"cancelled>customer:sub-anna",
			`job-cancelled>cleaner:${BOOKING.cleanerId}`,
		]);
		assert.deepEqual(kinds(T.completed), ["completed>customer:sub-anna"]);
		assert.deepEqual(kinds(T.started), []);
		assert.deepEqual(kinds(T.rated), []);
	});

	it("reads only booking events, and refuses one without the ids it needs", () => {
		assert.equal(bookingOf("cleaner.slot.reserved.v1", {}), null);
		assert.equal(bookingOf(T.created, BOOKING), BOOKING);
		const { cleanerId: _, ...noCleaner } = BOOKING;
		assert.throws(() => bookingOf(T.created, noCleaner), InvalidEventError);
	});

	it("the details: the address as one line, the fee of a late cancellation, the previous start of a move", () => {
		const details = detailsOf({
			...BOOKING,
			cancellation: { by: "sub-anna", late: true, feeMinor: 1225 },
			previous: { start: "2030-06-02T08:00:00.000Z", end: "2030-06-02T09:00:00.000Z" },
		});
		assert.equal(details.address, "Damrak 1, 1012 LG Amsterdam");
		assert.equal(details.feeMinor, 1225);
		assert.equal(details.previousStart, "2030-06-02T08:00:00.000Z");
		assert.equal(detailsOf({ ...BOOKING, location: { latitude: 1, longitude: 2 } }).address, null);
	});
});

describe("reminders", () => {
	const changedAt = new Date("2030-06-01T08:00:00.000Z");
	it("booked or moved more than the lead time ahead: scheduled for the job's start", () => {
		assert.deepEqual(reminderChange(T.created, BOOKING, changedAt, 24), {
			action: "schedule",
			startAt: new Date(BOOKING.start),
		});
		assert.deepEqual(reminderChange(T.rescheduled, BOOKING, changedAt, 24), {
			action: "schedule",
			startAt: new Date(BOOKING.start),
		});
	});

	it("booked within the lead time: none (the confirmation is the reminder)", () => {
		assert.deepEqual(reminderChange(T.created, BOOKING, changedAt, 48), { action: "remove" });
	});

	it("started, completed or cancelled: removed; rated: untouched", () => {
		for (const type of [T.started, T.completed, T.cancelled])
			assert.deepEqual(reminderChange(type, BOOKING, changedAt, 24), { action: "remove" });
		assert.equal(reminderChange(T.rated, BOOKING, changedAt, 24), null);
	});

	it("a moved job's reminder has a cause of its own", () => {
		const recipient = { type: "customer" as const, id: "sub-anna" };
		const first = mailKey(reminderCause(BOOKING.bookingId, new Date(BOOKING.start)), "reminder", recipient);
		const moved = mailKey(
			reminderCause(BOOKING.bookingId, new Date("2030-06-04T08:00:00.000Z")),
			"reminder",
			recipient,
		);
		assert.notEqual(first, moved);
		assert.match(first, /^[0-9a-f]{64}$/);
	});
});

describe("the e-mail's key", () => {
	it("is the same for the same event, kind and recipient, and differs when any of them does", () => {
		const customer = { type: "customer" as const, id: "sub-anna" };
		const key = mailKey("event-1", "booked", customer);
		assert.equal(mailKey("event-1", "booked", customer), key);
		assert.notEqual(mailKey("event-2", "booked", customer), key);
		assert.notEqual(mailKey("event-1", "reminder", customer), key);
		assert.notEqual(mailKey("event-1", "booked", { type: "cleaner", id: "sub-anna" }), key);
	});
});

describe("preferences", () => {
	it("the reminder and the rating link can be turned off; the booking, move and cancellation e-mails never", () => {
		assert.deepEqual(applyPreferences([], { reminder: false, completed: false }), {
			disabled: ["completed", "reminder"],
		});
		assert.deepEqual(applyPreferences(["reminder", "completed"], { reminder: true }), {
			disabled: ["completed"],
		});
		assert.deepEqual(applyPreferences([], { cancelled: false }), { refused: "cancelled" });
		assert.deepEqual(applyPreferences([], { booked: true }), { disabled: [] });
	});

	it("what the business must send goes whatever is stored; cleaners' e-mails are never optional", () => {
		assert.equal(isWanted("booked", ["booked"]), true);
		assert.equal(isWanted("reminder", ["reminder"]), false);
		assert.equal(isWanted("job-cancelled", ["job-cancelled"]), true);
		assert.deepEqual(preferencesView(["reminder"]).email, {
			booked: true,
			rescheduled: true,
			cancelled: true,
			completed: true,
			reminder: false,
		});
	});
});

describe("templates", () => {
	const context = {
		details: detailsOf(BOOKING),
		name: "Anna",
		timeZone: "Europe/Amsterdam",
		rateUrl: "https://app.test/",
	};
	it("are written in English and Dutch; a tag picks its language, anything else the fallback", () => {
		assert.deepEqual([...MAIL_LANGUAGES].sort(), ["en", "nl"]);
		assert.equal(templateLanguage("nl-NL", MAIL_LANGUAGES, "en"), "nl");
		assert.equal(templateLanguage("NL", MAIL_LANGUAGES, "en"), "nl");
		assert.equal(templateLanguage("de-DE", MAIL_LANGUAGES, "en"), "en");
		assert.equal(templateLanguage(undefined, MAIL_LANGUAGES, "nl"), "nl");
	});

	it("show times in the platform's zone, in the recipient's language", () => {
		// 08:00 UTC on a summer day is 10:00 in Amsterdam, 04:00 in New York.
		assert.equal(
			formatTime(BOOKING.start, "en-GB", "Europe/Amsterdam"),
			"Monday, 3 June 2030 at 10:00 (Europe/Amsterdam)",
		);
		assert.equal(
			formatTime(BOOKING.start, "nl-NL", "Europe/Amsterdam"),
			"maandag 3 juni 2030 om 10:00 (Europe/Amsterdam)",
		);
		assert.match(
			renderMail("booked", "en", { ...context, timeZone: "America/New_York" }).text,
			/at 04:00 \(America\/New_York\)/,
		);
	});

	it("money in the currency's own decimals", () => {
		assert.equal(formatMoney(2450, "EUR", "en-GB"), "€24.50");
		assert.equal(formatMoney(2450, "EUR", "nl-NL").replace(/\s/g, " "), "€ 24,50");
		assert.equal(formatMoney(2450, "JPY", "en-GB"), "JP¥2,450");
	});

	it("every kind in every language has a subject, a plain text and an HTML body", () => {
		for (const language of MAIL_LANGUAGES) {
			for (const kind of [
				"booked",
				"rescheduled",
				"cancelled",
				"completed",
				"reminder",
				"job-assigned",
				"job-moved",
				"job-cancelled",
			] as const) {
				const mail = renderMail(kind, language, {
					...context,
					details: { ...context.details, previousStart: BOOKING.start },
				});
				assert.ok(mail.subject.length > 5, `${language} ${kind} subject`);
				assert.ok(
					mail.text.includes("AB12CD") && mail.html.includes("AB12CD"),
					`${language} ${kind} names the vehicle`,
				);
				assert.ok(mail.html.startsWith("<!doctype html>"), `${language} ${kind} html`);
				assert.ok(mail.html.includes(`lang="${language}"`));
			}
		}
	});

	it("a cancellation names its fee, or says there is none; the completed e-mail links to the rating", () => {
		const late = renderMail("cancelled", "en", {
			...context,
			details: { ...context.details, feeMinor: 1225 },
		});
		assert.ok(late.text.includes("a fee of €12.25 is charged"));
		assert.ok(renderMail("cancelled", "nl", context).text.includes("geen kosten"));
		const completed = renderMail("completed", "en", context);
		assert.ok(completed.text.includes("Rate this cleaning: https://app.test/"));
		assert.ok(completed.html.includes('<a href="https://app.test/">Rate this cleaning</a>'));
	});

	it("escape what they show in HTML", () => {
		const mail = renderMail("booked", "en", { ...context, name: "<script>x</script>" });
		assert.ok(mail.html.includes("&lt;script&gt;x&lt;/script&gt;"));
		assert.ok(!mail.html.includes("<script>"));
	});
});

describe("error messages for logs and ops", () => {
	it("lose every e-mail address an SMTP reply quotes", () => {
		assert.equal(
			withoutAddresses(
				"550 5.1.1 <anna@customers.test>: Recipient address rejected (anna.b+x@mail.example.nl)",
			),
			"550 5.1.1 <<address>>: Recipient address rejected (<address>)",
		);
	});
});
