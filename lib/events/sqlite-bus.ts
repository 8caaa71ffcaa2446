import { DataTypes, QueryTypes, type Sequelize } from "sequelize";
import {
	type BoundValue,
	createSequelize,
	execute,
	type Migration,
	migrate,
	selectRows,
} from "../database.ts";
import { retry } from "../retry.ts";
import type { BusRecord, DeliveredRecord, EventBus, HandleMany, HandleOne, Subscription } from "./bus.ts";

/** The partition of a key: the same for every record of one key, so that their order holds. */
function partitionOf(key: string, partitions: number): number {
	let hash = 0;
	for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) | 0;
	return Math.abs(hash) % partitions;
}

const LOG_SCHEMA: Migration = {
	name: "0001-event-log",
	async up(qi) {
		// One table for every topic: the offset is the row id, increasing within each partition like Kafka's.
		await qi.createTable("event_log", {
			id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
			topic: { type: DataTypes.STRING(249), allowNull: false },
			partition: { type: DataTypes.INTEGER, allowNull: false },
			message_key: { type: DataTypes.STRING(64), allowNull: false },
			value: { type: DataTypes.TEXT, allowNull: false },
			headers: { type: DataTypes.TEXT, allowNull: false },
			appended_at: { type: DataTypes.BIGINT, allowNull: false },
		});
		await qi.addIndex("event_log", ["topic", "partition", "id"], { name: "event_log_read" });
		await qi.addIndex("event_log", ["appended_at"], { name: "event_log_age" });
		// A group's committed position per partition: the id of the next record it has not applied yet.
		await qi.createTable("group_positions", {
			group_name: { type: DataTypes.STRING(249), primaryKey: true },
			topic: { type: DataTypes.STRING(249), primaryKey: true },
			partition: { type: DataTypes.INTEGER, primaryKey: true },
			next_id: { type: DataTypes.INTEGER, allowNull: false },
		});
	},
};

interface LogRow {
	id: number;
	topic: string;
	partition: number;
	message_key: string;
	value: string;
	headers: string;
	appended_at: number;
}

function delivered(row: LogRow): DeliveredRecord {
	return {
		topic: row.topic,
		partition: row.partition,
		offset: String(row.id),
		key: row.message_key,
		value: row.value,
		headers: JSON.parse(row.headers),
		timestamp: String(row.appended_at),
	};
}

/** Records a reader takes from the file at once. */
const FETCH_SIZE = 100;
/** How long a stopping consumer goes on applying what the log holds, while producers finish, before it gives up. */
const DRAIN_TIMEOUT_MS = 10_000;
const PURGE_EVERY_MS = 3_600_000;
/**
 * How often the groups' positions past the records they handled are written to the file (and once more when a
 * member stops and when the bus closes), as the Kafka bus commits: a write after every fetch was a commit, an fsync
 * with `synchronous = FULL`, on the way of every event. A record handled but not written past yet is delivered
 * again after a crash, and its event id makes that a no-op.
 */
const POSITION_WRITE_INTERVAL_MS = 2_000;

/** A group's position in one partition: the id of the next record it has not applied yet. */
interface Position {
	group: string;
	topic: string;
	partition: number;
	next: number;
}

const positionKey = (group: string, topic: string, partition: number) => `${group}\0${topic}\0${partition}`;

interface Member {
	topics: readonly string[];
	handle: HandleOne;
	handleMany?: HandleMany;
	/** Stop reading now (the handler in hand gives up). */
	stopped: boolean;
	/** Stop once caught up with the log and no producer is left. */
	draining: boolean;
	readers: Promise<void>[];
}

/** A group's members: the first one reads every partition, the others stand by until it stops. */
interface GroupState {
	members: Member[];
}

export interface SqliteBusOptions {
	/** The SQLite file that holds the log and the groups' positions. */
	storage: string;
	partitions: number;
	retentionMs: number;
}

/**
 * The event log of embedded mode (one process, no Kafka), kept in its own SQLite file so that it survives a
 * crash like Kafka's: partitioned by key, one sequential reader per group and partition, and a group's
 * committed position advancing only past records its handler applied. A record is on disk when `publish`
 * resolves, so the outbox relay marks its rows sent only then. Positions are kept in memory and written every
 * 2 s and when a member stops: a record applied but not written past when the process dies is delivered again
 * at the next start, and the consumers' processed-event tables drop it.
 */
