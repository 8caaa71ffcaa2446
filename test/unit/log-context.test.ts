import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type Context, ServiceBroker } from "moleculer";
import { type LogContext, logContextFields, RequestLogMiddleware, traceIdOf } from "../../lib/log-context.ts";

describe("the request's log context (lib/log-context.ts)", () => {
	const broker = new ServiceBroker({ logger: false, middlewares: [RequestLogMiddleware] });
	const seenByEvent: Array<Partial<LogContext>> = [];
	broker.createService({
		name: "outer",
		actions: {
			async handle(ctx: Context<{ pauseMs: number }>) {
				const before = logContextFields();
				await sleep(ctx.params.pauseMs);
				const inner = await ctx.call<Partial<LogContext>>("inner.fields");
				ctx.emit("fields.seen");
				return { before, inner, after: logContextFields() };
			},
			/** A request of its own started while handling this one (a job it hands off). */
			async startJob(this: { broker: ServiceBroker }) {
				return this.broker.call("inner.fields", {}, { requestID: "job" });
			},
		},
	});
	broker.createService({
		name: "inner",
		actions: { fields: async () => logContextFields() },
		events: {
			"fields.seen"() {
				seenByEvent.push(logContextFields());
			},
		},
	});
	before(() => broker.start());
	after(() => broker.stop());

	it("names the request in its action, the actions it calls and the events it emits, and nothing outside", async () => {
		const answer = await broker.call<Record<string, Partial<LogContext>>, { pauseMs: number }>(
			"outer.handle",
			{ pauseMs: 0 },
			{ requestID: "8b0e4f5a-1c2d-4e3f-9a8b-7c6d5e4f3a2b" },
		);
		const expected = { requestId: "8b0e4f5a-1c2d-4e3f-9a8b-7c6d5e4f3a2b", traceId: "8b0e4f5a1c2d4e3f" };
		assert.deepEqual(answer, { before: expected, inner: expected, after: expected });
		await sleep(20);
		assert.deepEqual(seenByEvent.at(-1), expected);
		assert.deepEqual(logContextFields(), {});
	});

	it("names a request started while handling another after itself", async () => {
		const job = await broker.call<Partial<LogContext>, object>("outer.startJob", {}, { requestID: "outer" });
		assert.equal(job.requestId, "job");
	});

	it("keeps two requests under way at once apart", async () => {
		const [slow, fast] = await Promise.all([
			broker.call<Record<string, Partial<LogContext>>, { pauseMs: number }>(
				"outer.handle",
				{ pauseMs: 30 },
				{ requestID: "slow" },
			),
			broker.call<Record<string, Partial<LogContext>>, { pauseMs: number }>(
				"outer.handle",
				{ pauseMs: 0 },
				{ requestID: "fast" },
			),
		]);
		for (const fields of Object.values(slow)) assert.equal(fields.requestId, "slow");
		for (const fields of Object.values(fast)) assert.equal(fields.requestId, "fast");
		assert.equal(traceIdOf("slow"), "slow");
	});
});
