import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DateTime } from "luxon";
import { eventually } from "../support/eventually.ts";
import { at, createVehicle, dayAhead, expectStatus } from "../support/fixtures.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";
import { type ReceivedMail, startSmtpServer } from "../support/smtp.ts";

const smtp = await startSmtpServer();
const ENV = {
	SMTP_URL: smtp.url,
	MAIL_FROM: "Cleaning Platform <no-reply@platform.test>",
	PUBLIC_WEB_URL: "https://app.platform.test",
	MAIL_POLL_MS: "100",
	MAIL_RETRY_BASE_MS: "100",
	// The sender's lines are info: the log scan below reads them.
	LOG_LEVEL: "info",
};
let platform: EmbeddedPlatform;

before(async () => {
	platform = await startPlatform(ENV);
});
after(async () => {
	await platform?.stop();
	await smtp.stop();
});

/** A working day (the demo cleaner works Monday to Friday) 3 to 5 days ahead: inside a 168 h cut-off or lead time. */
const day = [3, 4, 5].map(dayAhead).find((date) => DateTime.fromISO(date).weekday <= 5) as string;

const received = (what: string, test: (mail: ReceivedMail) => boolean, count = 1) =>
	eventually(
		what,
		async () => {
			const found = smtp.received.filter(test);
			return found.length >= count ? found : undefined;
		},
		15_000,
		50,
	);

async function profile(caller: "alice" | "bob" | "carla") {
	const response = await platform.api("GET", caller === "carla" ? "/cleaners/me" : "/customers/me", {
		as: caller,
	});
	expectStatus(response, 200, `${caller}'s profile`);
	return response.body as { id: string; email: string; homeBase?: { latitude: number; longitude: number } };
}

async function book(caller: "alice" | "bob", time: string, cleaner: { id: string; homeBase?: object }) {
	const vehicle = await createVehicle(platform, caller, "small");
	const response = await platform.api("POST", "/bookings", {
		as: caller,
		body: {
			vehicleId: vehicle.id,
			serviceType: "exterior-wash",
			start: at(day, time),
			location: cleaner.homeBase,
			cleanerId: cleaner.id,
		},
	});
	expectStatus(response, 201, "book");
	return response.body as { id: string; vehicle: { plate: string } };
}

