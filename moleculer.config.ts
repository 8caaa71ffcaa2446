import { flushCompileCache } from "node:module";
import type { BrokerOptions, ServiceBroker, TransporterConfig } from "moleculer";
import pino from "pino";
import { config } from "./config/index.ts";
import { registerFastMetrics } from "./lib/action-metrics.ts";
import { AwaitDiscoveryMiddleware } from "./lib/await-discovery.middleware.ts";
import { checkEventBusAccess, closeEventBus } from "./lib/events/bus.ts";
import { CoalescingKafkaTransporter } from "./lib/kafka-transporter.ts";
import { logContextFields, RequestLogMiddleware } from "./lib/log-context.ts";
import { NodeMetricsMiddleware } from "./lib/node-metrics.middleware.ts";
import { NullAwareValidator } from "./lib/null-aware-validator.ts";
import { OpsEndpointReporter } from "./lib/ops-endpoint.ts";
import { redisConnection } from "./lib/redis-connection.ts";
import { FAIL_FAST_REDIS, ResilientRedisCacher } from "./lib/resilient-redis-cacher.ts";
import { RetryElsewhereStrategy } from "./lib/retry-elsewhere.strategy.ts";
import { StaleSafeMemoryCacher } from "./lib/stale-safe-cacher.ts";
import { TransportFailureMiddleware } from "./lib/transport-failure.middleware.ts";
import { OPS_COMMANDS } from "./ops/commands.ts";

function transporterFor(url: string): CoalescingKafkaTransporter | TransporterConfig {
	// NATS only for the benchmark's comparison of transporters.
	if (url.startsWith("nats:")) return { type: "NATS", options: { url } };
	const host = new URL(url).host;
	const { sasl } = config.kafkaSecurity;
	const connection = `Kafka transporter (${host}${sasl === null ? "" : ` as ${sasl.username}`})`;
	return new CoalescingKafkaTransporter(connection, {
		bootstrapBrokers: [host],
		clientId: config.nodeId,
		// A stable group per node: restarts reuse it instead of leaving a new empty group behind each time.
		// The transporter consumes from the latest offset, so a restarted node never replays old requests.
		// Short session: after a crash, the restarted node's consumer takes over its group within seconds.
		producer: kafkaClientSecurity(),
		admin: kafkaClientSecurity(),
		consumer: {
			...kafkaClientSecurity(),
			// Named like its topics (MOL-<namespace>.…), so that one ACL prefix covers everything of the transporter.
			groupId: `MOL-${config.namespace}.${config.nodeId}`,
			sessionTimeout: 10_000,
			rebalanceTimeout: 10_000,
			heartbeatInterval: 1_000,
			// The client's default (3 retries, 1 s apart) ends the consumer stream for good when Kafka is away
			// for more than a few seconds, and the transporter never restarts it: the node would stay deaf.
			retries: true,
		},
	});
}

/** TLS and SASL for every client of the transporter (platformatic/kafka takes them per client). */
function kafkaClientSecurity(): Record<string, unknown> {
	const { tls, sasl } = config.kafkaSecurity;
	return {
		...(tls === null ? {} : { tls }),
		...(sasl === null
			? {}
			: {
					sasl: { mechanism: sasl.mechanism.toUpperCase(), username: sasl.username, password: sasl.password },
				}),
	};
}

registerFastMetrics();

/**
 * The one broker configuration for every node, in both modes. Everything comes from config/ (validated
 * environment variables); nothing here reads process.env.
 */
