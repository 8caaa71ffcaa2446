import { createRequire } from "node:module";
import type { Logger } from "moleculer";
import { config, EVENT_SERVICES } from "../../config/index.ts";
import { exitIfRefused } from "../connection-refusal.ts";

// Each bus is loaded when first used, and only the one a node uses: a node without event services (the
// gateway, configuration, customer) loads neither kafkajs nor the SQLite log's Sequelize. require() of an ES
// module (Node 24) keeps `eventBus` synchronous. A sibling module has this file's extension: `.ts` in the
// sources, `.js` in the image's compiled build (Dockerfile).
const requireHere = createRequire(import.meta.url);
const ownExtension = import.meta.url.slice(import.meta.url.lastIndexOf("."));
const load = (sibling: string) => requireHere(`${sibling}${ownExtension}`);

/** One record as written to a topic. */
export interface BusRecord {
	topic: string;
	key: string;
	value: string;
	headers: Record<string, string>;
}

/** A record as read back, with its place in the log. */
export interface DeliveredRecord extends BusRecord {
	partition: number;
	offset: string;
	/** When the log appended it (ms since the epoch, as a string like Kafka's). */
	timestamp: string;
}

export interface Delivery {
	record: DeliveredRecord;
	/** Tells the group this member is alive while a handler retries (Kafka's session timeout). */
	heartbeat(): Promise<void>;
	/** True once the consumer is stopping: a retrying handler gives up without committing. */
	stopping(): boolean;
}

/** Applies one record; throwing means "deliver it again". */
export type HandleOne = (delivery: Delivery) => Promise<void>;
/** Applies several records of one partition at once, in log order (one transaction). */
export type HandleMany = (deliveries: readonly Delivery[]) => Promise<void>;

export interface Subscription {
	stop(): Promise<void>;
	/** Whether the member is in its group and consuming; why not, when it is not. */
	state(): { consuming: boolean; detail?: string };
}

/**
 * What producers, consumers and the ops tools need from a log: Kafka in cluster mode, a log in a SQLite file
 * with the same guarantees in embedded mode. A record is stored when `publish` resolves; records of one key
 * keep their order; a group's position advances past a record only after `handle` resolved for it; a throwing
 * `handle` means "deliver it again".
 */
export interface EventBus {
	publish(records: readonly BusRecord[]): Promise<void>;
	/**
	 * `handleMany`, when given, may be handed several records of one partition at once, in log order: the group
	 * advances past them once it resolves; when it throws, the same records go to `handle` one at a time.
	 */
	consume(group: string, topics: readonly string[], handle: HandleOne, handleMany?: HandleMany): Subscription;
	/**
	 * Declares a producer of these topics until the returned function is called. Embedded mode's consumers,
	 * stopping in the same process, go on applying what it publishes until then; Kafka keeps records for the next
	 * consumer anyway, and connects the producer and makes the topics at once, so the first event waits for none.
	 */
	producing(topics: readonly string[]): () => void;
	/** Every record the topic still holds, in log order per partition. */
	readAll(topic: string): Promise<DeliveredRecord[]>;
	close(): Promise<void>;
	/** Kafka only (ops tools and lag metrics): a consumer group's members and position on its topics. */
	groupStatus?(group: string, topics: readonly string[]): Promise<GroupStatus>;
	/** Kafka only: how many records the topic holds now. */
	depth?(topic: string): Promise<number>;
	/** Kafka only: deletes every record the topic holds now; returns how many. */
	truncate?(topic: string): Promise<number>;
	/** Kafka only: connects once (TLS handshake, SASL authentication) and throws what that met. */
	checkAccess?(): Promise<void>;
}

/** A consumer group as ops see it. */
export interface GroupStatus {
	group: string;
	/** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
	state: string;
	members: Array<{ clientId: string; host: string; partitions: string[] }>;
	partitions: Array<{ topic: string; partition: number; committed: string | null; end: string; lag: number }>;
}

let shared: EventBus | undefined;

/** The process's bus: one Kafka client (or one embedded log) for every service of the node. */
export function eventBus(logger: Logger): EventBus {
	const { kafkaBrokers, topicPrefix, topicPartitions, retentionMs, embeddedLogFile } = config.events;
	if (shared) return shared;
	if (kafkaBrokers === null) {
		const { SqliteBus } = load("./sqlite-bus") as typeof import("./sqlite-bus.ts");
		shared = new SqliteBus({ storage: embeddedLogFile, partitions: topicPartitions, retentionMs });
	} else {
		const { KafkaBus } = load("./kafka-bus") as typeof import("./kafka-bus.ts");
		shared = new KafkaBus({
			brokers: kafkaBrokers,
			prefix: topicPrefix,
			clientId: config.nodeId,
			partitions: topicPartitions,
			retentionMs,
			logger,
			security: config.kafkaSecurity,
		});
	}
	return shared;
}

/**
 * At start-up: a refused password or certificate ends the process with one line naming the connection; Kafka
 * being away does not (the consumers and the outbox relay wait for it).
 */
export async function checkEventBusAccess(logger: Logger): Promise<void> {
	const { kafkaBrokers } = config.events;
	// The ops REPL and nodes without event services open the bus only if a command needs it.
	if (kafkaBrokers === null || !config.services.some((name) => EVENT_SERVICES.includes(name))) return;
	const { sasl } = config.kafkaSecurity;
	await eventBus(logger)
		.checkAccess?.()
		.catch((error: unknown) => {
			exitIfRefused(
				`domain-event Kafka (${kafkaBrokers.join(",")}${sasl ? ` as ${sasl.username}` : ""})`,
				error,
			);
			logger.warn(`Domain-event Kafka not reachable at start-up: ${(error as Error).message}`);
		});
}

export async function closeEventBus(): Promise<void> {
	await shared?.close();
	shared = undefined;
}
