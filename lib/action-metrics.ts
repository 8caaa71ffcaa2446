import Moleculer, { type Context, METRIC, type ServiceBroker } from "moleculer";
import { type KeyedMetric, registerMetricTypes } from "./metric-types.ts";

type Next = (ctx: Context) => Promise<unknown>;
interface ActionDefinition {
	name: string;
	service?: { fullName: string };
}
type MetricsMiddleware = Record<string, unknown> & {
	localAction?: (next: Next, action: ActionDefinition) => Next;
	remoteAction?: (next: Next, action: ActionDefinition) => Next;
};

/** Moleculer's built-in middlewares by name (not in its typings), which the broker adds by these names. */
const Middlewares = (Moleculer as unknown as { Middlewares: Record<string, unknown> }).Middlewares as {
	Metrics: (broker: ServiceBroker) => MetricsMiddleware;
	register(name: string, middleware: unknown): void;
};
const MoleculersMetrics = Middlewares.Metrics;

/** The labels of one action's calls from one caller, and their key (the same for the three metrics). */
interface CallSeries {
	labels: { service: string | null; action: string; caller: string | null; type: string };
	key: string;
}

/**
 * Moleculer's metrics middleware, with the same request metrics recorded cheaper. Moleculer's makes five label
 * objects per action call and hashes each (the request counter, the active gauge twice, the context level and
 * the time); here each caller's labels are made and keyed once per action, and the time is taken without
 * `process.hrtime` arrays. Every other hook (events, transit, transporter) is Moleculer's own.
 */
function actionMetricsMiddleware(this: ServiceBroker, broker: ServiceBroker): MetricsMiddleware {
	const moleculers = MoleculersMetrics.call(broker, broker);
	const metric = (name: string) => broker.metrics.getMetric(name) as unknown as KeyedMetric;

	function measured(type: "local" | "remote", action: ActionDefinition, next: Next): Next {
		const service = action.service ? action.service.fullName : null;
		const [total, active, time, levels] = [
			METRIC.MOLECULER_REQUEST_TOTAL,
			METRIC.MOLECULER_REQUEST_ACTIVE,
			METRIC.MOLECULER_REQUEST_TIME,
			METRIC.MOLECULER_REQUEST_LEVELS,
		].map(metric);
		const byCaller = new Map<string | null, CallSeries>();
		const levelKeys: string[] = [];
		const seriesOf = (caller: string | null): CallSeries => {
			let series = byCaller.get(caller);
			if (series === undefined) {
				const labels = { service, action: action.name, caller, type };
				series = { labels, key: total.hashingLabels(labels) };
				byCaller.set(caller, series);
			}
			return series;
		};
		const failed = (labels: CallSeries["labels"], error: { name?: string; code?: unknown; type?: string }) =>
			broker.metrics.increment(METRIC.MOLECULER_REQUEST_ERROR_TOTAL, {
				...labels,
				errorName: error ? error.name : null,
				errorCode: error ? error.code : null,
				errorType: error ? error.type : null,
			});

		return function metricsMiddleware(ctx: Context) {
			const { labels, key } = seriesOf(ctx.caller);
			total.add(key, labels, 1);
			active.add(key, labels, 1);
			const level = ctx.level;
			levelKeys[level] ??= levels.hashingLabels({ level });
			levels.add(levelKeys[level], { level }, 1);
			const started = performance.now();
			return next(ctx).then(
				(result) => {
					time.observeKeyed(key, labels, performance.now() - started);
					active.add(key, labels, -1);
					return result;
				},
				(error) => {
					time.observeKeyed(key, labels, performance.now() - started);
					active.add(key, labels, -1);
					failed(labels, error);
					throw error;
				},
			);
		};
	}

	return {
		...moleculers,
		name: "Metrics",
		localAction(next: Next, action: ActionDefinition) {
			return broker.isMetricsEnabled() ? measured("local", action, next) : next;
		},
		remoteAction(next: Next, action: ActionDefinition) {
			return broker.isMetricsEnabled() ? measured("remote", action, next) : next;
		},
	};
}

/**
 * The platform's metric types (lib/metric-types.ts) and its metrics middleware, in place of Moleculer's built-in
 * ones: to be called before any broker is made.
 */
export function registerFastMetrics(): void {
	registerMetricTypes();
	Middlewares.register("Metrics", actionMetricsMiddleware);
}
