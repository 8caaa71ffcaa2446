import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type Context, type Endpoint, ServiceBroker } from "moleculer";
import { RetryElsewhereStrategy } from "../../lib/retry-elsewhere.strategy.ts";

const broker = new ServiceBroker({ logger: false });
after(() => broker.stop());

const endpoints = ["booking-1", "booking-2", "booking-3"].map((id) => ({ id }) as Endpoint);
const call = (fields: { nodeID?: string; _retryAttempts?: number }) => fields as unknown as Context;

describe("RetryElsewhereStrategy", () => {
	it("takes turns like round robin for first attempts", () => {
		const strategy = new RetryElsewhereStrategy(broker.registry, broker);
		const picked = Array.from(
			{ length: 6 },
			() => strategy.select(endpoints, call({ _retryAttempts: 0 })).id,
		);
		assert.deepEqual(picked, ["booking-1", "booking-2", "booking-3", "booking-1", "booking-2", "booking-3"]);
	});

	it("never sends a retry back to the node that failed the call", () => {
		const strategy = new RetryElsewhereStrategy(broker.registry, broker);
		for (let i = 0; i < 10; i++) {
			const picked = strategy.select(endpoints, call({ nodeID: "booking-2", _retryAttempts: 1 }));
			assert.notEqual(picked.id, "booking-2");
		}
	});

	it("retries on the same node when it is the only one", () => {
		const strategy = new RetryElsewhereStrategy(broker.registry, broker);
		const only = [endpoints[0]];
		assert.equal(strategy.select(only, call({ nodeID: "booking-1", _retryAttempts: 1 })).id, "booking-1");
	});
});
