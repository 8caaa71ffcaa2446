import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { type BrokerOptions, ServiceBroker } from "moleculer";
import { ResilientRedisCacher } from "../../lib/resilient-redis-cacher.ts";
import { StaleSafeMemoryCacher } from "../../lib/stale-safe-cacher.ts";
import { eventually } from "../support/eventually.ts";

const REQUEST_TIMEOUT_MS = 300;

/**
 * A broker with one cached action, `items.list`, whose answer is the value of `stored` when the handler starts
 * (a database read); each call then waits until `release` lets it answer.
 */
async function brokerWith(cacher: BrokerOptions["cacher"]) {
	const broker = new ServiceBroker({ logger: false, cacher, requestTimeout: REQUEST_TIMEOUT_MS * 10 });
	const state = { stored: "old", loads: 0 };
	const gates: Array<() => void> = [];
	broker.createService({
		name: "items",
		actions: {
			list: {
				cache: { ttl: 60 },
				async handler() {
					state.loads++;
					const read = state.stored;
					await new Promise<void>((resolve) => gates.push(resolve));
					return { value: read };
				},
			},
		},
	});
	await broker.start();
	await broker.cacher?.clean();
	const list = () => broker.call<{ value: string }>("items.list");
	/** Lets the calls waiting so far answer. */
	const release = () => {
		for (const open of gates.splice(0)) open();
	};
	/** Resolves once `count` calls are loading (waiting in the handler). */
	const loading = (count: number) =>
		eventually(`${count} loads`, async () => (gates.length >= count ? true : undefined));
	/** A call that answers as soon as it has read (at once when its answer is cached). */
	const readNow = async () => {
		let settled = false;
		const answer = list().finally(() => {
			settled = true;
		});
		await eventually("the call", async () => (settled || gates.length > 0 ? true : undefined), 10_000, 2);
		release();
		return (await answer).value;
	};
	/** The change a service makes: the row, then the clean of what the cache holds about it. */
	const change = async (value: string) => {
		state.stored = value;
		await broker.cacher?.clean("items.list:**");
	};
	return { broker, state, list, release, loading, readNow, change };
}

const CACHERS = {
	memory: () => new StaleSafeMemoryCacher({ ttl: 60 }),
	redis: () =>
		new ResilientRedisCacher({
			prefix: `stale-safe-test-${randomUUID()}`,
			redis: { host: "127.0.0.1", port: 6379 },
		}),
};

for (const [name, cacher] of Object.entries(CACHERS)) {
	describe(`stale-safe ${name} cacher`, () => {
		it("caches an answer: the second call is not loaded again", async () => {
			const { broker, state, readNow } = await brokerWith(cacher());
			try {
				assert.equal(await readNow(), "old");
				assert.equal(await readNow(), "old");
				assert.equal(state.loads, 1);
			} finally {
				await broker.stop();
			}
		});

		it("does not store an answer loaded before a change that was cleaned while it loaded", async () => {
			const { broker, list, release, loading, readNow, change } = await brokerWith(cacher());
			try {
				const before = list();
				await loading(1);
				await change("new");
				release();
				assert.equal((await before).value, "old", "the call under way answers what it read");
				assert.equal(await readNow(), "new", "the next call reads the change");
			} finally {
				await broker.stop();
			}
		});

		it("does not store an answer loaded before a change when a newer load of the same key began meanwhile", async () => {
			const { broker, list, release, loading, readNow, change } = await brokerWith(cacher());
			try {
				const before = list();
				await loading(1);
				await change("new");
				const after = list();
				await loading(2);
				release();
				assert.equal((await before).value, "old");
				assert.equal((await after).value, "new");
				assert.equal(await readNow(), "new", "the next call reads the change, not the older load's answer");
			} finally {
				await broker.stop();
			}
		});

		it("a value read and set directly (readThrough) before a change is cleaned a request timeout later", async () => {
			const { broker } = await brokerWith(cacher());
			const cache = broker.cacher as NonNullable<typeof broker.cacher>;
			try {
				const key = "items.direct:one";
				assert.equal(await cache.get(key), undefined, "a miss opens a load of the key");
				await cache.clean("items.direct:**");
				assert.equal(await cache.get(key), undefined, "a newer load of the same key");
				await cache.set(key, { value: "old" }, 60);
				assert.deepEqual(await cache.get(key), { value: "old" }, "stored: by key the loads look alike");
				await eventually(
					"the clean again",
					async () => ((await cache.get(key)) == null ? true : undefined),
					REQUEST_TIMEOUT_MS * 10 + 5_000,
					50,
				);
			} finally {
				await broker.stop();
			}
		});
	});
}

describe("memory cacher's answers", () => {
	it("are a frozen copy: a caller's change throws and never reaches the next caller", async () => {
		const broker = new ServiceBroker({ logger: false, cacher: new StaleSafeMemoryCacher({ ttl: 60 }) });
		const answer = { items: [{ code: "wash", prices: { small: 100 } }] };
		broker.createService({
			name: "catalog",
			actions: { list: { cache: { ttl: 60 }, handler: () => answer } },
		});
		await broker.start();
		try {
			const first = (await broker.call("catalog.list")) as typeof answer;
			assert.equal(first, answer, "the miss answers the handler's own value");
			first.items[0].prices.small = 1;
			const hit = (await broker.call("catalog.list")) as typeof answer;
			assert.deepEqual(hit, { items: [{ code: "wash", prices: { small: 100 } }] }, "the cache holds a copy");
			assert.equal(await broker.call("catalog.list"), hit, "every hit answers the stored value itself");
			assert.throws(() => {
				hit.items[0].prices.small = 2;
			}, TypeError);
			assert.throws(() => hit.items.push({ code: "x", prices: { small: 0 } }), TypeError);
			assert.deepEqual(await broker.call("catalog.list"), {
				items: [{ code: "wash", prices: { small: 100 } }],
			});
		} finally {
			await broker.stop();
		}
	});
});
