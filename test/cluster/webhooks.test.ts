import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Connection, createConnection, type RowDataPacket } from "mysql2/promise";
import { type Cluster, databaseName, startCluster, WEBHOOK_TEST_ENV } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { createCleaner, everyDay, expectStatus, freshArea } from "../support/fixtures.ts";
import { type OpsRepl, startOpsRepl } from "../support/ops-repl.ts";
import { metricValue } from "../support/platform.ts";
import { partnerWebhooks, WebhookReceiver } from "../support/webhook-receiver.ts";

let cluster: Cluster;
let db: Connection;
let ops: OpsRepl;
const receiver = new WebhookReceiver({ slowMs: Number(WEBHOOK_TEST_ENV.WEBHOOK_TIMEOUT_MS) + 500 });
let partner: ReturnType<typeof partnerWebhooks>;
const DISABLE_AFTER = Number(WEBHOOK_TEST_ENV.WEBHOOK_DISABLE_AFTER_FAILURES);
const WEBHOOK_NODES = ["webhook-1", "webhook-2"];

before(async () => {
	await receiver.start();
	// The rate limit counts per caller and minute in the shared Redis, whatever limit each cluster had: the
	// suite's earlier files (the rolling restart's load) may have used this minute's allowance.
	cluster = await startCluster({ env: { RATE_LIMIT_PER_MINUTE: "1000000" } });
	// A second instance: deliveries are claimed in the database, so each still goes out once.
	await cluster.addNode("webhook-2", "webhook");
	db = await createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
	const area = freshArea();
	await createCleaner(cluster, { homeBase: area, weeklyHours: everyDay("06:00", "21:00"), radiusKm: 10 });
	partner = partnerWebhooks(cluster, receiver, area);
	ops = await startOpsRepl(cluster);
});
after(async () => {
	await ops?.close();
	await db?.end();
	await cluster?.stop();
	await receiver.stop();
});

/** Whether both webhooks nodes' consumer group has applied every booking-events event of this booking. */
async function consumedAllOf(bookingId: string): Promise<boolean> {
	const [events] = await db.query<RowDataPacket[]>(
		`SELECT event_id FROM ${databaseName("booking")}.outbox WHERE topic = 'booking-events' AND message_key = ?`,
		[bookingId],
	);
	if (events.length === 0) return false;
	const [applied] = await db.query<RowDataPacket[]>(
		`SELECT COUNT(*) AS n FROM ${databaseName("webhook")}.processed_events WHERE event_id IN (?)`,
		[events.map((row) => row.event_id)],
	);
	return Number(applied[0].n) === events.length;
}

/** Delivery attempts the webhooks nodes made, by outcome label, summed over both. */
async function attempts(outcome: string): Promise<number> {
	let total = 0;
	for (const node of WEBHOOK_NODES)
		total += metricValue(await cluster.metrics(node), "webhook_delivery_attempts_total", { outcome });
	return total;
}

describe("partner webhooks (cluster: two webhooks nodes on Kafka and MariaDB)", () => {
	it("deliver each of the partner's bookings' events exactly once across both instances, and no one else's", async () => {
		const hook = await partner.register("/once");
		const succeededBefore = await attempts("succeeded");
		const people = await Promise.all((["alice", "bob"] as const).map((caller) => partner.book(caller)));
		// One after another: the two webhooks instances still poll side by side for each delivery.
		const bookings: string[] = [];
		for (let i = 0; i < 12; i++) bookings.push(await partner.book("fleet-partner"));
		const received = await eventually(
			"every partner booking delivered",
			async () =>
				receiver.accepted("/once").length >= bookings.length ? receiver.accepted("/once") : undefined,
			60_000,
			200,
		);
		assert.deepEqual(received.map((webhook) => webhook.payload.data.bookingId).sort(), [...bookings].sort());
		for (const booking of people)
			await eventually(
				`${booking} consumed`,
				async () => ((await consumedAllOf(booking)) ? true : undefined),
				30_000,
				200,
			);
		const ids = received.map((webhook) => webhook.headers["webhook-id"]);
		assert.equal(new Set(ids).size, ids.length, "no webhook-id arrived twice");
		assert.equal(receiver.attempts.filter((webhook) => webhook.path === "/once").length, bookings.length);
		assert.ok(receiver.attempts.every((webhook) => !people.includes(webhook.payload.data.bookingId)));
		const deliveries = await partner.settledDeliveries(hook.id);
		assert.deepEqual(
			deliveries.map((delivery) => [delivery.status, delivery.attempts]),
			bookings.map(() => ["succeeded", 1]),
		);
		assert.equal(
			(await attempts("succeeded")) - succeededBefore,
			bookings.length,
			"one attempt per delivery, over both instances",
		);
		await partner.remove(hook);
	});

	it("retry after a 500 and a timeout, with the same webhook-id, until the endpoint answers", async () => {
		await partner.retriedUntilDelivered("/flaky");
	});

	it("disable a failing endpoint with its reason, list the failure in the ops REPL, and re-send it", async () => {
		const { hook, failed } = await partner.failUntilDisabled("/down", DISABLE_AFTER);

		const listed = await ops.run("webhooks failed");
		assert.ok(listed.includes(failed.id), listed);
		assert.ok(listed.includes("fleet-partner") && listed.includes(receiver.url("/down")), listed);
		assert.match(await ops.run("webhooks failed many"), /is not a number/);

		expectStatus(
			await cluster.api("POST", `/webhooks/endpoints/${hook.id}/enable`, { as: "fleet-partner" }),
			200,
			"enable",
		);
		expectStatus(
			await cluster.api("POST", `/webhooks/deliveries/${failed.id}/resend`, { as: "fleet-partner" }),
			200,
			"re-send",
		);
		const resent = await eventually("re-sent", async () => receiver.accepted("/down")[0], 30_000, 200);
		assert.equal(resent.headers["webhook-id"], failed.messageId);
		assert.ok(
			!(await ops.run("webhooks failed")).includes(failed.id),
			"a re-sent delivery is no longer failed",
		);
		await partner.remove(hook);
	});

	it("a tampered payload is refused by the receiver", async () => {
		const hook = await partner.register("/tamper");
		await partner.book("fleet-partner");
		const original = await eventually("delivered", async () => receiver.accepted("/tamper")[0], 30_000, 200);
		const signed = Object.fromEntries(
			["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [name, original.headers[name]]),
		);
		assert.equal(await receiver.post("/tamper", signed, original.body), 200);
		assert.equal(
			await receiver.post("/tamper", signed, original.body.replace('"status":"', '"status":"x')),
			400,
		);
		await partner.remove(hook);
	});

	it("events made while both webhooks nodes are down are delivered once they are back", async () => {
		const hook = await partner.register("/restart");
		for (const node of WEBHOOK_NODES) await cluster.kill(node);
		const booking = await partner.book("fleet-partner");
		await Promise.all(WEBHOOK_NODES.map((node) => cluster.restart(node)));
		const delivered = await eventually(
			"delivered after the restart",
			async () => receiver.accepted("/restart")[0],
			60_000,
			200,
		);
		assert.equal(delivered.payload.data.bookingId, booking);
		assert.equal(receiver.accepted("/restart").length, 1);
		// A node delivers before every gateway has heard it is back (discovery crosses Kafka): wait for that.
		await eventually(
			"the gateway routes to the webhooks nodes again",
			async () =>
				(await cluster.api("GET", "/webhooks/endpoints", { as: "fleet-partner" })).status === 200 ||
				undefined,
			30_000,
			200,
		);
		await partner.remove(hook);
	});
});
