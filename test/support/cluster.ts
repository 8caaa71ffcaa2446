import type { ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createConnection } from "mysql2/promise";
import { DATABASE_OWNERS, type DatabaseOwner } from "../../config/index.ts";
import { deleteEventTopics, grantKafkaAcls, KAFKA_URL, kafkaEnv, kafkaPrincipalOf } from "./kafka.ts";
import { ApiClient, discoveredAll, freePort, ROOT, spawnNode, stopNode, waitForReady } from "./platform.ts";
import { type SmtpServer, startSmtpServer } from "./smtp.ts";
import { TcpProxy } from "./tcp-proxy.ts";

const run = promisify(execFile);

/** Distinct per concurrent run on one machine: namespace, database names and cache keys derive from it. */
export const NAMESPACE = process.env.CLUSTER_TEST_ID ?? "cpit";
/** The run's domain-event topics and consumer groups are `<namespace>.booking-events` and so on. */
export const EVENTS_PREFIX = `${NAMESPACE}.`;
const DATABASES = DATABASE_OWNERS;
type Owner = DatabaseOwner;

export interface ClusterNode {
	name: string;
	services: string;
	opsPort: number;
	env: Record<string, string>;
	child: ChildProcess;
}

/** One process of a topology: its node id, the service folders it runs, and whether it serves HTTP (gateway). */
interface NodeSpec {
	name: string;
	services: string;
}

/** Which services run in which process, started in this order (second instances after the first are ready). */
const TOPOLOGY: NodeSpec[] = [
	{ name: "configuration-1", services: "configuration" },
	{ name: "customer-1", services: "customer" },
	{ name: "vehicle-1", services: "vehicle" },
	{ name: "cleaner-1", services: "cleaner" },
	{ name: "booking-1", services: "booking" },
	{ name: "notification-1", services: "notification" },
	{ name: "webhook-1", services: "webhook" },
	{ name: "gateway-1", services: "gateway,identity" },
	{ name: "cleaner-2", services: "cleaner" },
	{ name: "booking-2", services: "booking" },
];

/**
 * The webhooks nodes deliver to the tests' receiver on 127.0.0.1 over http (WEBHOOK_ALLOW_TEST_TARGETS), and
 * retry and disable fast enough for a test to watch.
 */
export const WEBHOOK_TEST_ENV = {
	WEBHOOK_ALLOW_TEST_TARGETS: "true",
	WEBHOOK_TIMEOUT_MS: "1500",
	WEBHOOK_RETRY_INITIAL_MS: "200",
	WEBHOOK_RETRY_MAX_MS: "1000",
	WEBHOOK_DISABLE_AFTER_FAILURES: "4",
	WEBHOOK_POLL_MS: "200",
	// The key partners' signing secrets are sealed under, the same for every webhook node of the run.
	WEBHOOK_SECRETS_KEY: randomBytes(32).toString("base64"),
};

/** The service folders a deployment runs as processes of their own, the gateway last. */
export const DEPLOYED_SERVICES = [
	"configuration",
	"customer",
	"vehicle",
	"cleaner",
	"booking",
	"notification",
	"webhook",
	"gateway",
];

/**
 * Two instances of every service, as a rollout needs, each gateway on its own HTTP port; the development
 * identity provider in a process of its own, since a restarted provider signs with new keys.
 */
export const EVERY_SERVICE_TWICE: NodeSpec[] = [
	{ name: "identity-1", services: "identity" },
	...DEPLOYED_SERVICES.flatMap((service) =>
		[1, 2].map((instance) => ({ name: `${service}-${instance}`, services: service })),
	),
];

export const databaseName = (owner: Owner) => `${NAMESPACE}_${owner}_db`;

function databaseUrl(owner: Owner, port: number): string {
	return `mysql://${owner}_svc:${owner}_pw@127.0.0.1:${port}/${databaseName(owner)}`;
}

/**
 * Empty databases (each granted to its service's user only, as scripts/infra.sh does for the real ones) and
 * no cached entries, so every run starts from migrations and seeds.
 */
