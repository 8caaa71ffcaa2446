import type { Logger, MetricRegistry } from "moleculer";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { execute, insertRows, placeholders, selectRows } from "../../lib/database.ts";
import type { EventBus } from "../../lib/events/bus.ts";
import { CLOUDEVENTS_CONTENT_TYPE, type OutgoingEvent } from "../../lib/events/contract.ts";
import { type ReadCommittedSessions, readCommittedSessions } from "../../lib/events/read-committed.ts";
import { ensureMetrics } from "../../lib/metrics.ts";
import { type PollingSettings, PollingWorker } from "../../lib/polling-loop.ts";
import { OUTBOX_TABLE } from "./migrations/0002-outbox.ts";

interface OutboxRow {
	id: number;
	eventId: string;
	eventType: string;
	topic: string;
	messageKey: string;
	payload: string;
	createdAt: Date;
	sentAt: Date | null;
}

/** Stores the events in the transaction of the change they report: both are committed, or neither. */
export async function writeOutbox(
	sequelize: Sequelize,
	transaction: Transaction,
	events: readonly OutgoingEvent[],
): Promise<void> {
	const now = new Date();
	const rows = events.map(({ topic, key, event }) => ({
		eventId: event.id,
		eventType: event.type,
		topic,
		messageKey: key,
		payload: JSON.stringify(event),
		createdAt: now,
		sentAt: null,
	}));
	await insertRows<Omit<OutboxRow, "id">>(sequelize, OUTBOX_TABLE, rows, transaction);
}

/** Rows claimed per round (200), backoff while Kafka or the database fail, and the purge once a minute. */
const RELAY: PollingSettings = {
	name: "Outbox relay",
	batchSize: 200,
	maxBackoffMs: 5_000,
	purgeEveryMs: 60_000,
	waiting: "events wait in the outbox",
};
const PUBLISHED_METRIC = "domain_events_published_total";

type Claimed = Pick<OutboxRow, "id" | "topic" | "messageKey" | "payload">;

export interface RelayOptions {
	sequelize: Sequelize;
	bus: EventBus;
	/** The topics its rows name: the bus gets ready for them when the relay starts. */
	topics: readonly string[];
	pollMs: number;
	/** Sent rows are kept this long (as long as Kafka keeps the events), then deleted. */
	retentionMs: number;
	logger: Logger;
	metrics: MetricRegistry;
}

/**
 * Publishes outbox rows in id order and marks them sent. Every booking instance runs one. A round claims
 * unsent rows with `FOR UPDATE SKIP LOCKED` (MySQL), so concurrent relays never publish the same row in the
 * normal case, and holds back any row whose key has an earlier unsent row claimed by another relay, so each
 * key's events keep their order. A failed publish leaves the rows unsent: they wait, the relay backs off,
 * bookings go on. A crash between publish and mark publishes the rows again: consumers drop duplicates.
 */
export class OutboxRelay extends PollingWorker {
	private readonly options: RelayOptions;
	/** Tells the bus when this producer is done. */
	private readonly doneProducing: () => void;
	private readonly readCommitted: ReadCommittedSessions;

	constructor(options: RelayOptions) {
		super(RELAY, options);
		this.options = options;
		this.doneProducing = options.bus.producing(options.topics);
		this.readCommitted = readCommittedSessions(options.sequelize);
		ensureMetrics(options.metrics, {
			type: "counter",
			name: PUBLISHED_METRIC,
			labelNames: ["topic"],
			description: "Domain events published from the outbox",
		});
	}

	/** Publishes right after a local commit instead of at the next poll (ignored while Kafka is failing). */
	nudge(): void {
		if (this.failures === 0) super.nudge();
	}

	/**
	 * Stops after publishing what the last requests committed (unless the bus is failing): in embedded mode the
	 * consumers of this process apply it before they stop, so a SIGTERM leaves nothing waiting.
	 */
	async stop(): Promise<void> {
		await super.stop();
		try {
			while (this.failures === 0 && (await this.round()) === RELAY.batchSize);
		} catch (error) {
			this.options.logger.warn(`Outbox relay stopped with events waiting: ${(error as Error).message}`);
		} finally {
			this.doneProducing();
			await this.readCommitted.close();
		}
	}

