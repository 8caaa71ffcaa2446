/**
 * The platforms the HTTP benchmarks run against, each as real processes started with the project's runner
 * (test/support/platform.ts spawnNode), on free ports:
 *
 * - embedded-sqlite: `npm start` as it ships (one process, SQLite, memory cacher), like startPlatform.
 * - embedded-mariadb-redis: one process, but on MariaDB and Redis like the cluster: the same stores, no
 *   transporter. The difference to the cluster is the Kafka hop (and the process boundary).
 * - cluster: one process per service (configuration, customer, vehicle, cleaner, booking, gateway+identity)
 *   over the Kafka transporter, Redis cacher and one MariaDB database per service.
 * - cluster-nats: the same over Moleculer's NATS transporter (NATS on :4222), for comparison.
 *
 * Unlike test/support/cluster.ts startCluster(), which drops the service databases and flushes Redis db 1
 * (and so would break a test run going on at the same time), these use their own namespace, their own
 * throwaway bench_* databases and Redis db 7, and a high rate limit so that a benchmark measures the
 * platform rather than its limiter.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { deleteEventTopics, grantKafkaAcls, kafkaEnv, kafkaPrincipalOf } from "../test/support/kafka.ts";
import {
	ApiClient,
	discoveredAll,
	freePort,
	spawnNode,
	startPlatform,
	stopNode,
	waitForReady,
} from "../test/support/platform.ts";
import {
	BENCH_KAFKA_URL,
	BENCH_REDIS_DB,
	benchDatabase,
	dropDatabases,
	flushBenchRedis,
	NATS_PORT,
	recreateDatabases,
} from "./lib.ts";

export const PLATFORM_KINDS = [
	"embedded-sqlite",
	"embedded-mariadb-redis",
	"cluster",
	"cluster-nats",
] as const;
export type PlatformKind = (typeof PLATFORM_KINDS)[number];

const OWNERS = ["customer", "vehicle", "cleaner", "booking", "configuration"] as const;

/** Settings every benchmark platform shares: quiet logs, demo data, a rate limit that never bites. */
const COMMON_ENV: Record<string, string> = {
	LOG_LEVEL: "warn",
	SEED_DEMO_DATA: "true",
	RATE_LIMIT_PER_MINUTE: "1000000",
};

export interface BenchProcess {
	name: string;
	services: string;
	pid: number | undefined;
	/** Health and metrics of the node (/actuator/prometheus). */
	opsUrl: string;
}

export interface BenchPlatform {
	kind: PlatformKind;
	/** Base URL of the API, e.g. http://127.0.0.1:1234/api. */
	apiUrl: string;
	client: ApiClient;
	processes: BenchProcess[];
	logDir: string;
	stop(): Promise<void>;
}

function storesEnv(prefix: string): Record<string, string> {
	return {
		CACHER_URL: `redis://127.0.0.1:6379/${BENCH_REDIS_DB}`,
		...Object.fromEntries(
			OWNERS.map((owner) => [
				`${owner.toUpperCase()}_DB_URL`,
				`mysql://root@127.0.0.1:3306/${benchDatabase(prefix, owner)}`,
			]),
		),
	};
}

const databasesOf = (prefix: string) => OWNERS.map((owner) => benchDatabase(prefix, owner));

/** startPlatform (test/support/platform.ts) in a data directory of its own, removed when it stops. */
async function embedded(kind: PlatformKind, env: Record<string, string>): Promise<BenchPlatform> {
	const dataDir = await mkdtemp(join(tmpdir(), "bench-embedded-"));
	const platform = await startPlatform({ ...COMMON_ENV, ...env }, { dataDir, readyTimeoutMs: 90_000 });
	return {
		kind,
		apiUrl: platform.baseUrl,
		client: platform,
		processes: [{ name: "embedded", services: "all", pid: platform.pid, opsUrl: platform.opsUrl }],
		logDir: dataDir,
		stop: async () => {
			await platform.stop();
			await rm(dataDir, { recursive: true, force: true });
		},
	};
}

/** A process per service, named after it; the identity provider runs beside the gateway. */
const TOPOLOGY = [
	...["configuration", "customer", "vehicle", "cleaner", "booking"].map((service) => ({
		name: service,
		services: service,
	})),
	{ name: "gateway", services: "gateway,identity" },
];

/** NATS (a machine service on :4222) instead of Kafka for the transporter: the comparison of issue 14. */
const BENCH_NATS_URL = `nats://127.0.0.1:${NATS_PORT}`;
/** Domain-event topics and groups of the bench cluster: never mixed with the tests' ones. */
const BENCH_EVENTS_PREFIX = "bench.";