const brokerConfig: BrokerOptions = {
	namespace: config.namespace,
	nodeID: config.nodeId,
	metadata: { mode: config.mode, services: config.services },

	logger: {
		type: "Pino",
		options: {
			level: config.logLevel,
			pino: {
				// Every line written while a request is handled names it (requestId, traceId): lib/log-context.ts.
				options: { base: { node: config.nodeId }, mixin: logContextFields },
				// On an ops node stdout belongs to the REPL.
				destination: config.role === "ops" ? pino.destination(2) : undefined,
			},
		},
	},
	logLevel: config.logLevel,

	transporter: config.transporter === null ? null : transporterFor(config.transporter),
	// A deliberate timeout: the framework default (0) would let a call to a dead node hang forever.
	requestTimeout: config.requestTimeoutMs,
	// No blind retries: a retried booking could run twice. Retries are opt-in per call (the gateway retries
	// reads once); writes are idempotent by key instead, and clients retry them with their Idempotency-Key.
	retryPolicy: {
		enabled: true,
		retries: 0,
		delay: 100,
		maxDelay: 1000,
		factor: 2,
		check: (error: Error) => (error as { retryable?: boolean }).retryable === true,
	},
	circuitBreaker: {
		enabled: true,
		threshold: 0.5,
		minRequestCount: 20,
		windowTime: 60,
		halfOpenTime: 10_000,
	},
	// On SIGTERM a node first withdraws its services (an empty INFO packet) and fails its readiness probe, then
	// goes on serving for the drain delay while the other nodes and the Ingress stop sending to it; only then does
	// it refuse new calls, finish those under way (tracking) and say goodbye. docs/deployment.md, "Rollouts".
	registry: { strategy: RetryElsewhereStrategy, preferLocal: true, stopDelay: config.drainDelayMs },
	// A node that vanished without saying goodbye (SIGKILL, lost pod) is dropped from the registry within about
	// 5 s: before the first request sent to it times out, so the gateway's retry of a read lands on a live node.
	heartbeatInterval: 1,
	heartbeatTimeout: 4,

	cacher:
		config.cacher.kind === "redis"
			? new ResilientRedisCacher({
					prefix: `${config.namespace}-cache`,
					ttl: config.cacheTtlSeconds,
					redis: { ...redisConnection(config.cacher.url, config.cacher.tls), ...FAIL_FAST_REDIS },
				})
			: new StaleSafeMemoryCacher({ ttl: config.cacheTtlSeconds }),

	// Finish in-flight requests on SIGTERM before the services stop.
	tracking: { enabled: true, shutdownTimeout: 10_000 },

	metrics: {
		enabled: true,
		// No sliding-window quantiles on Moleculer's own histograms (request and event times): they cost a sorted
		// insert per call on every node, and the dashboards and alerts read the buckets (histogram_quantile).
		defaultQuantiles: null as unknown as number[],
		// A reporter instance (not a name) so that the extended class serves the health endpoints too.
		reporter: [
			new OpsEndpointReporter({ port: config.opsPort, path: "/actuator/prometheus" }) as unknown as {
				type: "Prometheus";
			},
		],
	},

	// Spans of every action call, exported to Zipkin when ZIPKIN_URL is set (cluster mode: a request that
	// crosses four nodes is one trace). The trace id is the request id, so logs and traces meet.
	tracing:
		config.zipkinUrl === null
			? { enabled: false }
			: {
					enabled: true,
					exporter: [{ type: "Zipkin", options: { baseURL: config.zipkinUrl, interval: 2 } }],
					// Moleculer tags every span with the call's params by default: they hold personal data (e-mail
					// addresses, phone numbers, addresses). Spans carry names, ids, nodes, timings and error codes.
					tags: { action: { params: false, meta: false }, event: { params: false, meta: false } },
					// Nor an error's data: a validation error's holds the refused value itself. Five names: Moleculer
					// merges this list into its default (name, message, code, type, data) index by index, so a
					// shorter one would get `data` back.
					errorFields: ["name", "message", "code", "type", "retryable"],
				},

	validator: new NullAwareValidator(),
	middlewares: [
		AwaitDiscoveryMiddleware,
		TransportFailureMiddleware,
		NodeMetricsMiddleware,
		RequestLogMiddleware,
		// Before the transporter connects: a refused Kafka password or certificate stops the node at once.
		{ name: "EventBusAccess", starting: (broker: ServiceBroker) => checkEventBusAccess(broker.logger) },
	],

	// Ops at the REPL (`npm run ops`, `npm run repl`): outbox, consumers, dlq, settings, bookings, cache, webhooks.
	replOptions: { customCommands: OPS_COMMANDS, delimiter: config.role === "ops" ? "ops $" : "mol $" },

	async started(broker) {
		const api = config.services.includes("gateway")
			? `, API on http://localhost:${config.http.port}/api`
			: "";
		broker.logger.info(
			`Cleaning Platform node ${config.nodeId} (${config.mode} mode) on Node ${process.version}: ` +
				`services ${config.services.join(", ")}${api}, health and metrics on http://localhost:${config.opsPort}`,
		);
		// Node writes its compile cache (lib/compile-cache.mjs) only at a clean exit: written now, the next start
		// after a crash, an OOM kill or a SIGKILL loads the modules already stripped and compiled too.
		flushCompileCache();
	},

	// After the services stopped their relay and consumers: the domain-event producer goes last.
	async stopped() {
		await closeEventBus();
	},
};

export default brokerConfig;
