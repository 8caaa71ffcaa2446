import type { Logger, MetricRegistry, Service } from "moleculer";
import type { Sequelize, Transaction } from "sequelize";
import { config } from "../../config/index.ts";
import { instant, type TableDefinition, text, textKey } from "../columns.ts";
import {
	type DatabaseHolder,
	insertRows,
	isDatabaseUnavailable,
	isDeadlock,
	placeholders,
	selectRows,
} from "../database.ts";
import { ensureMetrics } from "../metrics.ts";
import { reportHealth } from "../ops-endpoint.ts";
import { backoff, retry, sleep } from "../retry.ts";
import { type DeliveredRecord, type Delivery, type EventBus, eventBus, type Subscription } from "./bus.ts";
import { type CloudEvent, DLQ_HEADERS, deadLetterTopic, parseCloudEvent } from "./contract.ts";
import { monitorGroup } from "./lag-monitor.ts";
import { readCommittedSessions } from "./read-committed.ts";

/** The table that gives a consumer's database its record of applied events (its first migration creates it). */
export const PROCESSED_EVENTS_TABLE: TableDefinition = {
	table: "processed_events",
	columns: { eventId: textKey(64), eventType: text(100), topic: text(249), processedAt: instant() },
};

interface ProcessedEventRow {
	eventId: string;
	eventType: string;
	topic: string;
	processedAt: Date;
}

/** Which of the events were applied before (one prepared statement, on the way of every event). */
async function alreadyProcessed(
	sequelize: Sequelize,
	eventIds: readonly string[],
	transaction: Transaction,
): Promise<Set<string>> {
	const rows = await selectRows<{ event_id: string }>(
		sequelize,
		`SELECT event_id FROM ${PROCESSED_EVENTS_TABLE.table} WHERE event_id IN (${placeholders(eventIds)})`,
		eventIds,
		transaction,
	);
	return new Set(rows.map((row) => row.event_id));
}

export interface ConsumerOptions {
	group: string;
	topics: readonly string[];
	/** The consumer's own database: effects and the record of applied events are written together. */
	database: Sequelize;
	/** Applies one event inside the transaction that also records it; throws to reject it. */
	apply(event: CloudEvent, transaction: Transaction): Promise<void>;
	/** Failed attempts (database outages not counted) before the event is dead-lettered. */
	maxAttempts: number;
	logger: Logger;
	metrics?: MetricRegistry;
}

const CONSUMED_METRIC = "domain_events_consumed_total";
const FAILED_METRIC = "domain_events_failed_attempts_total";
const PROPAGATION_METRIC = "domain_events_propagation_seconds";

/** A database outage or a lost deadlock says nothing about the event: retried without counting an attempt. */
function isTransient(error: unknown): boolean {
	return isDatabaseUnavailable(error) || isDeadlock(error);
}

/**
 * Consumes the topics as one group, applying each event exactly once to the consumer's database:
 * - the effect and the event id are stored in one transaction, so a redelivered event changes nothing;
 * - the offset is committed only after that (or after the dead-letter publish);
 * - a failing event is retried in place with backoff, holding back its partition so no later event of the
 *   same key overtakes it; after the last attempt it goes to `<topic>.dlq` with the error and its original
 *   key and headers, and a failed dead-letter publish is retried until it succeeds, never skipped.
 */
