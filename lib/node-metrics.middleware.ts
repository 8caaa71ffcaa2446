import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Middleware, ServiceBroker } from "moleculer";

const EVENT_LOOP_METRICS = {
	p50: "nodejs_eventloop_delay_p50_seconds",
	p99: "nodejs_eventloop_delay_p99_seconds",
	max: "nodejs_eventloop_delay_max_seconds",
} as const;
/** Each sample covers the delays since the previous one. */
const SAMPLE_MS = 5_000;
/** The sampling timer's period: node reports the time between its ticks, the delay is what exceeds it. */
const RESOLUTION_MS = 10;
const delaySeconds = (nanoseconds: number) => Math.max(0, nanoseconds / 1e9 - RESOLUTION_MS / 1000);

/**
 * Event-loop delay on every node (Moleculer 0.15 dropped its own lag metric): percentiles of the delays
 * node:perf_hooks measured over the last 5 s. A busy loop delays every request of the node.
 */
function nodeMetricsMiddleware(): Middleware {
	const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
	let timer: NodeJS.Timeout | undefined;
	return {
		name: "NodeMetrics",
		created(broker: ServiceBroker) {
			for (const [quantile, name] of Object.entries(EVENT_LOOP_METRICS)) {
				broker.metrics.register({
					type: "gauge",
					name,
					unit: "seconds",
					description: `Event-loop delay, ${quantile} over the last ${SAMPLE_MS / 1000} s`,
				});
			}
		},
		started(broker: ServiceBroker) {
			histogram.enable();
			timer = setInterval(() => {
				broker.metrics.set(EVENT_LOOP_METRICS.p50, delaySeconds(histogram.percentile(50)));
				broker.metrics.set(EVENT_LOOP_METRICS.p99, delaySeconds(histogram.percentile(99)));
				broker.metrics.set(EVENT_LOOP_METRICS.max, delaySeconds(histogram.max));
				histogram.reset();
			}, SAMPLE_MS);
			timer.unref();
		},
		stopped() {
			clearInterval(timer);
			histogram.disable();
		},
	} as unknown as Middleware;
}

/** Moleculer calls a middleware given as a function once per broker: each broker gets its own state. */
export const NodeMetricsMiddleware = nodeMetricsMiddleware as unknown as Middleware;
