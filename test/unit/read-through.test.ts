import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ServiceBroker } from "moleculer";
import { readThrough } from "../../lib/read-through.ts";

const broker = new ServiceBroker({ logger: false, cacher: "Memory" });
after(() => broker.stop());

describe("readThrough (caller-side cache of another service's answer)", () => {
	it("loads once, then answers from the cache until the entry is cleaned", async () => {
		let loads = 0;
		const load = async () => ++loads;
		assert.equal(await readThrough(broker.cacher, "rt:a", 60, load), 1);
		assert.equal(await readThrough(broker.cacher, "rt:a", 60, load), 1);
		await broker.cacher?.del("rt:a");
		assert.equal(await readThrough(broker.cacher, "rt:a", 60, load), 2);
	});

	it("caches a null answer as an answer, not as a miss", async () => {
		let loads = 0;
		const load = async () => {
			loads++;
			return null;
		};
		assert.equal(await readThrough(broker.cacher, "rt:null", 60, load), null);
		assert.equal(await readThrough(broker.cacher, "rt:null", 60, load), null);
		assert.equal(loads, 1);
	});

	it("does not cache a failure", async () => {
		await assert.rejects(
			readThrough(broker.cacher, "rt:fail", 60, async () => {
				throw new Error("vehicle not found");
			}),
			/vehicle not found/,
		);
		assert.equal(await readThrough(broker.cacher, "rt:fail", 60, async () => "found"), "found");
	});

	it("without a cacher, always loads", async () => {
		let loads = 0;
		await readThrough(undefined, "rt:none", 60, async () => ++loads);
		await readThrough(undefined, "rt:none", 60, async () => ++loads);
		assert.equal(loads, 2);
	});
});
