/**
 * Shared helpers of the benchmark scripts: latency statistics, tables, a light keep-alive HTTP client,
 * process memory, throwaway MariaDB databases and a description of the machine.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { availableParallelism, cpus, freemem, loadavg, totalmem } from "node:os";
import { promisify } from "node:util";
import { createConnection } from "mysql2/promise";

const run = promisify(execFile);

/** Whether something accepts TCP connections on this local port. */
function listening(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1");
		socket.setTimeout(1_000, () => socket.destroy(new Error("no answer")));
		socket.once("connect", () => {
			socket.end();
			resolve(true);
		});
		socket.once("error", () => resolve(false));
	});
}

/**
 * The servers the cluster figures need, started only when they are not running already: Kafka, with MariaDB's
 * databases and Redis, through scripts/infra.sh (on `KAFKA_PORT`), and NATS for the comparison on :4222. What it
 * started is stopped by the function it returns; what was running before is left running.
 */
export async function startClusterServers(): Promise<() => Promise<void>> {
	const stops: Array<() => Promise<unknown>> = [];
	const infra = new URL("../scripts/infra.sh", import.meta.url).pathname;
	const infraUp = await run("bash", [infra, "status"]).then(
		() => true,
		() => false,
	);
	if (!infraUp) {
		console.log("Kafka (or MariaDB, Redis) is not up: scripts/infra.sh up");
		await run("bash", [infra, "up"], { maxBuffer: 16 * 1024 * 1024 });
		stops.push(() => run("bash", [infra, "down"]));
	}
	if (!(await listening(NATS_PORT))) {
		console.log(`NATS is not up: nats-server on 127.0.0.1:${NATS_PORT}`);
		const nats = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(NATS_PORT)], { stdio: "ignore" });
		const failed = new Promise<never>((_, reject) => nats.once("error", reject));
		for (let tries = 0; !(await Promise.race([listening(NATS_PORT), failed])); tries++) {
			if (tries === 50) throw new Error("nats-server did not listen within 10 s");
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		stops.push(async () => nats.kill());
	}
	return async () => {
		for (const stop of stops.reverse()) await stop();
	};
}

/** NATS's port: the transporter of the comparison cluster (bench/platforms.ts). */
export const NATS_PORT = 4222;

