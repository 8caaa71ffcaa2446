/**
 * Issue 5: latency of one gateway → service call over the Kafka transporter, against the same call inside
 * one process, plus the resident memory of every process.
 *
 * Each platform (bench/platforms.ts) gets N sequential requests of each kind, interleaved so that both kinds
 * see the same background noise:
 *   GET /api/services   anonymous; catalog.list, cached in the cacher: gateway → booking service and back,
 *                       mostly transport (in the cluster: two Kafka messages and a Redis GET).
 *   GET /api/vehicles   with a customer's bearer token; vehicles.list reads the vehicle database (token check,
 *                       rate limiter, one action call, one query).
 * Latency is measured by the client (keep-alive HTTP on loopback), one request in flight at a time.
 *
 *   node bench/transport-latency.ts                       all three platforms, N=1000
 *   node bench/transport-latency.ts --n=300 --platforms=cluster,embedded-sqlite
 *
 * Needs `bash scripts/infra.sh up` (Kafka on 127.0.0.1:9092, MariaDB, Redis) for all but embedded-sqlite.
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
	argNumber,
	argString,
	describeMachine,
	HttpClient,
	kafkaPid,
	type LatencyStats,
	latencyStats,
	machineInfo,
	now,
	printJson,
	processMemory,
	table,
} from "./lib.ts";
import {
	actionQuantile,
	type BenchPlatform,
	customerWithVehicles,
	gatewayProcess,
	PLATFORM_KINDS,
	type PlatformKind,
	startBenchPlatform,
} from "./platforms.ts";

interface Endpoint {
	name: string;
	path: string;
	action: string;
	authenticated: boolean;
}

const ENDPOINTS: Endpoint[] = [
	{
		name: "GET /api/services (anonymous, cached)",
		path: "/services",
		action: "catalog.list",
		authenticated: false,
	},
	{
		name: "GET /api/vehicles (token, DB read)",
		path: "/vehicles",
		action: "vehicles.list",
		authenticated: true,
	},
];

interface EndpointResult {
	endpoint: string;
	stats: LatencyStats;
	/** The gateway broker's own view of the action call (moleculer_request_time, last 60 s incl. warm-up). */
	gatewayView: { type: string; p50Ms: number; p99Ms: number } | null;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

interface PlatformResult {
	platform: PlatformKind;
	startupSeconds: number;
	endpoints: EndpointResult[];
	memory: Array<{
		process: string;
		services: string;
		pid: number | undefined;
		rssMiB: number | null;
		peakRssMiB: number | null;
	}>;
	totalRssMiB: number;
}

async function measure(platform: BenchPlatform, n: number, warmup: number): Promise<EndpointResult[]> {
	const token = await customerWithVehicles(platform);
	const http = new HttpClient(platform.apiUrl, 4);
	const samples = ENDPOINTS.map(() => [] as number[]);
	try {
		for (let i = 0; i < warmup + n; i++) {
			for (const [index, endpoint] of ENDPOINTS.entries()) {
				const headers: Record<string, string> = endpoint.authenticated
					? { Authorization: `Bearer ${token}` }
					: {};
				const start = now();
				const response = await http.get(endpoint.path, headers);
				const elapsed = now() - start;
				if (response.status !== 200) throw new Error(`${endpoint.name}: HTTP ${response.status}`);
				if (i >= warmup) samples[index].push(elapsed);
			}
		}
	} finally {
		http.close();
	}
	const gateway = gatewayProcess(platform);
	return Promise.all(
		ENDPOINTS.map(async (endpoint, index) => {
			const p50 = await actionQuantile(gateway, endpoint.action, "0.5");
			const p99 = await actionQuantile(gateway, endpoint.action, "0.99");
			return {
				endpoint: endpoint.name,
				stats: latencyStats(samples[index]),
				gatewayView: p50 && p99 ? { type: p50.type, p50Ms: round3(p50.ms), p99Ms: round3(p99.ms) } : null,
			};
		}),
	);
}

