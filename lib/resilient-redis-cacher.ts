import { Cachers, type ServiceBroker } from "moleculer";
import { staleSafe } from "./stale-safe-cacher.ts";

const UNAVAILABLE_METRIC = "cacher_unavailable_total";

type RedisClient = {
	on(event: string, listener: (...args: unknown[]) => void): void;
	removeAllListeners(event: string): void;
};

/**
 * Moleculer's Redis cacher, made safe to lose: while Redis is away every cache read is a miss and every write
 * is skipped, so requests are served from the databases (slower) instead of failing. One warning per outage,
 * a counter of skipped operations, and caching resumes by itself when ioredis reconnects. Stale-safe, as every
 * cacher of the platform (lib/stale-safe-cacher.ts).
 */
export class ResilientRedisCacher extends staleSafe(Cachers.Redis) {
	private outage = false;

	override init(broker: ServiceBroker): void {
		super.init(broker);
		broker.metrics.register({
			type: "counter",
			name: UNAVAILABLE_METRIC,
			description: "Cache operations skipped because Redis was unavailable",
		});
		const client = (this as unknown as { client: RedisClient }).client;
		// The stock handler logs every reconnection attempt as an error; one warning per outage is enough.
		client.removeAllListeners("error");
		client.on("error", () => this.unavailable());
		client.on("ready", () => {
			if (!this.outage) return;
			this.outage = false;
			this.logger.info("Redis is back: caching resumed");
			// Invalidations skipped during the outage may have left stale entries behind.
			super.clean("**").catch(() => this.unavailable());
		});
	}

	/** Counts a skipped operation and answers "not in the cache". */
	private unavailable(): null | undefined {
		if (!this.outage) this.logger.warn("Redis unavailable: serving without cache until it returns");
		this.outage = true;
		// Moleculer's cache middleware calls handlers directly while its cacher is not connected.
		this.connected = false;
		this.broker.metrics.increment(UNAVAILABLE_METRIC);
		return this.opts.missingResponse;
	}

	override async close(): Promise<void> {
		(this as unknown as { client: { disconnect(): void } }).client.disconnect();
	}

	override get(key: string) {
		return super.get(key).catch(() => this.unavailable() as null);
	}

	override getWithTTL(key: string) {
		return super.getWithTTL(key).catch(() => ({ data: this.unavailable(), ttl: null }));
	}

	override set(key: string, data: unknown, ttl?: number) {
		return super.set(key, data, ttl).catch(() => {
			this.unavailable();
		});
	}

	override del(keys: string | string[]) {
		return super.del(keys).catch(() => {
			this.unavailable();
		});
	}

	override clean(match?: string | string[]) {
		return super.clean(match).catch(() => {
			this.unavailable();
		});
	}
}

/** ioredis settings that make a lost Redis fail fast instead of queueing commands for minutes. */
export const FAIL_FAST_REDIS = {
	maxRetriesPerRequest: 0,
	enableOfflineQueue: false,
	connectTimeout: 1000,
	commandTimeout: 500,
	retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
};