export class SqliteBus implements EventBus {
	private readonly options: SqliteBusOptions;
	private readonly groups = new Map<string, GroupState>();
	private readonly ready: Promise<Sequelize>;
	/** Counts appends, so that a reader that found nothing knows whether something came in meanwhile. */
	private appends = 0;
	private waiting: Array<() => void> = [];
	/** Producers that have not finished: draining consumers wait for what they still publish. */
	private producers = 0;
	private purgedAt = 0;
	/** Positions handled past and not written yet, by group, topic and partition. */
	private readonly positions = new Map<string, Position>();
	private positionTimer?: NodeJS.Timeout;
	/** The writes of positions, one after the other: a later one never lands before an earlier one. */
	private positionWrites: Promise<void> = Promise.resolve();
	private closed = false;

	constructor(options: SqliteBusOptions) {
		this.options = options;
		this.ready = this.open();
		// A failure to open is reported by the first publish or read; this keeps it from being unhandled meanwhile.
		this.ready.catch(() => undefined);
	}

	private async open(): Promise<Sequelize> {
		const sequelize = createSequelize({ dialect: "sqlite", storage: this.options.storage, poolMax: 1 });
		await migrate(sequelize, [LOG_SCHEMA], "event-log");
		return sequelize;
	}

	private wakeReaders(): void {
		const waiting = this.waiting;
		this.waiting = [];
		for (const wake of waiting) wake();
	}

	async publish(records: readonly BusRecord[]): Promise<void> {
		if (records.length === 0) return;
		const sequelize = await this.ready;
		const now = Date.now();
		const values: BoundValue[] = [];
		for (const record of records) {
			const partition = partitionOf(record.key, this.options.partitions);
			values.push(record.topic, partition, record.key, record.value, JSON.stringify(record.headers), now);
		}
		// One statement: the records are appended together or not at all.
		await execute(
			sequelize,
			`INSERT INTO event_log (topic, partition, message_key, value, headers, appended_at) VALUES ${records
				.map(() => "(?, ?, ?, ?, ?, ?)")
				.join(", ")}`,
			values,
		);
		this.appends++;
		this.wakeReaders();
		if (now - this.purgedAt > PURGE_EVERY_MS) {
			this.purgedAt = now;
			await execute(sequelize, "DELETE FROM event_log WHERE appended_at < ?", [
				now - this.options.retentionMs,
			]);
		}
	}

	/**
	 * Declares a producer (the outbox relay): until the returned function is called, stopping consumers keep
	 * applying what it publishes, so that a SIGTERM leaves nothing unapplied behind.
	 */
	producing(): () => void {
		this.producers++;
		let done = false;
		return () => {
			if (done) return;
			done = true;
			this.producers--;
			this.wakeReaders();
		};
	}

	consume(...[group, topics, handle, handleMany]: Parameters<EventBus["consume"]>): Subscription {
		let state = this.groups.get(group);
		if (!state) {
			state = { members: [] };
			this.groups.set(group, state);
		}
		const joined = state;
		const member: Member = { topics, handle, handleMany, stopped: false, draining: false, readers: [] };
		joined.members.push(member);
		if (joined.members.length === 1) this.activate(group, member);
		return {
			state: () => ({ consuming: !member.stopped }),
			stop: async () => {
				member.draining = true;
				this.wakeReaders();
				const drainTimer = setTimeout(() => {
					member.stopped = true;
					this.wakeReaders();
				}, DRAIN_TIMEOUT_MS);
				await Promise.all(member.readers);
				clearTimeout(drainTimer);
				member.stopped = true;
				// A failed write keeps them in memory, for the next member and the next write.
				await this.writePositions().catch(() => undefined);
				const wasReading = joined.members[0] === member;
				joined.members.splice(joined.members.indexOf(member), 1);
				if (wasReading && joined.members.length > 0) this.activate(group, joined.members[0]);
			},
		};
	}

	private activate(group: string, member: Member): void {
		member.readers = member.topics.flatMap((topic) =>
			Array.from({ length: this.options.partitions }, (_, partition) =>
				this.read(group, member, topic, partition),
			),
		);
	}

