import type { MetricRegistry } from "moleculer";

type MetricDefinition =
	| MetricRegistry.CounterMetricOptions
	| MetricRegistry.GaugeMetricOptions
	| MetricRegistry.HistogramMetricOptions;

/**
 * Registers each metric the registry does not hold yet. A broker's services (and every instance of a class
 * such as the outbox relay) share one registry, so the one to come second finds its metrics there.
 */
export function ensureMetrics(metrics: MetricRegistry, ...definitions: MetricDefinition[]): void {
	for (const definition of definitions) {
		// One overload per metric type: the union is the same call.
		if (!metrics.getMetric(definition.name))
			metrics.register(definition as MetricRegistry.CounterMetricOptions);
	}
}
