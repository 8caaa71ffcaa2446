import { createRequire } from "node:module";
import type { Redis, RedisOptions } from "ioredis";

export interface RateLimitDecision {
	allowed: boolean;
	/** Seconds until the current window ends. */
	retryAfterSeconds: number;
}

export interface RateLimiter {
	hit(key: string): Promise<RateLimitDecision>;
	close(): Promise<void>;
}

/** Fixed one-minute windows; enough to stop a runaway client without per-request bookkeeping. */
const WINDOW_SECONDS = 60;

function windowOf(now: number): { id: number; secondsLeft: number } {
	const id = Math.floor(now / 1000 / WINDOW_SECONDS);
	return { id, secondsLeft: Math.max(1, Math.ceil((id + 1) * WINDOW_SECONDS - now / 1000)) };
}

export function memoryRateLimiter(limitPerMinute: number, now = Date.now): RateLimiter {
	const counts = new Map<string, number>();
	let currentWindow = -1;
	return {
		async hit(key) {
			const window = windowOf(now());
			if (window.id !== currentWindow) {
				counts.clear();
				currentWindow = window.id;
			}
			const count = (counts.get(key) ?? 0) + 1;
			counts.set(key, count);
			return { allowed: count <= limitPerMinute, retryAfterSeconds: window.secondsLeft };
		},
		async close() {},
	};
}

/** Required when a Redis limiter is made: an embedded gateway counts in memory and never loads ioredis (39 modules). */
function redisClient(connection: string | RedisOptions, options: RedisOptions): Redis {
	const { Redis } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
	return typeof connection === "string"
		? new Redis(connection, options)
		: new Redis({ ...connection, ...options });
}

/**
 * Shared across gateway instances through Redis, so that N gateways do not allow N times the limit.
 * If Redis is unreachable the request is let through: a cache outage must not become an API outage.
 */
export function redisRateLimiter(
	connection: string | RedisOptions,
	limitPerMinute: number,
	prefix: string,
): RateLimiter {
	const failFast = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
	const redis = redisClient(connection, failFast);
	redis.on("error", () => {});
	// One command per hit instead of MULTI, INCR, EXPIRE, EXEC: the count and its expiry set atomically in Redis.
	redis.defineCommand("hitWindow", {
		numberOfKeys: 1,
		lua: "local count = redis.call('INCR', KEYS[1]) if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return count",
	});
	const hitWindow = (
		redis as unknown as { hitWindow(key: string, ttl: number): Promise<number> }
	).hitWindow.bind(redis);
	return {
		async hit(key) {
			const window = windowOf(Date.now());
			const redisKey = `${prefix}:ratelimit:${window.id}:${key}`;
			try {
				const count = await hitWindow(redisKey, WINDOW_SECONDS + 5);
				return { allowed: count <= limitPerMinute, retryAfterSeconds: window.secondsLeft };
			} catch {
				return { allowed: true, retryAfterSeconds: 0 };
			}
		},
		async close() {
			redis.disconnect();
		},
	};
}