export function consumeReliably(bus: EventBus, options: ConsumerOptions): Subscription {
	const { group, database, apply, maxAttempts, logger, metrics } = options;
	if (metrics) {
		ensureMetrics(
			metrics,
			{
				type: "counter",
				name: CONSUMED_METRIC,
				labelNames: ["group", "topic", "outcome"],
				description: "Domain events handled by consumer groups: applied, duplicate or dead_lettered",
			},
			{
				type: "counter",
				name: FAILED_METRIC,
				labelNames: ["group", "topic", "transient"],
				description:
					"Failed attempts to apply an event (transient: the database was away or lost a deadlock)",
			},
			{
				type: "histogram",
				name: PROPAGATION_METRIC,
				labelNames: ["group", "topic"],
				buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
				unit: "seconds",
				description: "From the change's commit (the event's time) until this group applied it",
			},
		);
	}
	const count = (record: DeliveredRecord, outcome: "applied" | "duplicate" | "dead_lettered") =>
		metrics?.increment(CONSUMED_METRIC, { group, topic: record.topic, outcome });
	const where = (record: DeliveredRecord) => `${record.topic}[${record.partition}]@${record.offset}`;

	const observePropagation = (event: CloudEvent, record: DeliveredRecord) =>
		metrics?.observe(PROPAGATION_METRIC, Math.max(0, Date.now() - Date.parse(event.time)) / 1000, {
			group,
			topic: record.topic,
		});
	// Read committed: a handler that locks a row first then sees what the previous holder of the lock wrote
	// (MySQL's repeatable read would show it the snapshot of its first read, taken before the lock).
	const sessions = readCommittedSessions(database);
	const { sequelize } = sessions;

	const applyOnce = async (record: DeliveredRecord): Promise<boolean> => {
		const event = parseCloudEvent(record.value);
		return sequelize.transaction(async (transaction) => {
			if ((await alreadyProcessed(sequelize, [event.id], transaction)).size > 0) return false;
			await apply(event, transaction);
			const row = { eventId: event.id, eventType: event.type, topic: record.topic, processedAt: new Date() };
			await insertRows<ProcessedEventRow>(sequelize, PROCESSED_EVENTS_TABLE, [row], transaction);
			transaction.afterCommit(() => observePropagation(event, record));
			return true;
		});
	};

	/**
	 * Applies the records in one transaction, in order, each event once; answers which were applied (the others
	 * were duplicates). Any failure rolls all of them back; `failing.index` then names the record whose event
	 * threw, or is -1 when the failure was no one event's (the database, a record that is no event).
	 */
	const applyTogether = async (
		records: readonly DeliveredRecord[],
		failing: { index: number },
	): Promise<boolean[]> => {
		const events = records.map((record) => parseCloudEvent(record.value));
		return sequelize.transaction(async (transaction) => {
			const done = await alreadyProcessed(
				sequelize,
				events.map((event) => event.id),
				transaction,
			);
			const applied: boolean[] = [];
			const rows: ProcessedEventRow[] = [];
			for (const [index, event] of events.entries()) {
				applied.push(!done.has(event.id));
				if (done.has(event.id)) continue;
				done.add(event.id);
				failing.index = index;
				await apply(event, transaction);
				failing.index = -1;
				rows.push({
					eventId: event.id,
					eventType: event.type,
					topic: records[index].topic,
					processedAt: new Date(),
				});
			}
			await insertRows(sequelize, PROCESSED_EVENTS_TABLE, rows, transaction);
			transaction.afterCommit(() => {
				for (const [index, event] of events.entries())
					if (applied[index]) observePropagation(event, records[index]);
			});
			return applied;
		});
	};

	const deadLetter = async (delivery: Delivery, error: Error, attempts: number) => {
		const { record } = delivery;
		const headers = {
			...record.headers,
			[DLQ_HEADERS.error]: `${error.name}: ${error.message}`.slice(0, 1000),
			[DLQ_HEADERS.group]: group,
			[DLQ_HEADERS.topic]: record.topic,
			[DLQ_HEADERS.partition]: String(record.partition),
			[DLQ_HEADERS.offset]: record.offset,
			[DLQ_HEADERS.attempts]: String(attempts),
			[DLQ_HEADERS.failedAt]: new Date().toISOString(),
		};
		// Never skipped: the offset is committed only once the record is parked.
		await retry(
			() =>
				bus.publish([
					{ topic: deadLetterTopic(record.topic), key: record.key, value: record.value, headers },
				]),
			{
				retryable: () => !delivery.stopping(),
				beforeRetry: (publishError) =>
					logger.warn(`${group}: dead-letter publish failed, retrying: ${(publishError as Error).message}`),
				wait: (attempt) => pause(delivery, attempt),
			},
		);
		logger.error(`${group}: ${where(record)} dead-lettered after ${attempts} attempts: ${error.message}`);
		count(record, "dead_lettered");
	};

	/**
	 * Several records of a partition in one transaction. When one event fails, those before it are applied
	 * together again, it goes the one-at-a-time way with that failure as its first attempt, and the rest follow.
	 */
	const handleMany = async (deliveries: readonly Delivery[]): Promise<void> => {
		if (deliveries.length === 0) return;
		const records = deliveries.map((delivery) => delivery.record);
		const failing = { index: -1 };
		try {
			const applied = await applyTogether(records, failing);
			for (const [index, record] of records.entries())
				count(record, applied[index] ? "applied" : "duplicate");
		} catch (error) {
			// Not one event's failure: the bus hands the records over one at a time.
			if (failing.index < 0 || deliveries[0].stopping()) throw error;
			await handleMany(deliveries.slice(0, failing.index));
			await handleOne(deliveries[failing.index], error);
			await handleMany(deliveries.slice(failing.index + 1));
		}
	};

	/** One record, retried in place; `failedBefore` is a failed first attempt already made (in a batch). */
	const handleOne = async (delivery: Delivery, failedBefore?: unknown): Promise<void> => {
		const { record } = delivery;
		let failures = 0;
		let earlier = failedBefore;
		const attempt = async () => {
			if (earlier === undefined) return applyOnce(record);
			const error = earlier;
			earlier = undefined;
			throw error;
		};
		try {
			const applied = await retry(attempt, {
				retryable: (error) => {
					if (delivery.stopping()) return false;
					const transient = isTransient(error);
					metrics?.increment(FAILED_METRIC, { group, topic: record.topic, transient: String(transient) });
					if (!transient) failures++;
					return failures < maxAttempts;
				},
				beforeRetry: (error) => {
					const what = isTransient(error) ? "transient failure" : `attempt ${failures}/${maxAttempts} failed`;
					logger.warn(`${group}: ${where(record)} ${what}: ${(error as Error).message}`);
				},
				wait: (attempt) => pause(delivery, attempt),
			});
			count(record, applied ? "applied" : "duplicate");
		} catch (error) {
			if (delivery.stopping() || failures < maxAttempts) throw error;
			await deadLetter(delivery, error as Error, failures);
		}
	};

	const subscription = bus.consume(group, options.topics, (delivery) => handleOne(delivery), handleMany);
	return {
		state: subscription.state,
		stop: async () => {
			await subscription.stop();
			await sessions.close();
		},
	};
}

/** Backs off before the next attempt, then tells the bus the record is still being worked on. */
async function pause(delivery: Delivery, attempt: number): Promise<void> {
	await sleep(backoff(attempt));
	await delivery.heartbeat();
}

/** A service's consumer group on its process's bus, applying events to the service's own database. */
export function consumeForService(
	service: Service & DatabaseHolder,
	group: string,
	topics: readonly string[],
	apply: ConsumerOptions["apply"],
): Subscription {
	const subscription = consumeReliably(eventBus(service.logger), {
		group,
		topics,
		apply,
		database: service.database(),
		maxAttempts: config.events.handlerAttempts,
		logger: service.logger,
		metrics: service.broker.metrics,
	});
	const component = `events:${group}`;
	const unreport = reportHealth(service.broker, component, () => {
		const { consuming, detail } = subscription.state();
		return { component, ok: consuming, degraded: !consuming, detail };
	});
	const unmonitor = monitorGroup(
		eventBus(service.logger),
		service.broker.metrics,
		service.logger,
		group,
		topics,
	);
	return {
		state: subscription.state,
		stop: async () => {
			unmonitor();
			unreport();
			await subscription.stop();
		},
	};
}