/** The Kafka the cluster benchmarks use: `KAFKA_PORT` like scripts/infra.sh and the cluster suite (default 9092). */
export const BENCH_KAFKA_URL = `kafka://127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;

export interface LatencyStats {
	n: number;
	minMs: number;
	meanMs: number;
	p50Ms: number;
	p95Ms: number;
	p99Ms: number;
	maxMs: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export function latencyStats(samplesMs: readonly number[]): LatencyStats {
	const sorted = [...samplesMs].sort((a, b) => a - b);
	const sum = sorted.reduce((total, value) => total + value, 0);
	return {
		n: sorted.length,
		minMs: round(sorted[0] ?? Number.NaN),
		meanMs: round(sum / sorted.length),
		p50Ms: round(percentile(sorted, 50)),
		p95Ms: round(percentile(sorted, 95)),
		p99Ms: round(percentile(sorted, 99)),
		maxMs: round(sorted.at(-1) ?? Number.NaN),
	};
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export const now = (): number => performance.now();

export function fmt(value: number | string | undefined, digits = 2): string {
	if (value === undefined) return "-";
	if (typeof value === "string") return value;
	if (!Number.isFinite(value)) return "-";
	return value.toFixed(digits);
}

/** A plain-text table with right-aligned columns (the first column left-aligned). */
export function table(title: string, headers: string[], rows: Array<Array<string | number>>): string {
	const cells = rows.map((row) => row.map((cell) => (typeof cell === "number" ? fmt(cell) : cell)));
	const widths = headers.map((header, i) =>
		Math.max(header.length, ...cells.map((row) => row[i]?.length ?? 0)),
	);
	const line = (row: string[]) =>
		row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
	const rule = widths.map((width) => "-".repeat(width)).join("  ");
	return [`\n${title}`, line(headers), rule, ...cells.map(line)].join("\n");
}

/**
 * The machine-readable result: one line, prefixed so that it can be grepped out of the output. Adds the load
 * average at the end of the run: with the one at the start (machineInfo), it shows how noisy the run was.
 */
export function printJson(name: string, result: unknown): void {
	const [load1m, load5m] = loadavg().map((value) => round(value, 2));
	console.log(`\nload average at the end: ${load1m} (1 min), ${load5m} (5 min)`);
	const line = JSON.stringify({ bench: name, ...(result as object), loadAvgAtEnd: { load1m, load5m } });
	process.stdout.write(`BENCH_JSON ${line}\n`);
}

export interface HttpResult {
	status: number;
	bytes: number;
}

/**
 * A keep-alive HTTP/1.1 client on node:http: lighter on the CPU than fetch, which matters when the load
 * generator shares two cores with the server it measures.
 */
export class HttpClient {
	private readonly agent: Agent;
	private readonly base: URL;

	constructor(baseUrl: string, maxSockets = 64) {
		this.base = new URL(baseUrl);
		this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
	}

	get(path: string, headers: Record<string, string> = {}, timeoutMs = 20_000): Promise<HttpResult> {
		return new Promise((resolve, reject) => {
			const req = request(
				{
					agent: this.agent,
					host: this.base.hostname,
					port: this.base.port,
					path: `${this.base.pathname.replace(/\/$/, "")}${path}`,
					method: "GET",
					headers,
					timeout: timeoutMs,
				},
				(res) => {
					let bytes = 0;
					res.on("data", (chunk: Buffer) => {
						bytes += chunk.length;
					});
					res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
					res.on("error", reject);
				},
			);
			req.on("timeout", () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
			req.on("error", reject);
			req.end();
		});
	}

	close(): void {
		this.agent.destroy();
	}
}

/** Resident memory of a process from /proc: current (VmRSS) and peak (VmHWM), in MiB. */
export function processMemory(pid: number | undefined): { rssMiB: number; peakRssMiB: number } | null {
	if (pid === undefined) return null;
	try {
		const status = readFileSync(`/proc/${pid}/status`, "utf8");
		const kib = (field: string) =>
			Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
		return { rssMiB: round(kib("VmRSS") / 1024, 1), peakRssMiB: round(kib("VmHWM") / 1024, 1) };
	} catch {
		return null;
	}
}

/** CPU time (user + system) a process has used so far, in ms; from /proc, 10 ms resolution. */
export function processCpuMs(pid: number | undefined): number {
	if (pid === undefined) return 0;
	try {
		// The fields after the command name, which is in parentheses and may hold spaces.
		const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
		const ticksPerSecond = 100;
		return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
	} catch {
		return 0;
	}
}

export interface MachineInfo {
	cpus: number;
	cpuModel: string;
	memTotalGiB: number;
	memFreeGiB: number;
	loadAvg1m: number;
	node: string;
	mariadb: string | null;
	redis: string | null;
	kafka: string | null;
	/** The code measured: HEAD and how many paths differ from it (others edit the tree while benchmarks run). */
	gitHead: string | null;
	gitChangedPaths: number | null;
}

async function quietly(command: string, args: string[]): Promise<string | null> {
	try {
		return (await run(command, args, { timeout: 10_000 })).stdout.trim();
	} catch {
		return null;
	}
}

export async function machineInfo(): Promise<MachineInfo> {
	const mariadb = await quietly("mysql", ["-uroot", "-h127.0.0.1", "-N", "-e", "SELECT VERSION()"]);
	const redis = (await quietly("redis-cli", ["info", "server"]))?.match(/redis_version:(\S+)/)?.[1] ?? null;
	let kafka: string | null = null;
	try {
		const pom = readFileSync(new URL("../infra/kafka/pom.xml", import.meta.url), "utf8");
		kafka = `kafka ${/<kafka\.version>(\d[^<]*)</.exec(pom)?.[1] ?? "?"} (single node, infra/kafka)`;
	} catch {
		// no Kafka setup in this checkout
	}
	const gitHead = await quietly("git", ["rev-parse", "--short", "HEAD"]);
	const status = await quietly("git", [
		"status",
		"--porcelain",
		"--",
		".",
		":!bench",
		":!docs/benchmarks.md",
	]);
	return {
		cpus: availableParallelism(),
		cpuModel: cpus()[0]?.model ?? "unknown",
		memTotalGiB: round(totalmem() / 2 ** 30, 1),
		memFreeGiB: round(freemem() / 2 ** 30, 1),
		loadAvg1m: round(loadavg()[0], 2),
		node: process.version,
		mariadb,
		redis: redis ? `redis ${redis}` : null,
		kafka,
		gitHead,
		gitChangedPaths: status === null ? null : status.split("\n").filter(Boolean).length,
	};
}

/** The local Kafka broker's process id (scripts/infra.sh writes it), for its memory. */
export function kafkaPid(): number | undefined {
	try {
		const pid = Number(readFileSync(new URL("../.infra/kafka/kafka.pid", import.meta.url), "utf8").trim());
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	} catch {
		return undefined;
	}
}

export function describeMachine(info: MachineInfo): string {
	return (
		`machine: ${info.cpus} CPUs (${info.cpuModel}), ${info.memTotalGiB} GiB RAM, load ${info.loadAvg1m}, ` +
		`Node ${info.node}; ${info.mariadb ? `MariaDB ${info.mariadb}` : "no MariaDB"}, ${info.redis ?? "no Redis"}, ` +
		`${info.kafka ?? "no Kafka"}; code ${info.gitHead ?? "?"}` +
		(info.gitChangedPaths ? ` + ${info.gitChangedPaths} uncommitted paths` : "")
	);
}

/** Root on the local MariaDB (no password, as scripts/infra.sh sets it up). */
export async function mariadbRoot() {
	return createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
}

/** Drops and creates throwaway databases; never touches the service databases the tests use. */
export async function recreateDatabases(names: readonly string[]): Promise<void> {
	for (const name of names)
		if (!/^bench_[a-z0-9_]+$/.test(name)) throw new Error(`not a bench database: ${name}`);
	const root = await mariadbRoot();
	try {
		for (const name of names) {
			await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
			await root.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
		}
	} finally {
		await root.end();
	}
}

export async function dropDatabases(names: readonly string[]): Promise<void> {
	const root = await mariadbRoot();
	try {
		for (const name of names) {
			if (/^bench_[a-z0-9_]+$/.test(name)) await root.query(`DROP DATABASE IF EXISTS \`${name}\``);
		}
	} finally {
		await root.end();
	}
}

