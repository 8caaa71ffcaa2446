import { Transporters } from "moleculer";
import { exitIfRefused } from "./connection-refusal.ts";

/** Produce requests this node keeps outstanding; packets sent meanwhile wait and leave together in the next. */
const MAX_PRODUCES_IN_FLIGHT = 2;
/** Packets per produce request at most. */
const MAX_BATCH = 500;
/** How often the consumer commits its position. */
const COMMIT_INTERVAL_MS = 5_000;

interface QueuedPacket {
	message: Record<string, unknown>;
	sent(): void;
	failed(error: unknown): void;
}

type Consumer = { consume(options: Record<string, unknown>): Promise<unknown> };

/**
 * Moleculer's Kafka transporter (on @platformatic/kafka), with two changes for the request path, where every
 * remote call is two produces and two fetches (docs/benchmarks.md has the figures):
 * - Packets are coalesced: all those sent in one turn of the event loop, or while earlier produce requests
 *   are still outstanding, go to Kafka in one produce request. The stock transporter sends a request per
 *   packet, and under load they queue behind the client's five in-flight requests one by one.
 * - Its consumer commits its offsets every few seconds instead of after every fetch (the library's auto-commit
 *   when given `true`): one request less, and no wait on the group coordinator, per fetch. The offsets are
 *   never read back (the consumer always starts from the latest offset, the library's default mode); they
 *   keep the node's consumer group in place while the node restarts.
 * A failed produce fails every packet of its batch, as the stock transporter fails the one it sent.
 * - A refused password, certificate or ACL stops the process with one line naming the connection: the stock
 *   transporter retries every 5 s for ever, right for a broker that is away, useless for those.
 */
export class CoalescingKafkaTransporter extends Transporters.Kafka {
	private queue: QueuedPacket[] = [];
	private producesInFlight = 0;
	private flushScheduled = false;

	private readonly connection: string;

	/** `connection` names it in the line a refusal prints, e.g. "Kafka transporter (kafka:9093 as booking)". */
	constructor(connection: string, options: ConstructorParameters<typeof Transporters.Kafka>[0]) {
		super(options);
		this.connection = connection;
		// The base class creates its consumer inside makeSubscriptions and consumes with autocommit: true.
		let consumer: Consumer | null = null;
		Object.defineProperty(this, "consumer", {
			get: () => consumer,
			set: (created: Consumer | null) => {
				if (created) {
					const consume = created.consume.bind(created);
					created.consume = (options) => consume({ ...options, autocommit: COMMIT_INTERVAL_MS });
				}
				consumer = created;
			},
		});
	}

	override async connect(): Promise<void> {
		try {
			await super.connect();
		} catch (error) {
			exitIfRefused(this.connection, error);
			throw error;
		}
	}

	override async makeSubscriptions(topics: Array<Record<string, unknown>>): Promise<void> {
		try {
			await super.makeSubscriptions(topics);
		} catch (error) {
			exitIfRefused(this.connection, error);
			throw error;
		}
	}

	send(_topic: string, data: Buffer, meta: Record<string, unknown>): Promise<void> {
		if (!this.producer) return Promise.resolve();
		const packet = meta.packet as { type: string; target?: string };
		return new Promise((sent, failed) => {
			this.queue.push({
				message: {
					topic: this.getTopicName(packet.type, packet.target),
					value: data,
					...this.opts.publishMessage,
				},
				sent,
				failed,
			});
			this.scheduleFlush();
		});
	}

	private scheduleFlush(): void {
		if (this.flushScheduled || this.producesInFlight >= MAX_PRODUCES_IN_FLIGHT) return;
		this.flushScheduled = true;
		setImmediate(() => {
			this.flushScheduled = false;
			void this.flush();
		});
	}

	private async flush(): Promise<void> {
		if (this.queue.length === 0) return;
		const batch = this.queue.splice(0, MAX_BATCH);
		if (!this.producer) {
			for (const packet of batch) packet.sent();
			return;
		}
		this.producesInFlight++;
		try {
			await this.producer.send({ messages: batch.map((packet) => packet.message), ...this.opts.publish });
			for (const packet of batch) packet.sent();
		} catch (error) {
			this.logger.error("Kafka Publish error", error);
			this.broker.broadcastLocal("$transporter.error", {
				error,
				module: "transporter",
				type: "publisherError",
			});
			for (const packet of batch) packet.failed(error);
		} finally {
			this.producesInFlight--;
			if (this.queue.length > 0) this.scheduleFlush();
		}
	}
}