async function resetState(): Promise<void> {
	const root = await createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
	for (const owner of DATABASES) {
		await root.query(`DROP DATABASE IF EXISTS ${databaseName(owner)}`);
		await root.query(
			`CREATE DATABASE ${databaseName(owner)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
		);
		for (const host of ["127.0.0.1", "localhost"]) {
			await root.query(`GRANT ALL PRIVILEGES ON ${databaseName(owner)}.* TO '${owner}_svc'@'${host}'`);
		}
	}
	await root.end();
	const { stdout } = await run("redis-cli", ["-n", "1", "--scan", "--pattern", `${NAMESPACE}-*`]);
	const keys = stdout.split("\n").filter(Boolean);
	if (keys.length > 0) await run("redis-cli", ["-n", "1", "DEL", ...keys]);
	await deleteEventTopics(EVENTS_PREFIX);
}

export async function infra(command: "kafka-stop" | "kafka-start"): Promise<void> {
	await run("bash", [join(ROOT, "scripts/infra.sh"), command], { timeout: 120_000 });
}

export interface Cluster extends ApiClient {
	nodes: ClusterNode[];
	/**
	 * What every node of the run is given (namespace, transporter, cacher, events, databases, Kafka's CA); a
	 * node's Kafka principal comes on top (kafkaEnv).
	 */
	env: Record<string, string>;
	logDir: string;
	/** The customer service reaches MariaDB through this proxy, so a test can cut that one service off. */
	customerDbProxy: TcpProxy;
	/** The real SMTP server (in the test process) the notification nodes send to. */
	smtp: SmtpServer;
	node(name: string): ClusterNode;
	metrics(name: string): Promise<string>;
	ready(name: string): Promise<{ status: number; body: any }>;
	kill(name: string, signal?: NodeJS.Signals): Promise<void>;
	/** SIGTERM, then a new process with the same node id, ready and discovered; the old process's exit code. */
	restart(name: string): Promise<number | null>;
	/** Starts one more node (beyond the topology) with extra environment, e.g. its own HTTP PORT. */
	addNode(name: string, services: string, env?: Record<string, string>): Promise<ClusterNode>;
	/**
	 * Waits until the gateway sees every node and both instances' actions again: after Kafka comes back, nodes
	 * dropped for missed heartbeats take several seconds to be rediscovered.
	 */
	settled(): Promise<void>;
	stop(): Promise<void>;
}

/**
 * The platform in cluster mode on the real servers: every service its own Moleculer node (process), Kafka
 * transporter, Redis cacher, one MariaDB database per service; two booking and two cleaner instances (the
 * webhooks test adds a second webhooks instance).
 * Expects `scripts/infra.sh up` to have run.
 */
export async function startCluster(
	options: { env?: Record<string, string>; topology?: NodeSpec[] } = {},
): Promise<Cluster> {
	const topology = options.topology ?? TOPOLOGY;
	await resetState();
	await grantKafkaAcls({ namespace: NAMESPACE, eventsPrefix: EVENTS_PREFIX });
	const logDir = await mkdtemp(join(tmpdir(), "cleaning-cluster-"));
	const customerDbProxy = new TcpProxy(await freePort(), { host: "127.0.0.1", port: 3306 });
	await customerDbProxy.up();
	const smtp = await startSmtpServer();
	const [httpPort, idpPort] = [await freePort(), await freePort()];
	const common: Record<string, string> = {
		MODE: "cluster",
		NAMESPACE,
		TRANSPORTER_URL: KAFKA_URL,
		CACHER_URL: "redis://127.0.0.1:6379/1",
		SEED_DEMO_DATA: "true",
		REQUEST_TIMEOUT_MS: "5000",
		DEV_IDP_PORT: String(idpPort),
		PORT: String(httpPort),
		EVENTS_KAFKA_URL: KAFKA_URL,
		EVENTS_TOPIC_PREFIX: EVENTS_PREFIX,
		SMTP_URL: smtp.url,
		MAIL_POLL_MS: "200",
		MAIL_RETRY_BASE_MS: "200",
		...WEBHOOK_TEST_ENV,
		...Object.fromEntries(
			DATABASES.map((owner) => [
				`${owner.toUpperCase()}_DB_URL`,
				databaseUrl(owner, owner === "customer" ? customerDbProxy.port : 3306),
			]),
		),
		...options.env,
	};

	const nodes: ClusterNode[] = [];
	const launch = async (
		name: string,
		services: string,
		opsPort?: number,
		extra: Record<string, string> = {},
	) => {
		const port = opsPort ?? (await freePort());
		const env = {
			...common,
			...kafkaEnv(kafkaPrincipalOf(services)),
			...extra,
			NODE_ID: name,
			SERVICES: services,
			OPS_PORT: String(port),
		};
		const child = spawnNode(env, join(logDir, `${name}.log`));
		await waitForReady(`http://127.0.0.1:${port}/health/ready`, 180_000, child).catch(
			async (error: Error) => {
				await stopNode(child, "SIGKILL");
				throw new Error(`${name}: ${error.message}; see ${join(logDir, `${name}.log`)}`);
			},
		);
		return { name, services, opsPort: port, env, child };
	};

	try {
		// The first instance of each service runs the migrations and seeds; the rest start when it is ready.
		// Every gateway after the first serves HTTP on a port of its own.
		const ownHttpPort = async (n: NodeSpec): Promise<Record<string, string>> =>
			n.services.includes("gateway") && n.name !== "gateway-1" ? { PORT: String(await freePort()) } : {};
		const firsts = topology.filter((n) => n.name.endsWith("-1"));
		nodes.push(
			...(await Promise.all(
				firsts.map(async (n) => launch(n.name, n.services, undefined, await ownHttpPort(n))),
			)),
		);
		const seconds = topology.filter((n) => !n.name.endsWith("-1"));
		nodes.push(
			...(await Promise.all(
				seconds.map(async (n) => launch(n.name, n.services, undefined, await ownHttpPort(n))),
			)),
		);
	} catch (error) {
		await Promise.all(nodes.map((n) => stopNode(n.child, "SIGKILL")));
		await customerDbProxy.down();
		await smtp.stop();
		throw error;
	}

	const metricsOf = async (name: string) => {
		const node = nodes.find((n) => n.name === name);
		return (await fetch(`http://127.0.0.1:${node?.opsPort}/actuator/prometheus`)).text();
	};
	const gateways = topology.filter((n) => n.services.includes("gateway")).map((n) => n.name);
	/** Ready is per node; every gateway also has to have discovered every node before tests go on. */
	const waitForDiscovery = async () => {
		const deadline = Date.now() + 60_000;
		const discoveredBy = async (gateway: string) => discoveredAll(await metricsOf(gateway), topology);
		while (Date.now() < deadline) {
			if ((await Promise.all(gateways.map(discoveredBy))).every(Boolean)) return;
			await sleep(250);
		}
		throw new Error("the gateways did not discover every node within 60 s");
	};
	await waitForDiscovery();

	const client = new ApiClient(`http://127.0.0.1:${httpPort}/api`, `http://127.0.0.1:${idpPort}`);
	const byName = (name: string) => {
		const node = nodes.find((n) => n.name === name);
		if (!node) throw new Error(`no node ${name}`);
		return node;
	};
	return Object.assign(client, {
		nodes,
		env: common,
		logDir,
		customerDbProxy,
		smtp,
		node: byName,
		metrics: metricsOf,
		ready: async (name: string) => {
			const response = await fetch(`http://127.0.0.1:${byName(name).opsPort}/health/ready`, {
				signal: AbortSignal.timeout(3000),
			});
			return { status: response.status, body: await response.json() };
		},
		kill: async (name: string, signal: NodeJS.Signals = "SIGKILL") => {
			await stopNode(byName(name).child, signal);
		},
		restart: async (name: string) => {
			const node = byName(name);
			const exitCode = await stopNode(node.child, "SIGTERM");
			const fresh = await launch(node.name, node.services, node.opsPort, node.env);
			node.child = fresh.child;
			await waitForDiscovery();
			return exitCode;
		},
		addNode: async (name: string, services: string, env: Record<string, string> = {}) => {
			const node = await launch(name, services, undefined, env);
			nodes.push(node);
			await waitForDiscovery();
			return node;
		},
		settled: waitForDiscovery,
		stop: async () => {
			await Promise.all(nodes.map((n) => stopNode(n.child)));
			await customerDbProxy.down();
			await smtp.stop();
		},
	}) as Cluster;
}
