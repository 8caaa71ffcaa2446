import type { Logger, MetricRegistry } from "moleculer";
import { ensureMetrics } from "../metrics.ts";
import type { EventBus } from "./bus.ts";
import { deadLetterTopic } from "./contract.ts";

export const LAG_METRICS = {
	lag: "domain_events_consumer_lag",
	dlqDepth: "domain_events_dlq_depth",
} as const;
/** How often each consumer node asks Kafka where its group stands. */
const SAMPLE_MS = 15_000;

function register(metrics: MetricRegistry): void {
	ensureMetrics(
		metrics,
		{
			type: "gauge",
			name: LAG_METRICS.lag,
			labelNames: ["group", "topic", "partition"],
			description: "Records of the topic partition the consumer group has not committed yet",
		},
		{
			type: "gauge",
			name: LAG_METRICS.dlqDepth,
			labelNames: ["topic"],
			description:
				"Records held in the topic's dead-letter topic (listed, re-driven and purged from the ops REPL)",
		},
	);
}

/**
 * Measures the group's lag per partition and the depth of its topics' dead-letter topics, from Kafka's own
 * offsets, so that a stuck or dead consumer shows as growing lag. Every member reports the same figures
 * (dashboards and alerts take the max per group). Nothing to measure on a bus without groups (embedded).
 * Returns the function that stops it.
 */
export function monitorGroup(
	bus: EventBus,
	metrics: MetricRegistry,
	logger: Logger,
	group: string,
	topics: readonly string[],
): () => void {
	if (!bus.groupStatus || !bus.depth) return () => {};
	register(metrics);
	let warned = false;
	const sample = async () => {
		try {
			const status = await bus.groupStatus?.(group, topics);
			for (const { topic, partition, lag } of status?.partitions ?? []) {
				metrics.set(LAG_METRICS.lag, lag, { group, topic, partition: String(partition) });
			}
			for (const topic of topics) {
				metrics.set(LAG_METRICS.dlqDepth, (await bus.depth?.(deadLetterTopic(topic))) ?? 0, { topic });
			}
			warned = false;
		} catch (error) {
			// The consumer reports the outage itself (readiness); one line here is enough.
			if (!warned) logger.warn(`Consumer lag of ${group} not measured: ${(error as Error).message}`);
			warned = true;
		}
	};
	const timer = setInterval(sample, SAMPLE_MS);
	timer.unref();
	void sample();
	return () => clearInterval(timer);
}
