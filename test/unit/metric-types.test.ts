import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MetricRegistry, ServiceBroker } from "moleculer";
import { registerFastMetrics } from "../../lib/action-metrics.ts";
import { registerMetricTypes } from "../../lib/metric-types.ts";

/** The same changes to every type of metric, as the platform makes them (labels with nulls, numbers, none). */
function record(metrics: MetricRegistry): string {
	// One overload per metric type: each definition is one of them.
	const register = (definition: object) =>
		metrics.register(definition as MetricRegistry.CounterMetricOptions);
	register({
		type: "histogram",
		name: "seconds",
		labelNames: ["route", "status_class"],
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
		rate: true,
	});
	register({ type: "histogram", name: "ms", labelNames: ["action", "caller"], buckets: true });
	register({ type: "histogram", name: "no_buckets", quantiles: [0.5, 0.99] });
	register({ type: "counter", name: "total", labelNames: ["action", "caller", "level"], rate: true });
	register({ type: "gauge", name: "active", labelNames: ["action", "caller"] });
	for (let i = 0; i < 2_000; i++) {
		const caller = i % 3 === 0 ? null : "gateway";
		metrics.observe("seconds", (i % 700) / 1000, {
			route: "/api/services",
			status_class: `${2 + (i % 3)}xx`,
		});
		metrics.observe("ms", (i % 997) / 7, { action: "catalog.list", caller });
		metrics.observe("no_buckets", i % 11);
		metrics.increment("total", { action: "catalog.list", caller, level: i % 2 });
		metrics.increment("active", { action: "catalog.list", caller });
		if (i % 5 !== 0) metrics.decrement("active", { action: "catalog.list", caller });
	}
	metrics.set("active", 7, { action: "other" });
	metrics.increment("total", undefined, 3);
	metrics.getMetric("ms")?.reset({ action: "catalog.list", caller: null });
	const snapshots = ["seconds", "ms", "no_buckets", "total", "active"].map((name) =>
		((metrics.getMetric(name)?.snapshot() ?? []) as unknown as Array<Record<string, unknown>>).map(
			(item) => ({
				...item,
				timestamp: undefined,
			}),
		),
	);
	return JSON.stringify(snapshots);
}

const newMetrics = () =>
	new ServiceBroker({
		logger: false,
		metrics: { enabled: true, defaultQuantiles: null as unknown as number[] },
	}).metrics;

describe("metric types", () => {
	it("keep Moleculer's values and snapshots", () => {
		const moleculers = record(newMetrics());
		registerMetricTypes();
		assert.equal(record(newMetrics()), moleculers);
	});

	it("keep a counter from going down", () => {
		registerMetricTypes();
		const metrics = newMetrics();
		metrics.register({ type: "counter", name: "total" } as MetricRegistry.CounterMetricOptions);
		assert.throws(() => metrics.decrement("total"), /can't be decreased/);
	});
});

const REQUEST_METRICS = ["total", "active", "error.total", "levels", "time"].map(
	(name) => `moleculer.request.${name}`,
);

/** A broker's request metrics; the times themselves differ from run to run, their count and labels do not. */
function requestMetrics(broker: ServiceBroker): string {
	const snapshots = REQUEST_METRICS.map((name) =>
		((broker.metrics.getMetric(name)?.snapshot() ?? []) as unknown as Array<Record<string, unknown>>).map(
			({ key, labels, value, count }) => ({ key, labels, value, count }),
		),
	);
	return JSON.stringify(snapshots);
}

/**
 * Calls of an action, local (from no caller and from another action) and remote (from a second node over
 * Moleculer's in-process transporter), answered and failed; the metrics of both nodes.
 */
async function callMetrics(namespace: string): Promise<string[]> {
	const nodes = ["node-1", "node-2"].map(
		(nodeID) =>
			new ServiceBroker({
				logger: false,
				nodeID,
				namespace,
				transporter: "Fake",
				metrics: { enabled: true, defaultQuantiles: null as unknown as number[] },
			}),
	);
	const [owner, caller] = nodes;
	owner.createService({
		name: "items",
		actions: {
			get: (ctx) => {
				if (ctx.params.fail) throw new Error("refused");
				return { id: 1 };
			},
			twice: (ctx) => Promise.all([ctx.call("items.get"), ctx.call("items.get")]),
		},
	});
	await Promise.all(nodes.map((node) => node.start()));
	await caller.waitForServices("items");
	for (let i = 0; i < 5; i++) await owner.call("items.get");
	await owner.call("items.twice");
	await assert.rejects(owner.call("items.get", { fail: true }));
	for (let i = 0; i < 3; i++) await caller.call("items.get");
	await assert.rejects(caller.call("items.get", { fail: true }));
	const metrics = nodes.map(requestMetrics);
	await Promise.all(nodes.map((node) => node.stop()));
	return metrics;
}

describe("action metrics", () => {
	it("count and time action calls as Moleculer's middleware does", async () => {
		const moleculers = await callMetrics("metrics-moleculer");
		registerFastMetrics();
		const ours = await callMetrics("metrics-ours");
		assert.deepEqual(ours, moleculers);
		assert.match(ours[0], /"action":"items.get","type":"local","caller":"items"\},"value":2/);
		assert.match(ours[1], /"action":"items.get","type":"remote","caller":null\},"value":4/);
	});
});
