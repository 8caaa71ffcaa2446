import { randomUUID } from "node:crypto";
import {
	type Admin,
	AssignerProtocol,
	type Consumer,
	type IHeaders,
	Kafka,
	type KafkaConfig,
	type KafkaMessage,
	logLevel,
	Partitioners,
	type Producer,
	type SASLOptions,
} from "kafkajs";
import type { Logger } from "moleculer";
import type { KafkaSecurity } from "../../config/connection-security.ts";
import { backoff, retry, sleep } from "../retry.ts";
import type { BusRecord, DeliveredRecord, Delivery, EventBus, GroupStatus, Subscription } from "./bus.ts";
import { deadLetterTopic } from "./contract.ts";

export interface KafkaBusOptions {
	brokers: string[];
	/** Put before every topic and group name on the cluster; the rest of the application never sees it. */
	prefix: string;
	clientId: string;
	partitions: number;
	retentionMs: number;
	logger: Logger;
	/** TLS and SASL (config/connection-security.ts); plaintext without. */
	security?: KafkaSecurity;
}

/** TLS and SASL in kafkajs's terms; plaintext without. */
export function kafkajsSecurity(security: KafkaSecurity | undefined): Pick<KafkaConfig, "ssl" | "sasl"> {
	return {
		...(security?.tls ? { ssl: security.tls } : {}),
		...(security?.sasl ? { sasl: security.sasl as SASLOptions } : {}),
	};
}

/** How long a dead member keeps its partitions before the group hands them to the others. */
const SESSION_TIMEOUT_MS = 10_000;
/** Records of a partition's fetch handed to a consumer at once (one transaction): a backlog goes in pieces. */
const BATCH_SIZE = 100;
/**
 * How often a member commits its position past the records it has handled (and once more when it stops): a commit
 * after every batch was a Kafka request, and a write on the broker, on the way of every event. A record handled but
 * not committed yet is delivered again after a crash or a rebalance, and its event id makes that a no-op.
 */
const COMMIT_INTERVAL_MS = 2_000;
/** How long a listing of a topic may take before it is given up. */
const READ_TIMEOUT_MS = 30_000;

const LOG_METHODS = {
	[logLevel.ERROR]: "error",
	[logLevel.WARN]: "warn",
	[logLevel.INFO]: "info",
	[logLevel.DEBUG]: "debug",
} as const;

function headersOf(headers: IHeaders | undefined): Record<string, string> {
	return Object.fromEntries(
		Object.entries(headers ?? {})
			.filter(([, value]) => value !== undefined)
			.map(([name, value]) => [name, String(Array.isArray(value) ? value[0] : value)]),
	);
}

function delivered(topic: string, partition: number, message: KafkaMessage): DeliveredRecord {
	// `topic` is the application's name for it, without the cluster prefix.
	return {
		topic,
		partition,
		offset: message.offset,
		timestamp: message.timestamp,
		key: message.key?.toString() ?? "",
		value: message.value?.toString() ?? "",
		headers: headersOf(message.headers),
	};
}

/**
 * The domain-event topics on Kafka through kafkajs. Topics are created by the application (partitions and
 * retention from config), never by auto-creation. Each call gives up after a few short retries: the callers
 * (outbox relay, consumers, ops tools) own the long-term retry, so an outage never blocks a request.
 */
export class KafkaBus implements EventBus {
	private readonly options: KafkaBusOptions;
	private readonly kafka: Kafka;
	/** Per topic: its creation (or the finding that it exists), once per process. */
	private readonly topicsReady = new Map<string, Promise<void>>();
	private producer?: Promise<Producer>;
	/** The admin client, connected on first use and kept (the lag monitor asks every 15 s); see withAdmin. */
	private admin?: Promise<Admin>;

	constructor(options: KafkaBusOptions) {
		this.options = options;
		const { logger } = options;
		this.kafka = new Kafka({
			clientId: options.clientId,
			brokers: options.brokers,
			...kafkajsSecurity(options.security),
			connectionTimeout: 3_000,
			retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
			logLevel: logLevel.WARN,
			logCreator:
				() =>
				({ namespace, level, log }) => {
					const method = LOG_METHODS[level as keyof typeof LOG_METHODS] ?? "info";
					logger[method](`kafkajs ${namespace}: ${log.message}`);
				},
		});
	}

