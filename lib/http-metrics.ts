import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger, MetricRegistry } from "moleculer";
import { traceIdOf } from "./log-context.ts";
import { ensureMetrics } from "./metrics.ts";

export const HTTP_METRIC = "http_server_requests_seconds";

/** Seconds; the API's latency objective (docs/operations.md) sits on the 0.5 s bucket. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type RoutedRequest = IncomingMessage & {
	$alias?: { method?: string; fullPath?: string };
	$ctx?: { requestID?: string | null };
};

/** Once per gateway, before its first request. */
export function registerHttpMetrics(metrics: MetricRegistry): void {
	ensureMetrics(metrics, {
		type: "histogram",
		name: HTTP_METRIC,
		labelNames: ["route", "method", "status_class"],
		buckets: BUCKETS,
		unit: "seconds",
		description: "HTTP requests served by the gateway, by route template, method and status class",
	});
}

/**
 * Times one HTTP request of the gateway, labelled by route template (`/api/bookings/:id`, never the raw path,
 * so ids never become labels), method and status class; a request that matched no route counts as
 * `unmatched`. Called first thing for every request, so answers the gateway gives before routing (413, 404)
 * count too. It is also the gateway's access log line (`accessLog`, null when the gateway logs no info lines):
 * the route template, never the URL, whose path and query can hold personal data (`/api/customers?q=<e-mail>`).
 */
export function observeHttpRequest(
	metrics: MetricRegistry,
	accessLog: Logger | null,
	req: RoutedRequest,
	res: ServerResponse,
): void {
	const started = process.hrtime.bigint();
	res.once("finish", () => {
		const seconds = Number(process.hrtime.bigint() - started) / 1e9;
		const route = req.$alias?.fullPath ?? "unmatched";
		const method = req.method ?? "UNKNOWN";
		metrics.observe(HTTP_METRIC, seconds, {
			route,
			method,
			status_class: `${Math.floor(res.statusCode / 100)}xx`,
		});
		if (accessLog === null) return;
		const requestId = req.$ctx?.requestID ?? undefined;
		accessLog.info(
			{
				route,
				method,
				status: res.statusCode,
				ms: Math.round(seconds * 1000),
				requestId,
				traceId: requestId && traceIdOf(requestId),
			},
			"HTTP request",
		);
	});
}
