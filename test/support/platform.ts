import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CLIENT_SECRETS, fetchClientCredentialsToken, fetchUserTokens } from "./tokens.ts";

export const ROOT = new URL("../../", import.meta.url).pathname;
const RUNNER = join(ROOT, "node_modules/moleculer/bin/moleculer-runner.mjs");
/**
 * The Node flags every node runs with: those of `npm start` (package.json), which the Dockerfile's CMD repeats
 * (test/unit/deployment.test.ts), so they are written in one place (docs/benchmarks.md: memory).
 */
const NODE_FLAGS = startFlags();

function startFlags(): string[] {
	const start: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start;
	const words = start.split(/\s+/);
	return words.slice(
		words.indexOf("node") + 1,
		words.findIndex((word) => word.endsWith("moleculer-runner.mjs")),
	);
}

export type Caller = "alice" | "bob" | "carla" | "dan" | "olga" | "fleet-partner" | "fleet-readonly";

export interface ApiResponse<T = any> {
	status: number;
	body: T;
	headers: Headers;
}

export interface ApiOptions {
	as?: Caller;
	/** A raw token (overrides `as`). */
	token?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

/** Below Linux's ephemeral range (32768-60999), where the kernel never hands a port to an outgoing connection. */
const TEST_PORTS = { from: 20_000, to: 32_000 };

/** Ports this test process has handed out: a child may not have opened one yet when the next is picked. */
const handedOut = new Set<number>();

/**
 * A port that is free now, for a server a child process will open, and never one handed out before in this
 * process (a platform takes three, picked before its child opens any: two equal picks failed a CI run with
 * EADDRINUSE). Not port 0's pick: that comes from the ephemeral range, and between this check and the child's
 * listen an outgoing connection (to Kafka, MariaDB) can take it, which failed a CI run the same way.
 */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = TEST_PORTS.from + Math.floor(Math.random() * (TEST_PORTS.to - TEST_PORTS.from));
		if (handedOut.has(port)) continue;
		const free = await new Promise<boolean>((resolve) => {
			const server = createServer();
			server.once("error", () => resolve(false));
			server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
		});
		if (free) {
			handedOut.add(port);
			return port;
		}
	}
}

/** Where a node's modules are: the sources (`.ts`), or a tree compiled as the image has it (`.js`, Dockerfile). */
export interface AppTree {
	root: string;
	extension: "ts" | "js";
}

const SOURCES: AppTree = { root: ROOT, extension: "ts" };

/** Starts one Moleculer node as its own process with the project's runner, like `npm start` does. */
export function spawnNode(
	env: Record<string, string>,
	logFile: string,
	app: AppTree = SOURCES,
): ChildProcess {
	const log = createWriteStream(logFile, { flags: "a" });
	const child = spawn(
		process.execPath,
		[
			...NODE_FLAGS,
			RUNNER,
			"--config",
			`moleculer.config.${app.extension}`,
			"--mask",
			`**/*.service.${app.extension}`,
		],
		{
			cwd: app.root,
			env: {
				...process.env,
				PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
				SERVICEDIR: "services",
				LOG_LEVEL: "warn",
				...env,
			},
			stdio: ["ignore", "pipe", "pipe"],
		},
	);
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	return child;
}

export interface Exit {
	code: number | null;
	/** stdout and stderr. */
	output: string;
	stderr: string;
}

/** Starts a node that should stop on its own (a refused setting or connection) and waits for its exit. */
export async function runUntilExit(env: Record<string, string>, timeoutMs = 60_000): Promise<Exit> {
	const dataDir = await mkdtemp(join(tmpdir(), "cleaning-exit-"));
	const logFile = join(dataDir, "node.log");
	const child = spawnNode(
		{ DATA_DIR: dataDir, PORT: String(await freePort()), OPS_PORT: String(await freePort()), ...env },
		logFile,
	);
	let output = "";
	let stderr = "";
	child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
		output += chunk;
	});
	child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
		output += chunk;
		stderr += chunk;
	});
	const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
	const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
	clearTimeout(killer);
	return { code, output, stderr };
}

export async function waitForReady(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child && child.exitCode !== null)
			throw new Error(`process exited with ${child.exitCode} before ready`);
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
			if (response.status === 200) return;
		} catch {
			// not listening yet
		}
		await sleep(200);
	}
	throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

export async function stopNode(
	child: ChildProcess,
	signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
	if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
	const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
	child.kill(signal);
	// Kubernetes' default terminationGracePeriodSeconds: a node drains (DRAIN_DELAY_MS) and finishes its work first.
	const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
	const code = await exited;
	clearTimeout(timer);
	return code;
}

/** HTTP client for the gateway that fetches (and caches) real tokens from the OIDC provider. */
export class ApiClient {
	readonly baseUrl: string;
	readonly issuer: string;
	private readonly tokens = new Map<Caller, Promise<string>>();

	constructor(baseUrl: string, issuer: string) {
		this.baseUrl = baseUrl;
		this.issuer = issuer;
	}

	token(caller: Caller): Promise<string> {
		let token = this.tokens.get(caller);
		if (!token) {
			token =
				caller in CLIENT_SECRETS
					? fetchClientCredentialsToken(
							this.issuer,
							caller,
							CLIENT_SECRETS[caller as keyof typeof CLIENT_SECRETS],
						)
					: fetchUserTokens(this.issuer, caller).then((tokens) => tokens.accessToken);
			this.tokens.set(caller, token);
		}
		return token;
	}

