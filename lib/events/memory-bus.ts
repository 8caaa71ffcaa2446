import { backoff, sleep } from "./backoff.ts";
import type { BusRecord, DeliveredRecord, Delivery, EventBus, Subscription } from "./bus.ts";

/** The partition of a key: the same for every record of one key, so that their order holds. */
function partitionOf(key: string, partitions: number): number {
	let hash = 0;
	for (const char of key) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) | 0;
	return Math.abs(hash) % partitions;
}

interface Member {
	topics: readonly string[];
	handle: (delivery: Delivery) => Promise<void>;
	stopped: boolean;
	readers: Promise<void>[];
}

/** A group's committed positions (per topic, per partition) and its members, the reading one first. */
interface GroupState {
	positions: Map<string, number[]>;
	members: Member[];
}

/**
 * The in-process log of embedded mode (one process, no Kafka): partitioned by key like the Kafka topics, one
 * sequential reader per group and partition, a group's position advancing only past handled records. It lives
 * as long as the process, which is all a single-process platform can offer.
 */
export class MemoryBus implements EventBus {
	private readonly partitions: number;
	private readonly logs = new Map<string, DeliveredRecord[][]>();
	private readonly groups = new Map<string, GroupState>();
	/** Readers waiting for the next record. */
	private waiting: Array<() => void> = [];

	constructor(partitions: number) {
		this.partitions = partitions;
	}

	private log(topic: string): DeliveredRecord[][] {
		let log = this.logs.get(topic);
		if (!log) {
			log = Array.from({ length: this.partitions }, () => []);
			this.logs.set(topic, log);
		}
		return log;
	}

	private wakeReaders(): void {
		const waiting = this.waiting;
		this.waiting = [];
		for (const wake of waiting) wake();
	}

	async publish(records: readonly BusRecord[]): Promise<void> {
		for (const record of records) {
			const partition = partitionOf(record.key, this.partitions);
			const log = this.log(record.topic)[partition];
			log.push({
				...record,
				headers: { ...record.headers },
				partition,
				offset: String(log.length),
				timestamp: String(Date.now()),
			});
		}
		this.wakeReaders();
	}

	consume(
		group: string,
		topics: readonly string[],
		handle: (delivery: Delivery) => Promise<void>,
	): Subscription {
		let state = this.groups.get(group);
		if (!state) {
			state = { positions: new Map(), members: [] };
			this.groups.set(group, state);
		}
		const joined = state;
		const member: Member = { topics, handle, stopped: false, readers: [] };
		joined.members.push(member);
		if (joined.members.length === 1) this.activate(joined, member);
		return {
			state: () => ({ consuming: !member.stopped }),
			stop: async () => {
				member.stopped = true;
				this.wakeReaders();
				await Promise.all(member.readers);
				const wasReading = joined.members[0] === member;
				joined.members.splice(joined.members.indexOf(member), 1);
				if (wasReading && joined.members.length > 0) this.activate(joined, joined.members[0]);
			},
		};
	}

	/** The group's first member reads every partition; the others stand by until it stops (a valid assignment). */
	private activate(state: GroupState, member: Member): void {
		member.readers = member.topics.flatMap((topic) => {
			const positions = state.positions.get(topic) ?? Array<number>(this.partitions).fill(0);
			state.positions.set(topic, positions);
			return this.log(topic).map((records, partition) => this.read(member, records, positions, partition));
		});
	}

	/** Hands a partition's records to the member in order; the position advances only past handled ones. */
	private async read(member: Member, records: DeliveredRecord[], positions: number[], partition: number) {
		let failures = 0;
		while (!member.stopped) {
			if (positions[partition] >= records.length) {
				await new Promise<void>((resolve) => this.waiting.push(resolve));
				continue;
			}
			try {
				await member.handle({
					record: records[positions[partition]],
					heartbeat: async () => {},
					stopping: () => member.stopped,
				});
				positions[partition]++;
				failures = 0;
			} catch {
				if (!member.stopped) await sleep(backoff(++failures));
			}
		}
	}

	async readAll(topic: string): Promise<DeliveredRecord[]> {
		return this.log(topic).flat();
	}

	async close(): Promise<void> {}
}