	/** Hands a partition's records to the member in order; the committed position advances only past handled ones. */
	private async read(group: string, member: Member, topic: string, partition: number): Promise<void> {
		const sequelize = await this.ready;
		let next: number | undefined;
		/** Hands over the next records; answers whether the member is done with this partition. */
		const readOnce = async (): Promise<boolean> => {
			next ??= await this.committed(sequelize, group, topic, partition);
			const seen = this.appends;
			const rows = await selectRows<LogRow>(
				sequelize,
				"SELECT * FROM event_log WHERE topic = ? AND partition = ? AND id >= ? ORDER BY id LIMIT ?",
				[topic, partition, next, FETCH_SIZE],
			);
			if (rows.length === 0) {
				if (member.draining && this.producers === 0) return true;
				if (this.appends === seen) await new Promise<void>((resolve) => this.waiting.push(resolve));
				return false;
			}
			const from = next;
			const deliveries = rows.map((row) => ({
				record: delivered(row),
				heartbeat: async () => {},
				stopping: () => member.stopped,
			}));
			try {
				// Several at once when the member can (one transaction for them all); one at a time if that fails.
				const together =
					rows.length > 1 && member.handleMany !== undefined
						? await member.handleMany(deliveries).then(
								() => true,
								() => false,
							)
						: false;
				if (together) {
					next = (rows.at(-1) as LogRow).id + 1;
					return member.stopped;
				}
				for (const [index, row] of rows.entries()) {
					// A throwing handler means "deliver it again": the position stays, the same record comes back.
					await member.handle(deliveries[index]);
					next = row.id + 1;
					if (member.stopped) return true;
				}
				return false;
			} finally {
				// In memory; written within 2 s: a crash before that delivers these records again, and the consumers drop them.
				if (next !== from) this.commit({ group, topic, partition, next });
			}
		};
		while (!member.stopped) {
			// A failure (a throwing handler, a busy database) is retried with backoff until the member stops.
			const done = await retry(readOnce, { retryable: () => !member.stopped }).catch(() => true);
			if (done) return;
		}
	}

	private commit(position: Position): void {
		this.positions.set(positionKey(position.group, position.topic, position.partition), position);
		this.schedulePositionWrite();
	}

	private schedulePositionWrite(): void {
		if (this.positionTimer || this.closed) return;
		this.positionTimer = setTimeout(
			() => void this.writePositions().catch(() => undefined),
			POSITION_WRITE_INTERVAL_MS,
		);
		this.positionTimer.unref();
	}

	/** Writes every position not written yet, in one statement; on failure they wait for the next write. */
	private writePositions(): Promise<void> {
		clearTimeout(this.positionTimer);
		this.positionTimer = undefined;
		const written = this.positionWrites.then(async () => {
			if (this.positions.size === 0) return;
			const sequelize = await this.ready;
			const taken = [...this.positions];
			this.positions.clear();
			try {
				await execute(
					sequelize,
					`INSERT INTO group_positions (group_name, topic, partition, next_id) VALUES ${taken
						.map(() => "(?, ?, ?, ?)")
						.join(", ")} ON CONFLICT (group_name, topic, partition) DO UPDATE SET next_id = excluded.next_id`,
					taken.flatMap(([, { group, topic, partition, next }]) => [group, topic, partition, next]),
				);
			} catch (error) {
				// Unless a later position has taken their place meanwhile.
				for (const [key, position] of taken) if (!this.positions.has(key)) this.positions.set(key, position);
				this.schedulePositionWrite();
				throw error;
			}
		});
		this.positionWrites = written.catch(() => undefined);
		return written;
	}

	/** Where the group goes on in the partition: past what it handled in this process, else what the file holds. */
	private async committed(
		sequelize: Sequelize,
		group: string,
		topic: string,
		partition: number,
	): Promise<number> {
		const handled = this.positions.get(positionKey(group, topic, partition));
		if (handled) return handled.next;
		const [stored] = await selectRows<{ next_id: number }>(
			sequelize,
			"SELECT next_id FROM group_positions WHERE group_name = ? AND topic = ? AND partition = ?",
			[group, topic, partition],
		);
		return stored?.next_id ?? 0;
	}

	async readAll(topic: string): Promise<DeliveredRecord[]> {
		const sequelize = await this.ready;
		const rows = await sequelize.query<LogRow>(
			"SELECT * FROM event_log WHERE topic = ? ORDER BY partition, id",
			{ type: QueryTypes.SELECT, replacements: [topic] },
		);
		return rows.map(delivered);
	}

	async close(): Promise<void> {
		for (const state of this.groups.values()) for (const member of state.members) member.stopped = true;
		this.wakeReaders();
		try {
			await this.writePositions();
		} finally {
			this.closed = true;
			clearTimeout(this.positionTimer);
			await (await this.ready).close();
		}
	}
}