	async api<T = any>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
		const headers: Record<string, string> = { ...options.headers };
		const token = options.token ?? (options.as ? await this.token(options.as) : undefined);
		if (token) headers.Authorization = `Bearer ${token}`;
		if (options.body !== undefined) headers["Content-Type"] ??= "application/json";
		const response = await fetch(`${this.baseUrl}${path}`, {
			method,
			headers,
			body:
				options.body === undefined
					? undefined
					: typeof options.body === "string"
						? options.body
						: JSON.stringify(options.body),
			signal: AbortSignal.timeout(20_000),
		});
		const text = await response.text();
		let body: unknown = text;
		try {
			body = text === "" ? null : JSON.parse(text);
		} catch {
			// not JSON: keep the text
		}
		return { status: response.status, body: body as T, headers: response.headers };
	}
}

export interface EmbeddedPlatform extends ApiClient {
	/** The platform's process (the benchmarks read its memory). */
	pid: number | undefined;
	opsUrl: string;
	dataDir: string;
	logFile: string;
	metrics(): Promise<string>;
	stop(): Promise<number | null>;
	/** SIGKILL: the process gets no chance to finish anything, as in a crash or an OOM kill. */
	kill(): Promise<number | null>;
}

/**
 * The whole platform in embedded mode (all services, SQLite, dev OIDC provider) as a separate process on free
 * ports, exactly as `npm start` runs it: with fresh data, or on the data a previous run left in `dataDir`.
 * It has `readyTimeoutMs` (60 s unless given) to become ready, or only live (`until: "live"`: serving HTTP,
 * whether its dependencies are there or not).
 */
export async function startPlatform(
	env: Record<string, string> = {},
	options: { dataDir?: string; readyTimeoutMs?: number; until?: "ready" | "live"; app?: AppTree } = {},
): Promise<EmbeddedPlatform> {
	const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "cleaning-platform-")));
	const logFile = join(dataDir, "platform.log");
	// A port found free can be taken before the child listens on it (no process can hold one for another):
	// then the child exits with EADDRINUSE, and it starts again on other ports.
	for (let attempt = 1; ; attempt++) {
		const [port, opsPort, idpPort] = [await freePort(), await freePort(), await freePort()];
		const child = spawnNode(
			{
				PORT: String(port),
				OPS_PORT: String(opsPort),
				DEV_IDP_PORT: String(idpPort),
				DATA_DIR: dataDir,
				...env,
			},
			logFile,
			options.app,
		);
		try {
			const probe = `http://127.0.0.1:${port}/health/${options.until ?? "ready"}`;
			await waitForReady(probe, options.readyTimeoutMs ?? 60_000, child);
		} catch (error) {
			await stopNode(child, "SIGKILL");
			if (attempt < 3 && readFileSync(logFile, "utf8").includes("EADDRINUSE")) continue;
			throw new Error(`${(error as Error).message}; see ${logFile}`);
		}
		return embeddedPlatform(child, { port, opsPort, idpPort, dataDir, logFile });
	}
}

function embeddedPlatform(
	child: ChildProcess,
	{
		port,
		opsPort,
		idpPort,
		dataDir,
		logFile,
	}: { port: number; opsPort: number; idpPort: number; dataDir: string; logFile: string },
): EmbeddedPlatform {
	const client = new ApiClient(`http://127.0.0.1:${port}/api`, `http://127.0.0.1:${idpPort}`);
	const opsUrl = `http://127.0.0.1:${opsPort}`;
	return Object.assign(client, {
		pid: child.pid,
		opsUrl,
		dataDir,
		logFile,
		metrics: async () => (await fetch(`${opsUrl}/actuator/prometheus`)).text(),
		stop: () => stopNode(child),
		kill: () => stopNode(child, "SIGKILL"),
	}) as EmbeddedPlatform;
}

/** Sum of a Prometheus counter's samples whose labels contain every given label pair. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
	let total = 0;
	for (const line of text.split("\n")) {
		if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
		if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
			total += Number(line.split(" ").at(-1));
	}
	return total;
}

/** A Moleculer service of each folder, whose endpoints tell that the folder's instances are discovered. */
const DISCOVERED_BY: Record<string, string> = {
	configuration: "configuration",
	customer: "customers",
	vehicle: "vehicles",
	cleaner: "cleaners",
	booking: "bookings",
	notification: "notifications",
	webhook: "webhooks",
};

/**
 * Whether a gateway's metrics show every node of the topology online and every instance's services
 * registered: a node is online before its services are (one waiting for another's service registers its own
 * later), and a request sent meanwhile gets a 503.
 */
export function discoveredAll(metrics: string, topology: ReadonlyArray<{ services: string }>): boolean {
	const online = metricValue(metrics, "moleculer_registry_nodes_online_total");
	return (
		online >= topology.length &&
		Object.entries(DISCOVERED_BY).every(
			([folder, service]) =>
				metricValue(metrics, "moleculer_registry_service_endpoints_total", { service }) >=
				topology.filter((node) => node.services.split(",").includes(folder)).length,
		)
	);
}