	/**
	 * Creates the given topics once per process, when missing; topics that exist are left as they are. Only the
	 * topics a call uses: under Kafka's ACLs a principal may create (and see) only the topics it works with.
	 */
	private ensureTopics(topics: readonly string[]): Promise<void> {
		const missing = topics.filter((topic) => !this.topicsReady.has(topic));
		if (missing.length === 0) return Promise.all(topics.map((topic) => this.topicsReady.get(topic))).then();
		const created = this.withAdmin(async (admin) => {
			// Only the missing ones: kafkajs logs "already exists" answers as errors.
			const existing = new Set(await admin.listTopics());
			const absent = missing.map((topic) => this.named(topic)).filter((topic) => !existing.has(topic));
			if (absent.length === 0) return;
			await admin.createTopics({
				waitForLeaders: true,
				topics: absent.map((topic) => ({
					topic,
					numPartitions: this.options.partitions,
					configEntries: [{ name: "retention.ms", value: String(this.options.retentionMs) }],
				})),
			});
		}).catch((error) => {
			for (const topic of missing) this.topicsReady.delete(topic);
			throw error;
		});
		for (const topic of missing) this.topicsReady.set(topic, created);
		return Promise.all(topics.map((topic) => this.topicsReady.get(topic))).then();
	}

	private named(topicOrGroup: string): string {
		return `${this.options.prefix}${topicOrGroup}`;
	}

	private connectedProducer(): Promise<Producer> {
		this.producer ??= (async () => {
			// Idempotent: a retried send is written once, and with one request in flight the order holds.
			const producer = this.kafka.producer({
				idempotent: true,
				maxInFlightRequests: 1,
				allowAutoTopicCreation: false,
				createPartitioner: Partitioners.DefaultPartitioner,
			});
			await producer.connect();
			return producer;
		})().catch((error) => {
			this.producer = undefined;
			throw error;
		});
		return this.producer;
	}