async function main(): Promise<void> {
	const n = argNumber("n", 1000);
	const warmup = argNumber("warmup", 100);
	const kinds = argString("platforms", PLATFORM_KINDS.join(",")).split(",") as PlatformKind[];
	for (const kind of kinds) {
		if (!PLATFORM_KINDS.includes(kind))
			throw new Error(`unknown platform ${kind} (known: ${PLATFORM_KINDS.join(", ")})`);
	}
	const machine = await machineInfo();
	console.log(
		`Gateway → service latency benchmark (issue 5): ${n} sequential requests per endpoint and platform`,
	);
	console.log(describeMachine(machine));

	const results: PlatformResult[] = [];
	for (const kind of kinds) {
		const startupStart = now();
		process.stderr.write(`starting ${kind}...\n`);
		const platform = await startBenchPlatform(kind);
		const startupSeconds = Math.round((now() - startupStart) / 100) / 10;
		try {
			// Let start-up work (migrations, seeding, Kafka group joins) settle before measuring.
			await sleep(2000);
			process.stderr.write(`measuring ${kind}...\n`);
			const endpoints = await measure(platform, n, warmup);
			const memory = platform.processes.map((proc) => {
				const mem = processMemory(proc.pid);
				return {
					process: proc.name,
					services: proc.services,
					pid: proc.pid,
					rssMiB: mem?.rssMiB ?? null,
					peakRssMiB: mem?.peakRssMiB ?? null,
				};
			});
			const totalRssMiB = Math.round(memory.reduce((sum, m) => sum + (m.rssMiB ?? 0), 0) * 10) / 10;
			results.push({ platform: kind, startupSeconds, endpoints, memory, totalRssMiB });
		} finally {
			await platform.stop();
		}
	}

	console.log(
		table(
			"Client-side latency per request (ms; sequential, keep-alive, loopback)",
			["platform / endpoint", "n", "p50", "p95", "p99", "max", "mean", "gw call p50", "gw call p99"],
			results.flatMap((result) =>
				result.endpoints.map(({ endpoint, stats, gatewayView }) => [
					`${result.platform}  ${endpoint}`,
					String(stats.n),
					stats.p50Ms,
					stats.p95Ms,
					stats.p99Ms,
					stats.maxMs,
					stats.meanMs,
					gatewayView ? `${gatewayView.p50Ms.toFixed(2)} (${gatewayView.type})` : "-",
					gatewayView ? gatewayView.p99Ms : Number.NaN,
				]),
			),
		),
	);

	const baseline = results.find((result) => result.platform === "embedded-mariadb-redis");
	const clustered = results.find((result) => result.platform === "cluster");
	const transport =
		baseline && clustered
			? ENDPOINTS.map((endpoint) => {
					const a = baseline.endpoints.find((e) => e.endpoint === endpoint.name)?.stats;
					const b = clustered.endpoints.find((e) => e.endpoint === endpoint.name)?.stats;
					return {
						endpoint: endpoint.name,
						p50DeltaMs: a && b ? Math.round((b.p50Ms - a.p50Ms) * 1000) / 1000 : null,
						p99DeltaMs: a && b ? Math.round((b.p99Ms - a.p99Ms) * 1000) / 1000 : null,
					};
				})
			: [];
	if (transport.length > 0) {
		console.log(
			table(
				"Cost of the Kafka hop: cluster minus embedded-mariadb-redis (same stores, same gateway path; ms)",
				["endpoint", "Δ p50", "Δ p99"],
				transport.map((t) => [t.endpoint, t.p50DeltaMs ?? Number.NaN, t.p99DeltaMs ?? Number.NaN]),
			),
		);
	}

	const kafka = kinds.includes("cluster") ? processMemory(kafkaPid()) : null;
	console.log(
		table(
			"Resident memory after the run (MiB; VmRSS and peak VmHWM from /proc/<pid>/status)",
			["platform / process", "services", "RSS", "peak RSS"],
			[
				...results.flatMap((result) => [
					...result.memory.map((m) => [
						`${result.platform}  ${m.process}`,
						m.services,
						m.rssMiB ?? Number.NaN,
						m.peakRssMiB ?? Number.NaN,
					]),
					[`${result.platform}  total`, "", result.totalRssMiB, ""],
				]),
				...(kafka ? [["Kafka broker (JVM, shared infra)", "-", kafka.rssMiB, kafka.peakRssMiB]] : []),
			],
		),
	);
	console.log(
		`\nStart-up until ready: ${results.map((r) => `${r.platform} ${r.startupSeconds} s`).join(", ")}`,
	);
	printJson("transport-latency", { machine, n, warmup, results, transport, kafkaBrokerMemory: kafka });
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