/**
 * The Redis logical database the benchmarks own (the cluster tests use 1); flushed before each run. Runs side
 * by side on one machine each set their own (BENCH_REDIS_DB) and BENCH_ID (below).
 */
export const BENCH_REDIS_DB = Number(process.env.BENCH_REDIS_DB ?? 7);

const BENCH_ID = process.env.BENCH_ID ?? "";
if (!/^[a-z0-9]*$/.test(BENCH_ID))
	throw new Error(`BENCH_ID must be lower-case letters and digits: ${BENCH_ID}`);

/** A throwaway database of one platform's service (`bench_cluster_cleaner_db`; `bench_<BENCH_ID>_cluster_…`). */
export const benchDatabase = (platform: string, owner: string) =>
	`bench_${BENCH_ID ? `${BENCH_ID}_` : ""}${platform}_${owner}_db`;

export async function flushBenchRedis(): Promise<void> {
	await run("redis-cli", ["-n", String(BENCH_REDIS_DB), "FLUSHDB"]);
}

export function argNumber(name: string, fallback: number): number {
	const prefix = `--${name}=`;
	const arg = process.argv.find((value) => value.startsWith(prefix));
	if (arg === undefined) return fallback;
	const value = Number(arg.slice(prefix.length));
	if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
	return value;
}

export function argString(name: string, fallback: string): string {
	const prefix = `--${name}=`;
	return process.argv.find((value) => value.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}
