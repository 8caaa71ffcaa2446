import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, describe, it, mock } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import {
	memoryRateLimiter,
	type RateLimitDecision,
	type RateLimiter,
	redisRateLimiter,
} from "../../services/gateway/rate-limiter.ts";

const REDIS_URL = "redis://127.0.0.1:6379";
/** A minute boundary: 2026-06-15T10:00:00Z. */
const WINDOW_START = Date.parse("2026-06-15T10:00:00Z");

function clock(start: number): { now: () => number; set(ms: number): void } {
	let current = start;
	return {
		now: () => current,
		set(ms) {
			current = ms;
		},
	};
}

async function hits(limiter: { hit(key: string): Promise<RateLimitDecision> }, key: string, n: number) {
	const decisions: RateLimitDecision[] = [];
	for (let i = 0; i < n; i++) decisions.push(await limiter.hit(key));
	return decisions;
}

describe("memoryRateLimiter", () => {
	it("allows up to the limit in a window, then refuses with the seconds left", async () => {
		const time = clock(WINDOW_START + 20_000);
		const limiter = memoryRateLimiter(3, time.now);
		const decisions = await hits(limiter, "client-a", 5);
		assert.deepEqual(
			decisions.map((d) => d.allowed),
			[true, true, true, false, false],
		);
		assert.deepEqual(decisions[3], { allowed: false, retryAfterSeconds: 40 });
	});

	it("retryAfterSeconds counts to the end of the minute, rounded up, at least 1", async () => {
		const time = clock(WINDOW_START);
		const limiter = memoryRateLimiter(1, time.now);
		assert.deepEqual(await limiter.hit("k"), { allowed: true, retryAfterSeconds: 60 });
		time.set(WINDOW_START + 30_500);
		assert.deepEqual(await limiter.hit("k"), { allowed: false, retryAfterSeconds: 30 });
		time.set(WINDOW_START + 59_001);
		assert.deepEqual(await limiter.hit("k"), { allowed: false, retryAfterSeconds: 1 });
		time.set(WINDOW_START + 59_999);
		assert.deepEqual(await limiter.hit("k"), { allowed: false, retryAfterSeconds: 1 });
	});

	it("a new window resets the count", async () => {
		const time = clock(WINDOW_START + 10_000);
		const limiter = memoryRateLimiter(2, time.now);
		assert.deepEqual(
			(await hits(limiter, "k", 3)).map((d) => d.allowed),
			[true, true, false],
		);
		time.set(WINDOW_START + 60_000);
		assert.deepEqual(await limiter.hit("k"), { allowed: true, retryAfterSeconds: 60 });
		assert.deepEqual(
			(await hits(limiter, "k", 2)).map((d) => d.allowed),
			[true, false],
		);
	});

	it("the window is the calendar minute, not a minute from the first hit", async () => {
		const time = clock(WINDOW_START + 59_000);
		const limiter = memoryRateLimiter(1, time.now);
		assert.equal((await limiter.hit("k")).allowed, true);
		time.set(WINDOW_START + 61_000); // two seconds later, but a new minute
		assert.equal((await limiter.hit("k")).allowed, true);
	});

	it("counts each key separately", async () => {
		const time = clock(WINDOW_START);
		const limiter = memoryRateLimiter(1, time.now);
		assert.equal((await limiter.hit("a")).allowed, true);
		assert.equal((await limiter.hit("b")).allowed, true);
		assert.equal((await limiter.hit("a")).allowed, false);
		assert.equal((await limiter.hit("b")).allowed, false);
		assert.equal((await limiter.hit("c")).allowed, true);
	});

	it("refused hits still count (a client hammering stays refused for the window)", async () => {
		const time = clock(WINDOW_START);
		const limiter = memoryRateLimiter(2, time.now);
		await hits(limiter, "k", 10);
		time.set(WINDOW_START + 59_000);
		assert.equal((await limiter.hit("k")).allowed, false);
	});

	it("close resolves", async () => {
		await memoryRateLimiter(1).close();
	});
});

