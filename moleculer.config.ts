import type { BrokerOptions, TransporterConfig } from "moleculer";
import { config } from "./config/index.ts";
import { OpsEndpointReporter } from "./lib/ops-endpoint.ts";

function kafkaTransporter(url: string): TransporterConfig {
	return { type: "Kafka", options: { bootstrapBrokers: [new URL(url).host], clientId: config.nodeId } };
}

function redisOptions(url: string): Record<string, unknown> {
	const parsed = new URL(url);
	return {
		host: parsed.hostname,
		port: Number(parsed.port || 6379),
		password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
		db: Number(parsed.pathname.slice(1) || 0),
	};
}

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
		options: { level: config.logLevel, pino: { options: { base: { node: config.nodeId } } } },
	},
	logLevel: config.logLevel,

	transporter: config.transporter === null ? null : kafkaTransporter(config.transporter),
	// A deliberate timeout: the framework default (0) would let a call to a dead node hang forever.
	requestTimeout: config.requestTimeoutMs,
	// No blind retries: a retried booking could run twice. Writes are idempotent by key instead, and the
	// caller (the app) retries with its Idempotency-Key.
	retryPolicy: { enabled: false },
	circuitBreaker: {
		enabled: true,
		threshold: 0.5,
		minRequestCount: 20,
		windowTime: 60,
		halfOpenTime: 10_000,
	},
	registry: { strategy: "RoundRobin", preferLocal: true },
	heartbeatInterval: 5,
	heartbeatTimeout: 15,

	cacher:
		config.cacher.kind === "redis"
			? {
					type: "Redis",
					options: {
						prefix: `${config.namespace}-cache`,
						ttl: config.cacheTtlSeconds,
						redis: redisOptions(config.cacher.url),
					},
				}
			: { type: "Memory", options: { ttl: config.cacheTtlSeconds, clone: true } },

	// Finish in-flight requests on SIGTERM before the services stop.
	tracking: { enabled: true, shutdownTimeout: 10_000 },

	metrics: {
		enabled: true,
		// A reporter instance (not a name) so that the extended class serves the health endpoints too.
		reporter: [
			new OpsEndpointReporter({ port: config.opsPort, path: "/actuator/prometheus" }) as unknown as {
				type: "Prometheus";
			},
		],
	},

	validator: true,

	async started(broker) {
		const api = config.services.includes("gateway") ? `, API on http://localhost:${config.http.port}/api` : "";
		broker.logger.info(
			`Cleaning Platform node ${config.nodeId} (${config.mode} mode) on Node ${process.version}: ` +
				`services ${config.services.join(", ")}${api}, health and metrics on http://localhost:${config.opsPort}`,
		);
	},
};

export default brokerConfig;
