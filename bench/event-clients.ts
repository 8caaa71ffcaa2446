/**
 * The domain-event client, measured: kafkajs (what lib/events/kafka-bus.ts uses) against @platformatic/kafka
 * (already a dependency: Moleculer's Kafka transporter runs on it), each with the settings the event bus needs:
 * an idempotent producer with acks from all replicas and one request in flight (order per key), and a consumer
 * group that commits each record's offset after handling it.
 *
 *   node bench/event-clients.ts [--n=300] [--batch=2000]     (Kafka on KAFKA_PORT, default 9092)
 *
 * Per client, on a fresh topic of one partition:
 * - publish: one record per send, one after another, n times: the outbox relay's latency per round;
 * - delivery: publish one record and wait until the consumer has handled and committed it, n times;
 * - throughput: `batch` records in sends of 10, until the consumer has handled and committed every one.
 */
import { randomUUID } from "node:crypto";
import {
	Admin,
	Consumer as PlatformaticConsumer,
	Producer as PlatformaticProducer,
	stringDeserializers,
	stringSerializers,
} from "@platformatic/kafka";
import { Kafka, Partitioners } from "kafkajs";
import { kafkajsConfig, platformaticConfig } from "../test/support/kafka.ts";
import { argNumber, BENCH_KAFKA_URL, latencyStats, machineInfo, now, printJson, table } from "./lib.ts";

const N = argNumber("n", 300);
const BATCH = argNumber("batch", 2000);
const broker = new URL(BENCH_KAFKA_URL).host;

interface Client {
	name: string;
	publish(value: string): Promise<void>;
	/** Starts the group; `handled` is called after each record's offset is committed. */
	consume(handled: (value: string) => void): Promise<void>;
	close(): Promise<void>;
}

async function createTopic(topic: string): Promise<void> {
	const admin = new Admin({ clientId: "bench-event-clients", ...platformaticConfig() });
	await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 });
	await admin.close();
}

function kafkajsClient(topic: string): Client {
	const kafka = new Kafka({ clientId: "bench-kafkajs", ...kafkajsConfig() });
	const producer = kafka.producer({
		idempotent: true,
		maxInFlightRequests: 1,
		createPartitioner: Partitioners.DefaultPartitioner,
	});
	const consumer = kafka.consumer({ groupId: `bench-kafkajs-${randomUUID()}`, maxWaitTimeInMs: 1_000 });
	let connected: Promise<void> | undefined;
	return {
		name: "kafkajs 2.2.4",
		async publish(value) {
			connected ??= producer.connect();
			await connected;
			await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: "k", value }] }] });
		},
		async consume(handled) {
			await consumer.connect();
			await consumer.subscribe({ topics: [topic], fromBeginning: true });
			await consumer.run({
				autoCommit: false,
				eachMessage: async ({ partition, message }) => {
					await consumer.commitOffsets([
						{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() },
					]);
					handled(message.value?.toString() ?? "");
				},
			});
		},
		async close() {
			await Promise.all([producer.disconnect(), consumer.disconnect()]);
		},
	};
}

function platformaticClient(topic: string): Client {
	const producer = new PlatformaticProducer({
		clientId: "bench-platformatic",
		...platformaticConfig(),
		idempotent: true,
		serializers: stringSerializers,
	});
	const consumer = new PlatformaticConsumer({
		clientId: "bench-platformatic",
		...platformaticConfig(),
		groupId: `bench-platformatic-${randomUUID()}`,
		deserializers: stringDeserializers,
		maxWaitTime: 1_000,
	});
	return {
		name: "@platformatic/kafka 2.12",
		async publish(value) {
			await producer.send({ messages: [{ topic, key: "k", value }] });
		},
		async consume(handled) {
			const stream = await consumer.consume({
				topics: [topic],
				mode: "committed",
				fallbackMode: "earliest",
				autocommit: false,
			});
			// One record after another, as the bus handles them (kafkajs' eachMessage does the same per partition).
			void (async () => {
				for await (const message of stream) {
					await message.commit();
					handled(message.value as string);
				}
			})();
		},
		async close() {
			await Promise.all([producer.close(), consumer.close(true)]);
		},
	};
}

async function measure(make: (topic: string) => Client) {
	const topic = `bench.event-clients.${randomUUID()}`;
	await createTopic(topic);
	const client = make(topic);
	const waiting = new Map<string, () => void>();
	let handledCount = 0;
	let allHandled: () => void = () => undefined;
	await client.consume((value) => {
		handledCount++;
		waiting.get(value)?.();
		if (handledCount === 1 + N + N + BATCH) allHandled();
	});
	const delivered = (value: string) => new Promise<void>((resolve) => waiting.set(value, resolve));
	// The group has joined once a first record comes through.
	const first = delivered("warm-up");
	await client.publish("warm-up");
	await first;

	const publish: number[] = [];
	for (let i = 0; i < N; i++) {
		const started = now();
		await client.publish(`p${i}`);
		publish.push(now() - started);
	}
	const delivery: number[] = [];
	for (let i = 0; i < N; i++) {
		const value = `d${i}`;
		const handled = delivered(value);
		const started = now();
		await client.publish(value);
		await handled;
		delivery.push(now() - started);
	}
	const done = new Promise<void>((resolve) => {
		allHandled = resolve;
	});
	const started = now();
	for (let i = 0; i < BATCH; i += 10) {
		await Promise.all(Array.from({ length: 10 }, (_, j) => client.publish(`b${i + j}`)));
	}
	await done;
	const seconds = (now() - started) / 1000;
	await client.close();
	return {
		client: client.name,
		publish: latencyStats(publish),
		delivery: latencyStats(delivery),
		recordsPerSecond: Math.round(BATCH / seconds),
	};
}

const machine = await machineInfo();
const results = [];
for (const make of [kafkajsClient, platformaticClient, kafkajsClient, platformaticClient]) {
	results.push(await measure(make));
}
console.log(
	table(
		`Domain-event clients (Kafka ${broker} over SASL_SSL as admin, n=${N}, ${BATCH} records for throughput; each client twice, alternating)`,
		["client", "publish p50", "publish p99", "delivery p50", "delivery p99", "records/s"],
		results.map((r) => [
			r.client,
			`${r.publish.p50Ms} ms`,
			`${r.publish.p99Ms} ms`,
			`${r.delivery.p50Ms} ms`,
			`${r.delivery.p99Ms} ms`,
			r.recordsPerSecond,
		]),
	),
);
printJson("event-clients", { machine, n: N, batch: BATCH, results });
process.exit(0);
