import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, mock } from "node:test";
import type { Logger, ServiceBroker } from "moleculer";
import type { Sequelize } from "sequelize";
import { createTable } from "../../lib/columns.ts";
import { createSequelize } from "../../lib/database.ts";
import { type BusRecord, eventBus } from "../../lib/events/bus.ts";
import { consumeReliably, PROCESSED_EVENTS_TABLE } from "../../lib/events/consumer.ts";
import { type CloudEvent, cloudEvent, DLQ_HEADERS, TOPICS } from "../../lib/events/contract.ts";
import { listDeadLetters } from "../../lib/events/dlq.ts";
import { SqliteBus } from "../../lib/events/sqlite-bus.ts";
import { OPS_COMMANDS } from "../../ops/commands.ts";
import { eventually } from "../support/eventually.ts";

const logger = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} } as unknown as Logger;
const topic = TOPICS.bookingEvents;

let database: Sequelize;
let dir: string;
before(async () => {
	// A file, not :memory: (one connection shared by every transaction): partitions are consumed side by side.
	dir = await mkdtemp(join(tmpdir(), "events-consumer-"));
	database = createSequelize({ dialect: "sqlite", storage: join(dir, "consumer.sqlite"), poolMax: 1 });
	await createTable(database.getQueryInterface(), PROCESSED_EVENTS_TABLE);
});
after(async () => {
	await database.close();
});

let buses = 0;
/** A fresh embedded log in its own file. */
const newBus = (partitions: number) =>
	new SqliteBus({ storage: join(dir, `log-${++buses}.sqlite`), partitions, retentionMs: 3_600_000 });

const event = (subject: string, data: Record<string, unknown> = {}) =>
	cloudEvent("/test", "test.happened.v1", subject, data, new Date());
const record = (key: string, payload: CloudEvent): BusRecord => ({
	topic,
	key,
	value: JSON.stringify(payload),
	headers: { "content-type": "application/cloudevents+json", "x-trace": "t-1" },
});

/** Consumes with `apply`, runs `scenario`, stops. */
async function consuming(
	bus: SqliteBus,
	apply: (event: CloudEvent) => Promise<void>,
	scenario: () => Promise<void>,
	maxAttempts = 3,
) {
	const subscription = consumeReliably(bus, {
		group: `group-${Math.random()}`,
		topics: [topic],
		database,
		maxAttempts,
		logger,
		apply: (payload) => apply(payload),
	});
	try {
		await scenario();
	} finally {
		await subscription.stop();
	}
}

/**
 * Publishes `events` on one key to a handler that cannot apply the poisoned ones, and consumes until the last is
 * applied. Returns every event the handler was given, in order.
 */
async function consumePoisoned(bus: SqliteBus, events: CloudEvent[], maxAttempts = 3): Promise<string[]> {
	const seen: string[] = [];
	const last = events[events.length - 1];
	await consuming(
		bus,
		async (payload) => {
			seen.push(payload.id);
			if ((payload.data as { poison?: boolean }).poison) throw new Error("cannot apply this");
		},
		async () => {
			await bus.publish(events.map((published) => record("k", published)));
			await eventually("the last event", async () => (seen.includes(last.id) ? true : undefined));
		},
		maxAttempts,
	);
	return seen;
}

/** An event its handler cannot apply and a good one after it on the same key, consumed until the good one. */
async function poisonThenNext(bus: SqliteBus, maxAttempts = 3) {
	const poison = event("k", { poison: true });
	const next = event("k");
	return { poison, next, seen: await consumePoisoned(bus, [poison, next], maxAttempts) };
}

describe("consumeReliably", () => {
	it("applies an event once, however often it is delivered", async () => {
		const bus = newBus(3);
		const applied: string[] = [];
		const once = event("k1");
		await consuming(
			bus,
			async (payload) => {
				applied.push(payload.id);
			},
			async () => {
				await bus.publish([record("k1", once), record("k1", once), record("k2", event("k2"))]);
				await eventually("both events", async () => (applied.length === 2 ? true : undefined));
			},
		);
		assert.equal(applied.filter((id) => id === once.id).length, 1);
	});

	it("retries a failing event in place, then dead-letters it with the error, key and headers; later events of the key wait for it", async () => {
		const bus = newBus(1);
		const { poison, next, seen } = await poisonThenNext(bus);
		assert.deepEqual(seen, [poison.id, poison.id, poison.id, next.id]);
		const [letter] = await bus.readAll(`${topic}.dlq`);
		assert.equal(letter.key, "k");
		assert.equal(letter.value, JSON.stringify(poison));
		assert.equal(letter.headers["x-trace"], "t-1");
		assert.equal(letter.headers[DLQ_HEADERS.error], "Error: cannot apply this");
		assert.equal(letter.headers[DLQ_HEADERS.attempts], "3");
	});

	it("keeps retrying a failed dead-letter publish, and only then moves on", async () => {
		const bus = newBus(1);
		let refusals = 2;
		const publish = bus.publish.bind(bus);
		bus.publish = async (records) => {
			if (records[0].topic.endsWith(".dlq") && refusals-- > 0) throw new Error("Kafka unavailable");
			await publish(records);
		};
		await poisonThenNext(bus, 1);
		assert.equal(refusals, -1, "two refused publishes, then the third went through");
		assert.equal((await bus.readAll(`${topic}.dlq`)).length, 1);
	});

	it("does not count a database outage as an attempt", async () => {
		const bus = newBus(1);
		let outages = 3;
		let applied = 0;
		await consuming(
			bus,
			async () => {
				if (outages-- > 0)
					throw Object.assign(new Error("connect ECONNREFUSED"), { name: "SequelizeConnectionRefusedError" });
				applied++;
			},
			async () => {
				await bus.publish([record("k", event("k"))]);
				await eventually("applied after the outage", async () => (applied === 1 ? true : undefined));
			},
			1,
		);
		assert.equal((await bus.readAll(`${topic}.dlq`)).length, 0);
	});

	it("applies records fetched together in one transaction; one that fails among them is retried alone, the others applied once", async () => {
		const bus = newBus(1);
		const [first, poison, last] = [event("k"), event("k", { poison: true }), event("k")];
		const seen = await consumePoisoned(bus, [first, poison, last]);
		const [applied] = (await database.query(
			"SELECT event_id AS eventId FROM processed_events WHERE event_id IN (?, ?, ?) ORDER BY event_id",
			{ replacements: [first.id, poison.id, last.id] },
		)) as [Array<{ eventId: string }>, unknown];
		assert.deepEqual(
			applied.map((row) => row.eventId),
			[first.id, last.id].sort(),
		);
		assert.equal(
			seen.filter((id) => id === poison.id).length,
			3,
			"three attempts, then the dead-letter topic",
		);
		const [letter] = await bus.readAll(`${topic}.dlq`);
		assert.equal(letter.value, JSON.stringify(poison));
	});

	it("shares a group between members: a standby takes over where the first one stopped", async () => {
		const bus = newBus(2);
		const seen: string[] = [];
		const member = () =>
			bus.consume("shared", [topic], async (delivery) => {
				seen.push(JSON.parse(delivery.record.value).id);
			});
		const first = member();
		const second = member();
		const [a, b] = [event("a"), event("b")];
		await bus.publish([record("a", a)]);
		await eventually("first event", async () => (seen.length === 1 ? true : undefined));
		await first.stop();
		await bus.publish([record("b", b)]);
		await eventually("second event", async () => (seen.length === 2 ? true : undefined));
		await second.stop();
		assert.deepEqual(seen, [a.id, b.id]);
	});
});

