import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Errors, ServiceBroker } from "moleculer";
import { AwaitDiscoveryMiddleware, DISCOVERY_GRACE_MS } from "../../lib/await-discovery.middleware.ts";

const broker = new ServiceBroker({ logger: false, middlewares: [AwaitDiscoveryMiddleware] });
let outerRuns = 0;
before(async () => {
	broker.createService({
		name: "outer",
		actions: {
			run: (ctx) => {
				outerRuns++;
				return ctx.call("never.there");
			},
		},
	});
	await broker.start();
});
after(() => broker.stop());

describe("AwaitDiscoveryMiddleware", () => {
	it("sends a call that found no endpoint again once one appears", async () => {
		const answer = broker.call("late.ping");
		await sleep(300);
		broker.createService({ name: "late", actions: { ping: () => "pong" } });
		assert.equal(await answer, "pong");
	});

	it("gives up with Moleculer's own error when none appears within the grace", async () => {
		const started = Date.now();
		await assert.rejects(broker.call("never.there"), Errors.ServiceNotFoundError);
		assert.ok(Date.now() - started >= DISCOVERY_GRACE_MS, "it waited the grace");
	});

	it("never sends again a call whose error is about another action further down", async () => {
		outerRuns = 0;
		await assert.rejects(broker.call("outer.run"), (error: Errors.MoleculerError) => {
			assert.equal((error.data as { action: string }).action, "never.there");
			return true;
		});
		assert.equal(outerRuns, 1, "the outer action ran once");
	});

	it("does not wait for a call aimed at one node", async () => {
		const started = Date.now();
		await assert.rejects(broker.call("never.there", {}, { nodeID: broker.nodeID }));
		assert.ok(Date.now() - started < DISCOVERY_GRACE_MS / 2);
	});
});
