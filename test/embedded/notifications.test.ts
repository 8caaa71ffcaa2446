import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { expectStatus } from "../support/fixtures.ts";
import { mailScenario } from "../support/mail-scenario.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";
import { startSmtpServer } from "../support/smtp.ts";

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
const { received, profile, book, mailTo, settings, bookingLife } = mailScenario(
	() => platform,
	() => smtp,
	15_000,
);

before(async () => {
	platform = await startPlatform(ENV);
});
after(async () => {
	await platform?.stop();
	await smtp.stop();
});

describe("e-mails over HTTP, to a real SMTP server (embedded platform)", () => {
	it("booked, moved and late-cancelled: the customer in Dutch with the fee, the cleaner each time", () =>
		bookingLife());

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
		const toAlice = (subject: string) => mailTo(alice.email, subject, booking.vehicle.plate);
		await received("alice's confirmation", toAlice("Booking confirmed"));
		const before = smtp.received.length;

		// Stopped while the reminder is days away; started again on the same files.
		await platform.stop();
		platform = await startPlatform(ENV, { dataDir: platform.dataDir });
		await settings({ reminderLeadHours: 168 });
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
		await settings({ reminderLeadHours: 24 });
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