	/** One claim–publish–mark round; returns how many rows went out. */
	protected async round(): Promise<number> {
		const { bus, metrics } = this.options;
		// Read committed: the claim locks only the rows it returns, never the gaps where bookings insert new ones.
		const { sequelize } = this.readCommitted;
		// The one place the dialects differ. MySQL: relays on several nodes claim rows in a transaction. SQLite:
		// one relay per database (embedded mode), and a transaction would hold the one write lock, which every
		// booking waits for, while the bus publishes; the rows are read, published and then marked sent.
		const mysql = sequelize.getDialect() === "mysql";
		const claiming = <T>(round: (transaction?: Transaction) => Promise<T>) =>
			mysql ? sequelize.transaction(round) : round();
		return claiming(async (transaction) => {
			const claimed = await selectRows<Claimed>(
				sequelize,
				`SELECT id, topic, message_key AS messageKey, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ${RELAY.batchSize}${mysql ? " FOR UPDATE SKIP LOCKED" : ""}`,
				[],
				transaction,
			);
			if (claimed.length === 0) return 0;
			const ids = claimed.map((row) => row.id);
			// Earlier unsent rows this round did not get are being published by another relay right now.
			const elsewhere = await selectRows<{ messageKey: string }>(
				sequelize,
				`SELECT DISTINCT message_key AS messageKey FROM outbox WHERE sent_at IS NULL AND id < ? AND id NOT IN (${placeholders(ids)})`,
				[ids.at(-1) as number, ...ids],
				transaction,
			);
			const heldBack = new Set(elsewhere.map((row) => row.messageKey));
			const ready = claimed.filter((row) => !heldBack.has(row.messageKey));
			if (ready.length === 0) return 0;
			await bus.publish(
				ready.map((row) => ({
					topic: row.topic,
					key: row.messageKey,
					value: row.payload,
					headers: { "content-type": CLOUDEVENTS_CONTENT_TYPE },
				})),
			);
			await execute(
				sequelize,
				`UPDATE outbox SET sent_at = ? WHERE id IN (${placeholders(ready)})`,
				[new Date(), ...ready.map((row) => row.id)],
				transaction,
			);
			for (const row of ready) metrics.increment(PUBLISHED_METRIC, { topic: row.topic });
			return ready.length;
		});
	}

	/** Deletes the rows sent long ago (once a minute). */
	protected async purge(): Promise<void> {
		const { sequelize, retentionMs } = this.options;
		await sequelize.query("DELETE FROM outbox WHERE sent_at < :before", {
			replacements: { before: new Date(Date.now() - retentionMs) },
		});
	}
}

/** Unsent events of one topic, as ops and the metrics see them. */
export interface OutboxBacklog {
	topic: string;
	waiting: number;
	/** When the oldest unsent event was written; null when none waits. */
	oldestCreatedAt: Date | null;
}

/** What waits in the outbox, per topic (every topic the relay publishes to, waiting or not). */
export async function outboxBacklog(
	sequelize: Sequelize,
	topics: readonly string[],
): Promise<OutboxBacklog[]> {
	const rows = await sequelize.query<{
		topic: string;
		waiting: number | string;
		oldest: Date | string | null;
	}>(
		"SELECT topic, COUNT(*) AS waiting, MIN(created_at) AS oldest FROM outbox WHERE sent_at IS NULL GROUP BY topic",
		{ type: QueryTypes.SELECT },
	);
	const byTopic = new Map(rows.map((row) => [row.topic, row]));
	return [...new Set([...topics, ...byTopic.keys()])].map((topic) => {
		const row = byTopic.get(topic);
		return {
			topic,
			waiting: Number(row?.waiting ?? 0),
			oldestCreatedAt: row?.oldest == null ? null : new Date(row.oldest),
		};
	});
}