	async publish(records: readonly BusRecord[]): Promise<void> {
		if (records.length === 0) return;
		await this.ensureTopics([...new Set(records.map((record) => record.topic))]);
		const producer = await this.connectedProducer();
		const byTopic = new Map<string, Array<{ key: string; value: string; headers: Record<string, string> }>>();
		for (const { topic, key, value, headers } of records) {
			byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key, value, headers }]);
		}
		try {
			await producer.sendBatch({
				acks: -1,
				topicMessages: [...byTopic].map(([topic, messages]) => ({ topic: this.named(topic), messages })),
			});
		} catch (error) {
			// A fresh producer (new producer id) after a failure: no sequence state left over from a broker restart.
			this.producer = undefined;
			producer.disconnect().catch(() => undefined);
			throw error;
		}
	}

	consume(...[group, topics, handle, handleMany]: Parameters<EventBus["consume"]>): Subscription {
		const { logger, partitions, prefix } = this.options;
		let stopping = false;
		let current: Consumer | undefined;
		/** Commits what the current member has handled and not committed yet. */
		let commitHandled = async () => {};
		let state: ReturnType<Subscription["state"]> = { consuming: false, detail: "joining its group" };
		// One attempt: a new member joins and runs; a failure to start is retried with backoff until it stops.
		const start = async (): Promise<void> => {
			if (stopping) return;
			const member = this.kafka.consumer({
				groupId: this.named(group),
				sessionTimeout: SESSION_TIMEOUT_MS,
				heartbeatInterval: 1_000,
				// kafkajs heartbeats between fetches: a short long-poll lets an idle member notice a rebalance soon.
				maxWaitTimeInMs: 1_000,
				allowAutoTopicCreation: false,
			});
			current = member;
			const handled = new Map<string, { topic: string; partition: number; offset: string }>();
			commitHandled = async () => {
				if (handled.size === 0) return;
				const offsets = [...handled.values()];
				handled.clear();
				await member.commitOffsets(offsets).catch((error: Error) => {
					// Kept for the next commit unless a later position has taken their place meanwhile.
					for (const offset of offsets) {
						const key = `${offset.topic}:${offset.partition}`;
						if (!handled.has(key)) handled.set(key, offset);
					}
					throw error;
				});
			};
			const committer = setInterval(
				() =>
					void commitHandled().catch((error: Error) =>
						logger.warn(`Consumer group ${group} did not commit its position: ${error.message}`),
					),
				COMMIT_INTERVAL_MS,
			);
			committer.unref();
			member.on(member.events.DISCONNECT, () => clearInterval(committer));
			// kafkajs stops a consumer for good on errors it deems non-retriable, some of them passing ones
			// ("Failed to find group coordinator" right after a broker restart): the group is joined afresh.
			member.on(member.events.GROUP_JOIN, () => {
				state = { consuming: true };
				// After a rebalance kafkajs fetches on from the committed positions, whoever owns each partition now.
				handled.clear();
			});
			member.on(member.events.CRASH, ({ payload }) => {
				state = { consuming: false, detail: `${payload.error.message} (rejoining)` };
				if (payload.restart || stopping) return;
				logger.warn(`Consumer group ${group} stopped by kafkajs (${payload.error.message}), joining again`);
				running = member
					.disconnect()
					.catch(() => undefined)
					.then(join);
			});
			try {
				await this.ensureTopics([...topics, ...topics.map(deadLetterTopic)]);
				await member.connect();
				// A new group starts at the beginning: nothing published before its first start is skipped.
				await member.subscribe({ topics: topics.map((topic) => this.named(topic)), fromBeginning: true });
				await member.run({
					autoCommit: false,
					// Offsets are resolved (kafkajs fetches on from there) only past records handled.
					eachBatchAutoResolve: false,
					// The partitions of one fetch are handled side by side. kafkajs fetches again only when all are
					// done, so a retrying record holds back this member's next fetch (not the other members').
					partitionsConsumedConcurrently: partitions * topics.length,
					eachBatch: async ({ batch, resolveOffset, heartbeat, isStale }) => {
						const { topic, partition } = batch;
						const deliveries = batch.messages.map((message) => ({
							record: delivered(topic.slice(prefix.length), partition, message),
							heartbeat,
							stopping: () => stopping,
						}));
						/** Past these records: kafkajs fetches on after them, and the next commit takes the position. */
						const done = (last: Delivery) => {
							resolveOffset(last.record.offset);
							const offset = (BigInt(last.record.offset) + 1n).toString();
							handled.set(`${topic}:${partition}`, { topic, partition, offset });
						};
						for (let from = 0; from < deliveries.length && !stopping && !isStale(); from += BATCH_SIZE) {
							const chunk = deliveries.slice(from, from + BATCH_SIZE);
							// Several at once when the consumer can (one transaction for them all); one at a time if that fails.
							const together =
								chunk.length > 1 && handleMany !== undefined
									? await handleMany(chunk).then(
											() => true,
											() => false,
										)
									: false;
							if (together) {
								done(chunk[chunk.length - 1]);
								continue;
							}
							for (const delivery of chunk) {
								// A throwing handler means "deliver it again": kafkajs fetches the partition from here.
								await handle(delivery);
								done(delivery);
							}
						}
					},
				});
			} catch (error) {
				state = { consuming: false, detail: `cannot start: ${(error as Error).message}` };
				await member.disconnect().catch(() => undefined);
				throw error;
			}
		};
		const join = () =>
			retry(start, {
				retryable: () => !stopping,
				beforeRetry: (error) =>
					logger.warn(`Consumer group ${group} could not start, retrying: ${(error as Error).message}`),
				wait: (attempt) => sleep(backoff(attempt, 500, 10_000)),
			}).catch(() => undefined);
		let running = join();
		return {
			state: () => state,
			stop: async () => {
				stopping = true;
				await running;
				await commitHandled().catch(() => undefined);
				await current?.disconnect();
			},
		};
	}

	/**
	 * Reads a topic from its first to its last record as they were when the call began, with a throwaway group
	 * that is deleted afterwards (kafkajs can only read through a group).
	 */
	async readAll(topic: string): Promise<DeliveredRecord[]> {
		await this.ensureTopics([topic]);
		return this.withAdmin(async (admin) => {
			const ends = new Map(
				(await admin.fetchTopicOffsets(this.named(topic)))
					.filter(({ high, low }) => BigInt(high) > BigInt(low))
					.map(({ partition, high }) => [partition, BigInt(high)]),
			);
			if (ends.size === 0) return [];
			// Under the run's prefix, with a name of its own kind: the ACLs let ops read through `reader-` groups.
			const groupId = this.named(`reader-${this.options.clientId}-${randomUUID()}`);
			const reader = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
			const records: DeliveredRecord[] = [];
			try {
				await reader.connect();
				await reader.subscribe({ topic: this.named(topic), fromBeginning: true });
				await new Promise<void>((resolve, reject) => {
					const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), READ_TIMEOUT_MS);
					reader
						.run({
							autoCommit: false,
							eachMessage: async ({ partition, message }) => {
								const end = ends.get(partition);
								if (end === undefined) return;
								const offset = BigInt(message.offset);
								if (offset < end) records.push(delivered(topic, partition, message));
								if (offset + 1n >= end) ends.delete(partition);
								if (ends.size === 0) {
									clearTimeout(timer);
									resolve();
								}
							},
						})
						.catch(reject);
				});
			} finally {
				await reader.disconnect();
				await admin.deleteGroups([groupId]).catch(() => undefined);
			}
			return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
		});
	}

	producing(topics: readonly string[]): () => void {
		// Otherwise the first publish pays the TLS handshake, SASL, the producer id and the topic listing: the
		// first booking after a start reached its read models in 400 to 570 ms, the next ones in 4 to 46.
		Promise.all([this.ensureTopics(topics), this.connectedProducer()]).catch((error: Error) =>
			this.options.logger.info(
				`Domain-event producer not connected yet (${error.message}): the first publish retries`,
			),
		);
		return () => {};
	}

	/**
	 * Runs `use` on the bus's one admin client, connected on first use and kept until `close`: a connection per
	 * call was a TLS handshake and a SCRAM exchange for each lag sample. After a failure the client is dropped and
	 * disconnected, so the next call connects afresh (a broker restart, a broken connection).
	 */
	private async withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
		this.admin ??= (async () => {
			const admin = this.kafka.admin();
			await admin.connect();
			return admin;
		})();
		const connecting = this.admin;
		try {
			return await use(await connecting);
		} catch (error) {
			if (this.admin === connecting) {
				this.admin = undefined;
				connecting.then((admin) => admin.disconnect()).catch(() => undefined);
			}
			throw error;
		}
	}

	async groupStatus(group: string, topics: readonly string[]): Promise<GroupStatus> {
		const { prefix } = this.options;
		return this.withAdmin(async (admin) => {
			const groupId = this.named(group);
			const [description] = (await admin.describeGroups([groupId])).groups;
			const members = description.members.map((member) => {
				const assignment =
					member.memberAssignment.length === 0
						? {}
						: (AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {});
				return {
					clientId: member.clientId,
					host: member.clientHost.replace(/^\//, ""),
					partitions: Object.entries(assignment).flatMap(([topic, partitions]) =>
						partitions.map((partition) => `${topic.slice(prefix.length)}[${partition}]`),
					),
				};
			});
			const committed = await admin.fetchOffsets({ groupId, topics: topics.map((t) => this.named(t)) });
			const partitions: GroupStatus["partitions"] = [];
			for (const topic of topics) {
				const ends = await admin.fetchTopicOffsets(this.named(topic));
				const positions = committed.find((entry) => entry.topic === this.named(topic))?.partitions ?? [];
				for (const { partition, high, low } of ends.sort((a, b) => a.partition - b.partition)) {
					const offset = positions.find((p) => p.partition === partition)?.offset ?? "-1";
					// Nothing committed yet: the group will start at the log's beginning.
					const from = offset === "-1" ? BigInt(low) : BigInt(offset);
					partitions.push({
						topic,
						partition,
						committed: offset === "-1" ? null : offset,
						end: high,
						lag: Number(BigInt(high) - from),
					});
				}
			}
			return { group, state: description.state, members, partitions };
		});
	}

	async depth(topic: string): Promise<number> {
		return this.withAdmin(async (admin) =>
			(await admin.fetchTopicOffsets(this.named(topic))).reduce(
				(sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)),
				0,
			),
		);
	}

	async truncate(topic: string): Promise<number> {
		await this.ensureTopics([topic]);
		return this.withAdmin(async (admin) => {
			const offsets = await admin.fetchTopicOffsets(this.named(topic));
			const held = offsets.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
			if (held > 0) {
				await admin.deleteTopicRecords({
					topic: this.named(topic),
					partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
				});
			}
			return held;
		});
	}

	async checkAccess(): Promise<void> {
		await this.withAdmin(async () => undefined);
	}

	async close(): Promise<void> {
		const { producer, admin } = this;
		this.producer = undefined;
		this.admin = undefined;
		await Promise.all(
			[producer, admin].map((client) =>
				client?.then((connected) => connected.disconnect()).catch(() => undefined),
			),
		);
	}
}
