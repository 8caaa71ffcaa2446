import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Connection, createConnection, type RowDataPacket } from "mysql2/promise";
import { type Cluster, databaseName, startCluster } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { expectStatus } from "../support/fixtures.ts";
import { mailScenario } from "../support/mail-scenario.ts";
import { type OpsRepl, startOpsRepl } from "../support/ops-repl.ts";

let cluster: Cluster;
let ops: OpsRepl;
let db: Connection;
const { received, profile, book, mailTo, settings, bookingLife } = mailScenario(
	() => cluster,
	() => cluster.smtp,
	30_000,
);

before(async () => {
	// Three attempts before an e-mail is parked: the dead-letter scenario does not wait through six backoffs.
	cluster = await startCluster({ env: { MAIL_SEND_ATTEMPTS: "3" } });
	// A second notification instance: both consume, both send, nothing goes out twice.
	await cluster.addNode("notification-2", "notification");
	db = await createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
	ops = await startOpsRepl(cluster);
});
after(async () => {
	await ops?.close();
	await db?.end();
	await cluster?.stop();
});

async function deliveries(): Promise<Record<string, number>> {
	const [rows] = await db.query<RowDataPacket[]>(
		`SELECT status, COUNT(*) AS n FROM ${databaseName("notification")}.mail_deliveries GROUP BY status`,
	);
	return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

describe("e-mails in the cluster: two notification nodes on Kafka and MariaDB, a real SMTP server", () => {
	it("booked, moved and late-cancelled: the customer in Dutch with the fee, the cleaner each time", () =>
		bookingLife());

	it("a reminder goes out once across both instances, after one of them was killed; the rating link after completion", async () => {
		const [alice, carla] = [await profile("alice"), await profile("carla")];
		const booking = await book("alice", "13:00", carla);
		const plate = booking.vehicle.plate;
		await received("alice's confirmation", mailTo(alice.email, "Booking confirmed", plate));
		await received("carla's new job", mailTo(carla.email, "New job", plate));

		await cluster.kill("notification-1");
		await cluster.restart("notification-1");
		await settings({ reminderLeadHours: 168 });
		const [reminder] = await received("alice's reminder", mailTo(alice.email, "Reminder:", plate));
		assert.ok(reminder.text.includes("at 13:00 (Europe/Amsterdam)"), reminder.text);
		// Both instances poll every 200 ms: long enough for a second copy to show up if the claim did not hold.
		await sleep(2_000);
		assert.equal(cluster.smtp.received.filter(mailTo(alice.email, "Reminder:", plate)).length, 1);
		await settings({ reminderLeadHours: 24 });

		const path = `/bookings/${booking.id}`;
		expectStatus(await cluster.api("POST", `${path}/start`, { as: "carla" }), 200, "start");
		expectStatus(await cluster.api("POST", `${path}/complete`, { as: "carla" }), 200, "complete");
		const [done] = await received("alice's rating link", mailTo(alice.email, "Your vehicle is clean", plate));
		assert.match(done.text, /Rate this cleaning: http:\/\/localhost:3000\//);
	});

	it("a refused send is retried, then parked; the ops REPL lists it and re-sends it", async () => {
		const [alice, carla] = [await profile("alice"), await profile("carla")];
		cluster.smtp.refuse(2);
		const retried = await book("alice", "14:00", carla);
		await received(
			"alice's confirmation after two refusals",
			mailTo(alice.email, "Booking confirmed", retried.vehicle.plate),
		);
		await received("carla's job", mailTo(carla.email, "New job", retried.vehicle.plate));

		// Six refusals: every attempt of the next booking's two e-mails (three each) is refused.
		const refusedBefore = cluster.smtp.refused;
		cluster.smtp.refuse(6);
		const parkedBooking = await book("alice", "15:00", carla);
		const listed = await eventually(
			"both parked e-mails in the REPL",
			async () => {
				const output = await ops.run("mail failed");
				return output.split(parkedBooking.id).length === 3 ? output : undefined;
			},
			60_000,
			500,
		);
		assert.equal(cluster.smtp.refused - refusedBefore, 6);
		const rows = listed.split("\n").filter((line) => line.includes(parkedBooking.id));
		assert.ok(
			rows.some((row) => row.includes("booked")) && rows.some((row) => row.includes("job-assigned")),
			listed,
		);
		for (const row of rows) assert.match(row, /│\s*3\s*│.*451/);
		assert.ok(!listed.includes(alice.email) && !listed.includes(carla.email), "no address in the REPL");
		const ids = rows.map(
			(row) => /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(row)?.[0],
		);
		assert.match(await ops.run(`mail resend ${ids.join(" ")}`), /queued again: 2 /);
		await received(
			"the re-sent confirmation",
			mailTo(alice.email, "Booking confirmed", parkedBooking.vehicle.plate),
		);
		await received("the re-sent job", mailTo(carla.email, "New job", parkedBooking.vehicle.plate));
		assert.match(await ops.run("mail failed"), /no failed e-mails/);
		assert.match(await ops.run("mail status"), /SMTP configured/);
	});

	it("never the same e-mail twice, and no address in any notification node's log", async () => {
		const seen = new Map<string, number>();
		for (const mail of cluster.smtp.received) seen.set(mail.messageId, (seen.get(mail.messageId) ?? 0) + 1);
		assert.deepEqual(
			[...seen].filter(([, count]) => count > 1),
			[],
			"Message-IDs received more than once",
		);
		// The last re-sent e-mail may be accepted a moment before its row says so.
		const counts = await eventually(
			"every e-mail sent",
			async () => {
				const now = await deliveries();
				return Object.keys(now).every((status) => status === "sent") ? now : undefined;
			},
			10_000,
			200,
		);
		assert.equal(counts.sent, cluster.smtp.received.length, "one accepted message per sent row");
		const kinds = new Map<string, number>();
		for (const mail of cluster.smtp.received) {
			const subject = mail.subject.split(":")[0].replace(/ (to|on) .*/, "");
			kinds.set(subject, (kinds.get(subject) ?? 0) + 1);
		}
		console.log(
			`SMTP server: ${cluster.smtp.received.length} messages accepted, ${cluster.smtp.refused} refused; rows ${JSON.stringify(counts)}; ${JSON.stringify(Object.fromEntries(kinds))}`,
		);
		for (const node of ["notification-1", "notification-2"]) {
			const log = await readFile(join(cluster.logDir, `${node}.log`), "utf8");
			const addresses = log.match(/[\w.+-]+@[\w-]+\.[\w.]+/g) ?? [];
			assert.deepEqual(addresses, [], `${node}'s log`);
		}
	});
});