describe("e-mails over HTTP, to a real SMTP server (embedded platform)", () => {
	it("booked, moved and late-cancelled: the customer in Dutch with the fee, the cleaner each time", async () => {
		const [bob, carla] = [await profile("bob"), await profile("carla")];
		const booking = await book("bob", "09:00", carla);
		const toBob = (subject: string) => (m: ReceivedMail) =>
			m.to.includes(bob.email) && m.subject.startsWith(subject) && m.text.includes(booking.vehicle.plate);
		const toCarla = (subject: string) => (m: ReceivedMail) =>
			m.to.includes(carla.email) && m.subject.startsWith(subject) && m.text.includes(booking.vehicle.plate);
		const [confirmed] = await received("bob's confirmation", toBob("Boeking bevestigd"));
		assert.ok(confirmed.text.includes("om 09:00 (Europe/Amsterdam)"), confirmed.text);
		assert.ok(confirmed.html.includes("Beste "));
		await received("carla's new job", toCarla("New job"));

		const path = `/bookings/${booking.id}`;
		expectStatus(
			await platform.api("POST", `${path}/reschedule`, { as: "bob", body: { start: at(day, "10:00") } }),
			200,
			"reschedule",
		);
		const [moved] = await received("bob's move", toBob("Boeking verplaatst"));
		assert.ok(moved.text.includes("09:00") && moved.text.includes("10:00"), moved.text);
		await received("carla's moved job", toCarla("Job moved"));

		// Every cancellation this week is late now.
		expectStatus(
			await platform.api("PATCH", "/settings", { as: "olga", body: { cancellationCutoffHours: 168 } }),
			200,
			"cut-off",
		);
		expectStatus(await platform.api("POST", `${path}/cancel`, { as: "bob" }), 200, "cancel");
		const [cancelled] = await received("bob's cancellation", toBob("Boeking geannuleerd"));
		assert.match(cancelled.text.replace(/\s/g, " "), /rekenen we € \d+,\d\d annuleringskosten/);
		await received("carla's cancelled job", toCarla("Job cancelled"));
		expectStatus(
			await platform.api("PATCH", "/settings", { as: "olga", body: { cancellationCutoffHours: 24 } }),
			200,
			"cut-off back",
		);
	});

	it("preferences through the gateway: the reminder can be turned off, the confirmation cannot", async () => {
		const initial = await platform.api("GET", "/notifications/preferences", { as: "bob" });
		expectStatus(initial, 200, "preferences");
		assert.deepEqual(initial.body.required, ["booked", "rescheduled", "cancelled"]);
		const off = await platform.api("PATCH", "/notifications/preferences", {
			as: "bob",
			body: { reminder: false },
		});
		expectStatus(off, 200, "reminder off");
		assert.equal(off.body.email.reminder, false);
		const refused = await platform.api("PATCH", "/notifications/preferences", {
			as: "bob",
			body: { booked: false },
		});
		assert.equal(refused.status, 422);
		assert.deepEqual(
			(refused.body.error.details as Array<{ field: string }>).map((detail) => detail.field),
			["booked"],
		);
		assert.equal((await platform.api("GET", "/notifications/preferences")).status, 401);
		assert.equal((await platform.api("GET", "/notifications/preferences", { as: "carla" })).status, 403);
		expectStatus(
			await platform.api("PATCH", "/notifications/preferences", { as: "bob", body: { reminder: true } }),
			200,
			"reminder on",
		);
	});

	it("a reminder waits in the database across a restart and goes out once; a completed job links to its rating", async () => {
		const [alice, carla] = [await profile("alice"), await profile("carla")];
		const booking = await book("alice", "13:00", carla);
		const toAlice = (subject: string) => (m: ReceivedMail) =>
			m.to.includes(alice.email) && m.subject.startsWith(subject) && m.text.includes(booking.vehicle.plate);
		await received("alice's confirmation", toAlice("Booking confirmed"));
		const before = smtp.received.length;

		// Stopped while the reminder is days away; started again on the same files.
		await platform.stop();
		platform = await startPlatform(ENV, { dataDir: platform.dataDir });
		expectStatus(
			await platform.api("PATCH", "/settings", { as: "olga", body: { reminderLeadHours: 168 } }),
			200,
			"lead time",
		);
		const [reminder] = await received("alice's reminder", toAlice("Reminder:"));
		assert.ok(reminder.text.includes("at 13:00 (Europe/Amsterdam)"), reminder.text);
		await sleep(1_000);
		assert.equal(smtp.received.filter(toAlice("Reminder:")).length, 1, "the reminder once");
		assert.equal(
			smtp.received.filter(toAlice("Booking confirmed")).length,
			1,
			"no e-mail sent again after the restart",
		);
		assert.ok(smtp.received.slice(before).every((m) => !m.subject.startsWith("Booking confirmed")));

		const path = `/bookings/${booking.id}`;
		expectStatus(await platform.api("POST", `${path}/start`, { as: "carla" }), 200, "start");
		expectStatus(await platform.api("POST", `${path}/complete`, { as: "carla" }), 200, "complete");
		const [done] = await received("alice's rating link", toAlice("Your vehicle is clean"));
		assert.ok(done.html.includes('<a href="https://app.platform.test/">Rate this cleaning</a>'), done.html);
		expectStatus(
			await platform.api("PATCH", "/settings", { as: "olga", body: { reminderLeadHours: 24 } }),
			200,
			"lead back",
		);
	});

	it("no e-mail address reaches the platform's log", async () => {
		const log = await readFile(platform.logFile, "utf8");
		assert.ok(log.includes("Mail sent"), "the sender logs what it did");
		assert.deepEqual(
			log.match(/[\w.+-]+@[\w-]+\.[\w.]+/g)?.filter((a) => !a.startsWith("no-reply@")) ?? [],
			[],
			"addresses in the log",
		);
	});
});
