import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import type { Logger } from "moleculer";
import { KafkaBus } from "../../lib/events/kafka-bus.ts";
import { infra, NAMESPACE } from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import { deleteEventTopics, KAFKA_BROKER, KAFKA_CA_FILE, kafkaCredentials } from "../support/kafka.ts";

const quiet = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} } as unknown as Logger;
/** Topics of this file's own, apart from the cluster tests' (`<namespace>.`). */
const PREFIX = `${NAMESPACE}-kafka-bus.`;
const TOPIC = "admin-test";
let bus: KafkaBus;

before(async () => {
	await deleteEventTopics(PREFIX);
	bus = new KafkaBus({
		brokers: [KAFKA_BROKER],
		prefix: PREFIX,
		clientId: "kafka-bus-test",
		partitions: 1,
		retentionMs: 3_600_000,
		logger: quiet,
		security: {
			tls: { ca: readFileSync(KAFKA_CA_FILE, "utf8") },
			sasl: { mechanism: "scram-sha-512", ...kafkaCredentials("admin") },
		},
	});
});
after(async () => {
	await bus?.close();
	await deleteEventTopics(PREFIX);
});

/** The local ports of this process's open TCP connections to the broker. */
function brokerConnections(): string[] {
	const sockets = new Set(
		readdirSync("/proc/self/fd").flatMap((fd) => {
			try {
				return [readlinkSync(`/proc/self/fd/${fd}`)];
			} catch {
				return []; // closed meanwhile
			}
		}),
	);
	const brokerPort = Number(KAFKA_BROKER.split(":")[1]).toString(16).toUpperCase().padStart(4, "0");
	return readFileSync("/proc/self/net/tcp", "utf8")
		.split("\n")
		.slice(1)
		.map((line) => line.trim().split(/\s+/))
		.filter(
			// Established (01), to the broker's port, and one of this process's sockets.
			(fields) =>
				fields[3] === "01" && fields[2]?.endsWith(`:${brokerPort}`) && sockets.has(`socket:[${fields[9]}]`),
		)
		.map((fields) => fields[1].split(":")[1])
		.sort();
}

describe("the Kafka bus's admin client (lag samples, dead-letter depths, topics)", () => {
	it("is one connection kept from call to call", async () => {
		assert.equal(await bus.truncate(TOPIC), 0); // creates the topic
		const kept = brokerConnections();
		assert.ok(kept.length > 0, "the admin client stays connected after a call");
		for (let sample = 0; sample < 3; sample++) assert.equal(await bus.depth(TOPIC), 0);
		assert.deepEqual(brokerConnections(), kept);
	});

	it("connects again once the broker is back after a restart", async () => {
		await bus.publish([{ topic: TOPIC, key: "k", value: "{}", headers: {} }]);
		assert.equal(await bus.depth(TOPIC), 1);
		await infra("kafka-stop");
		try {
			await assert.rejects(bus.depth(TOPIC));
		} finally {
			await infra("kafka-start");
		}
		const depth = await eventually(
			"the depth answered again",
			() => bus.depth(TOPIC).catch(() => undefined),
			60_000,
			500,
		);
		assert.equal(depth, 1);
	});

	it("is closed with the bus", async () => {
		assert.ok(brokerConnections().length > 0);
		await bus.close();
		await eventually("the connections closed", async () =>
			brokerConnections().length === 0 ? true : undefined,
		);
	});
});