describe("redisRateLimiter (real Redis)", () => {
	const prefix = `test-${randomUUID()}`;
	const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

	after(async () => {
		mock.timers.reset();
		const keys = await admin.keys(`${prefix}:*`);
		if (keys.length > 0) await admin.del(...keys);
		admin.disconnect();
	});

	/**
	 * Waits until the limiter's own connection is up. Until then it fails open (allowed, retryAfterSeconds 0),
	 * which is its documented behaviour while Redis is unreachable; a connected answer always has
	 * retryAfterSeconds >= 1. Uses a key of its own so that the counts under test are untouched.
	 */
	async function connected(...limiters: RateLimiter[]): Promise<void> {
		for (const limiter of limiters) {
			for (let attempt = 0; ; attempt++) {
				if ((await limiter.hit("__connect__")).retryAfterSeconds > 0) break;
				if (attempt > 500) throw new Error("the rate limiter never connected to Redis");
				await sleep(10);
			}
		}
	}

	/** Freezes Date at a fixed instant so that every hit of a test lands in one known window. */
	function freezeAt(ms: number) {
		mock.timers.enable({ apis: ["Date"], now: ms });
	}

	it("two limiter instances (two gateways) share one count per key", async () => {
		freezeAt(WINDOW_START + 15_000);
		try {
			const gatewayA = redisRateLimiter(REDIS_URL, 3, prefix);
			const gatewayB = redisRateLimiter(REDIS_URL, 3, prefix);
			try {
				await connected(gatewayA, gatewayB);
				const sequence = [
					await gatewayA.hit("client-1"),
					await gatewayB.hit("client-1"),
					await gatewayA.hit("client-1"),
					await gatewayB.hit("client-1"),
					await gatewayA.hit("client-1"),
				];
				assert.deepEqual(sequence, [
					{ allowed: true, retryAfterSeconds: 45 },
					{ allowed: true, retryAfterSeconds: 45 },
					{ allowed: true, retryAfterSeconds: 45 },
					{ allowed: false, retryAfterSeconds: 45 },
					{ allowed: false, retryAfterSeconds: 45 },
				]);
				// Another key is counted on its own.
				assert.deepEqual(await gatewayB.hit("client-2"), { allowed: true, retryAfterSeconds: 45 });

				const windowId = Math.floor((WINDOW_START + 15_000) / 60_000);
				const key = `${prefix}:ratelimit:${windowId}:client-1`;
				assert.equal(await admin.get(key), "5");
				const ttl = await admin.ttl(key);
				assert.ok(ttl > 0 && ttl <= 65, `ttl ${ttl}`);
			} finally {
				await gatewayA.close();
				await gatewayB.close();
			}
		} finally {
			mock.timers.reset();
		}
	});

	it("concurrent hits through several instances allow exactly the limit", async () => {
		freezeAt(WINDOW_START + 60_000);
		try {
			const gateways = [0, 1, 2].map(() => redisRateLimiter(REDIS_URL, 10, prefix));
			try {
				await connected(...gateways);
				const decisions = await Promise.all(
					Array.from({ length: 30 }, (_, i) => gateways[i % gateways.length].hit("burst")),
				);
				assert.equal(decisions.filter((d) => d.allowed).length, 10);
				assert.equal(decisions.filter((d) => !d.allowed).length, 20);
			} finally {
				await Promise.all(gateways.map((g) => g.close()));
			}
		} finally {
			mock.timers.reset();
		}
	});

	it("a new window starts a new count", async () => {
		const limiter = redisRateLimiter(REDIS_URL, 1, prefix);
		try {
			freezeAt(WINDOW_START + 120_000 + 59_000);
			await connected(limiter);
			assert.deepEqual(await limiter.hit("k"), { allowed: true, retryAfterSeconds: 1 });
			assert.deepEqual(await limiter.hit("k"), { allowed: false, retryAfterSeconds: 1 });
			mock.timers.reset();
			freezeAt(WINDOW_START + 180_000);
			assert.deepEqual(await limiter.hit("k"), { allowed: true, retryAfterSeconds: 60 });
		} finally {
			mock.timers.reset();
			await limiter.close();
		}
	});

	it("different prefixes (namespaces) do not share counts", async () => {
		freezeAt(WINDOW_START + 240_000);
		const ours = redisRateLimiter(REDIS_URL, 1, prefix);
		const theirs = redisRateLimiter(REDIS_URL, 1, `${prefix}:other`);
		try {
			await connected(ours, theirs);
			assert.equal((await ours.hit("k")).allowed, true);
			assert.equal((await theirs.hit("k")).allowed, true);
			assert.equal((await ours.hit("k")).allowed, false);
		} finally {
			mock.timers.reset();
			await ours.close();
			await theirs.close();
		}
	});

	it("lets requests through when Redis is unreachable (a cache outage is not an API outage)", async () => {
		const limiter = redisRateLimiter("redis://127.0.0.1:1", 1, prefix);
		try {
			for (let i = 0; i < 3; i++) {
				assert.deepEqual(await limiter.hit("k"), { allowed: true, retryAfterSeconds: 0 });
			}
		} finally {
			await limiter.close();
		}
	});
});