describe("the embedded log (SqliteBus)", () => {
	it("keeps records and each group's position across a restart: a new bus on the file delivers only what was not applied", async () => {
		const storage = join(dir, "restart.sqlite");
		const open = () => new SqliteBus({ storage, partitions: 2, retentionMs: 3_600_000 });
		const [a, b, c] = [event("a"), event("b"), event("c")];
		const first = open();
		const seen: string[] = [];
		const subscription = first.consume("restart", [topic], async (delivery) => {
			seen.push(JSON.parse(delivery.record.value).id);
		});
		await first.publish([record("a", a), record("b", b)]);
		await eventually("the first two", async () => (seen.length === 2 ? true : undefined));
		await subscription.stop();
		await first.publish([record("c", c)]);
		await first.close();

		const second = open();
		const after: string[] = [];
		const resumed = second.consume("restart", [topic], async (delivery) => {
			after.push(JSON.parse(delivery.record.value).id);
		});
		await eventually("the unapplied one", async () => (after.length === 1 ? true : undefined));
		await resumed.stop();
		assert.deepEqual(after, [c.id]);
		assert.deepEqual(
			(await second.readAll(topic)).map((r) => JSON.parse(r.value).id).sort(),
			[a.id, b.id, c.id].sort(),
		);
		await second.close();
	});

	it("a stopping consumer applies what a producer still publishes before it lets go", async () => {
		const bus = newBus(1);
		const seen: string[] = [];
		const subscription = bus.consume("drain", [topic], async (delivery) => {
			seen.push(JSON.parse(delivery.record.value).id);
		});
		const done = bus.producing();
		const stopped = subscription.stop();
		const late = event("late");
		await bus.publish([record("late", late)]);
		done();
		await stopped;
		assert.deepEqual(seen, [late.id]);
		await bus.close();
	});
});

describe("the dlq REPL command", () => {
	it("lists a dead-letter topic and re-drives chosen events to the main topic", async (t) => {
		// Without EVENTS_KAFKA_URL the process's bus is the embedded log: the command works on it as on Kafka.
		const bus = eventBus(logger);
		const parked = event("booking-1");
		await bus.publish([
			{
				...record("booking-1", parked),
				topic: `${topic}.dlq`,
				headers: { [DLQ_HEADERS.error]: "Error: boom" },
			},
		]);
		const printed = t.mock.method(console, "log", () => {});
		const broker = { logger } as unknown as ServiceBroker;
		const dlq = OPS_COMMANDS.find((command) => command.command.startsWith("dlq "));
		const output = () => printed.mock.calls.map((call) => String(call.arguments[0])).join("\n");
		const run = async (line: string) => {
			printed.mock.resetCalls();
			await dlq?.action(broker, { rawCommand: line } as unknown as string[], {
				table: (rows: unknown[][]) => rows.map((row) => row.join(" | ")).join("\n"),
			});
			return output();
		};

		const listed = await run(`dlq list ${topic}`);
		assert.equal((await listDeadLetters(bus, topic))[0].error, "Error: boom");
		assert.match(listed, new RegExp(`${parked.id}.*Error: boom`));

		const redriven = await run(`dlq redrive ${topic}.dlq ${parked.id} missing-id`);
		assert.match(redriven, new RegExp(`re-driven to ${topic}: 1 \\(${parked.id}\\)`));
		assert.match(redriven, /not in booking-events.dlq: missing-id/);
		const [main] = await bus.readAll(topic);
		assert.equal(main.key, "booking-1");
		assert.equal(main.value, JSON.stringify(parked));
		assert.equal(main.headers[DLQ_HEADERS.error], undefined, "the dead-letter headers are dropped");

		assert.match(await run(`dlq redrive ${topic}`), /name the event ids to re-drive\nusage:/);
		mock.restoreAll();
	});
});