async function cluster(kind: "cluster" | "cluster-nats"): Promise<BenchPlatform> {
	const prefix = "cluster";
	await recreateDatabases(databasesOf(prefix));
	await flushBenchRedis();
	await grantKafkaAcls({ namespace: "bench", eventsPrefix: BENCH_EVENTS_PREFIX });
	// The last run's events name cleaners of databases just recreated: its cleaner consumer retried each
	// of them five times, holding back newer events, and the read models figure never saw its bookings.
	await deleteEventTopics(BENCH_EVENTS_PREFIX);
	const logDir = await mkdtemp(join(tmpdir(), "bench-cluster-"));
	const [httpPort, idpPort] = [await freePort(), await freePort()];
	const common: Record<string, string> = {
		...COMMON_ENV,
		...storesEnv(prefix),
		MODE: "cluster",
		NAMESPACE: "bench",
		TRANSPORTER_URL: kind === "cluster" ? BENCH_KAFKA_URL : BENCH_NATS_URL,
		// Domain-event topics prefixed so they never mix with the tests' topics.
		EVENTS_KAFKA_URL: BENCH_KAFKA_URL,
		EVENTS_TOPIC_PREFIX: BENCH_EVENTS_PREFIX,
		DEV_IDP_PORT: String(idpPort),
		PORT: String(httpPort),
	};
	const nodes: Array<{ name: string; services: string; opsPort: number; child: ChildProcess }> = [];
	const stopAll = async () => {
		await Promise.all(nodes.map((node) => stopNode(node.child)));
	};
	try {
		// All at once, like startCluster: the first instance of each service migrates and seeds its database.
		await Promise.all(
			TOPOLOGY.map(async ({ name, services }) => {
				const opsPort = await freePort();
				const env = {
					...common,
					...kafkaEnv(kafkaPrincipalOf(services)),
					NODE_ID: `bench-${name}`,
					SERVICES: services,
					OPS_PORT: String(opsPort),
				};
				const child = spawnNode(env, join(logDir, `${name}.log`));
				nodes.push({ name, services, opsPort, child });
				await waitForReady(`http://127.0.0.1:${opsPort}/health/ready`, 120_000, child).catch(
					(error: Error) => {
						throw new Error(`${name}: ${error.message}; see ${join(logDir, `${name}.log`)}`);
					},
				);
			}),
		);
		// Ready is per node; the gateway must also have discovered every node and its services before the first
		// request (a booking sent before the gateway knew the bookings service got a 503).
		const gateway = nodes.find((node) => node.name === "gateway");
		const deadline = Date.now() + 60_000;
		for (;;) {
			const text = await (await fetch(`http://127.0.0.1:${gateway?.opsPort}/actuator/prometheus`)).text();
			if (discoveredAll(text, TOPOLOGY)) break;
			if (Date.now() > deadline) throw new Error("the gateway did not discover every node within 60 s");
			await sleep(250);
		}
	} catch (error) {
		await Promise.all(nodes.map((node) => stopNode(node.child, "SIGKILL")));
		throw error;
	}
	const client = new ApiClient(`http://127.0.0.1:${httpPort}/api`, `http://127.0.0.1:${idpPort}`);
	return {
		kind,
		apiUrl: client.baseUrl,
		client,
		processes: TOPOLOGY.map(({ name, services }) => {
			const node = nodes.find((candidate) => candidate.name === name);
			return { name, services, pid: node?.child.pid, opsUrl: `http://127.0.0.1:${node?.opsPort}` };
		}),
		logDir,
		stop: async () => {
			await stopAll();
			await flushBenchRedis();
			if (!process.argv.includes("--keep")) await dropDatabases(databasesOf(prefix));
		},
	};
}

export async function startBenchPlatform(kind: PlatformKind): Promise<BenchPlatform> {
	switch (kind) {
		case "embedded-sqlite":
			return embedded(kind, {});
		case "embedded-mariadb-redis": {
			const prefix = "embedded";
			await recreateDatabases(databasesOf(prefix));
			await flushBenchRedis();
			const platform = await embedded(kind, { ...storesEnv(prefix), NAMESPACE: "bench-embedded" });
			return {
				...platform,
				stop: async () => {
					await platform.stop();
					await flushBenchRedis();
					if (!process.argv.includes("--keep")) await dropDatabases(databasesOf(prefix));
				},
			};
		}
		case "cluster":
		case "cluster-nats":
			return cluster(kind);
	}
}

/** The process that runs the gateway. */
export function gatewayProcess(platform: BenchPlatform): BenchProcess {
	const found = platform.processes.find(
		(proc) => proc.services === "all" || proc.services.includes("gateway"),
	);
	if (!found) throw new Error("no gateway process");
	return found;
}

/**
 * A quantile of the moleculer_request_time summary (ms) for one action on one node: how long the node's
 * broker waited for the action (type="remote": the call over the transporter; "local": the handler in-process).
 * Moleculer keeps these quantiles over a sliding 60 s window.
 */
export async function actionQuantile(
	proc: BenchProcess,
	action: string,
	quantile: string,
): Promise<{ type: string; ms: number } | null> {
	const text = await (await fetch(`${proc.opsUrl}/actuator/prometheus`)).text();
	for (const line of text.split("\n")) {
		if (!line.startsWith("moleculer_request_time{")) continue;
		if (!line.includes(`action="${action}"`) || !line.includes(`quantile="${quantile}"`)) continue;
		const type = /type="([^"]*)"/.exec(line)?.[1] ?? "?";
		return { type, ms: Number(line.split(" ").at(-1)) };
	}
	return null;
}

/** A customer with a few vehicles, so that GET /vehicles reads real rows. Returns the customer's token. */
export async function customerWithVehicles(platform: BenchPlatform, count = 3): Promise<string> {
	const token = await platform.client.token("alice");
	const existing = await platform.client.api("GET", "/vehicles", { token });
	if (existing.status !== 200)
		throw new Error(`GET /vehicles: ${existing.status} ${JSON.stringify(existing.body)}`);
	for (let i = existing.body.total; i < count; i++) {
		const response = await platform.client.api("POST", "/vehicles", {
			token,
			body: {
				plate: `BENCH${i}${Date.now() % 10_000}`,
				make: "Volkswagen",
				model: "Golf",
				year: 2020,
				colour: "blue",
				sizeClass: "medium",
			},
		});
		if (response.status !== 201) {
			throw new Error(`POST /vehicles: ${response.status} ${JSON.stringify(response.body)}`);
		}
	}
	return token;
}
