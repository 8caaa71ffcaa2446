/**
 * Issue 7: what token verification costs the gateway. One embedded platform (one process, like `npm start`),
 * the same public route twice in the same run:
 *   anonymous       GET /api/services without Authorization
 *   authenticated   GET /api/services with a valid customer bearer token; the gateway's authenticate()
 *                   verifies any presented token even on a public route (signature, issuer, audience, expiry)
 * Closed loop, 16 requests in flight, 10 s per variant, run as alternating rounds (A B A B) so that both see
 * the same background load. Reported: requests/s, p50/p99, server CPU per request (from /proc/<pid>/stat, so
 * the load generator's own CPU is not counted), and the overhead per request. A third number isolates the
 * verifier itself: the gateway's token verifier called in this process, sequentially.
 *
 *   node bench/auth-overhead.ts                                 16 in flight, 2 rounds × 5 s per variant
 *   node bench/auth-overhead.ts --concurrency=16 --seconds=5 --rounds=2
 */
import { readFileSync } from "node:fs";
import { createTokenVerifier } from "../services/gateway/token-verifier.ts";
import {
	argNumber,
	describeMachine,
	HttpClient,
	type LatencyStats,
	latencyStats,
	machineInfo,
	now,
	printJson,
	table,
} from "./lib.ts";
import { startBenchPlatform } from "./platforms.ts";

const CLOCK_TICKS_PER_SECOND = 100;

/** User + system CPU time of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	// The command name (field 2) may contain spaces; fields after its closing parenthesis are fixed.
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	const utime = Number(fields[11]);
	const stime = Number(fields[12]);
	return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

interface Window {
	requests: number;
	errors: number;
	seconds: number;
	serverCpuMs: number;
	samples: number[];
}

/** `concurrency` loops, each sending its next request when the previous answered, until the time is up. */
async function closedLoop(
	http: HttpClient,
	headers: Record<string, string>,
	concurrency: number,
	seconds: number,
	pid: number,
): Promise<Window> {
	const samples: number[] = [];
	let errors = 0;
	const cpuStart = cpuMs(pid);
	const start = now();
	const deadline = start + seconds * 1000;
	await Promise.all(
		Array.from({ length: concurrency }, async () => {
			while (now() < deadline) {
				const sent = now();
				const response = await http.get("/services", headers);
				if (response.status === 200) samples.push(now() - sent);
				else errors += 1;
			}
		}),
	);
	const elapsed = (now() - start) / 1000;
	return { requests: samples.length, errors, seconds: elapsed, serverCpuMs: cpuMs(pid) - cpuStart, samples };
}

interface VariantResult {
	variant: string;
	requests: number;
	errors: number;
	seconds: number;
	requestsPerSecond: number;
	serverCpuMsPerRequest: number;
	stats: LatencyStats;
}

function summarise(variant: string, windows: Window[]): VariantResult {
	const requests = windows.reduce((sum, w) => sum + w.requests, 0);
	const seconds = windows.reduce((sum, w) => sum + w.seconds, 0);
	const cpu = windows.reduce((sum, w) => sum + w.serverCpuMs, 0);
	return {
		variant,
		requests,
		errors: windows.reduce((sum, w) => sum + w.errors, 0),
		seconds: Math.round(seconds * 100) / 100,
		requestsPerSecond: Math.round((requests / seconds) * 10) / 10,
		serverCpuMsPerRequest: Math.round((cpu / requests) * 1000) / 1000,
		stats: latencyStats(windows.flatMap((w) => w.samples)),
	};
}

async function main(): Promise<void> {
	const concurrency = argNumber("concurrency", 16);
	const seconds = argNumber("seconds", 5);
	const rounds = argNumber("rounds", 2);
	const machine = await machineInfo();
	console.log(
		`Token verification overhead benchmark (issue 7): GET /api/services, ${concurrency} in flight, ` +
			`${rounds} × ${seconds} s per variant, alternating`,
	);
	console.log(describeMachine(machine));

	const platform = await startBenchPlatform("embedded-sqlite");
	try {
		const pid = platform.processes[0].pid;
		if (pid === undefined) throw new Error("no pid for the platform process");
		const token = await platform.client.token("alice");
		const header = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()) as { alg: string };
		const anonymous = {};
		const authenticated = { Authorization: `Bearer ${token}` };

		// The authenticated variant must really verify: a tampered signature on the same public route is refused.
		const http = new HttpClient(platform.apiUrl, concurrency);
		const tampered = `${token.slice(0, -4)}${token.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
		const refused = await http.get("/services", { Authorization: `Bearer ${tampered}` });
		if (refused.status !== 401) throw new Error(`a tampered token got ${refused.status}, expected 401`);
		for (const headers of [anonymous, authenticated]) {
			const check = await http.get("/services", headers);
			if (check.status !== 200) throw new Error(`GET /api/services: ${check.status}`);
		}

		// Warm-up of both variants (JIT, key set fetched, cache filled), not recorded.
		await closedLoop(http, anonymous, concurrency, 2, pid);
		await closedLoop(http, authenticated, concurrency, 2, pid);

		const windows: Record<"anonymous" | "authenticated", Window[]> = { anonymous: [], authenticated: [] };
		for (let round = 0; round < rounds; round++) {
			// Alternate which goes first, so neither always follows the other.
			const order =
				round % 2 === 0
					? (["anonymous", "authenticated"] as const)
					: (["authenticated", "anonymous"] as const);
			for (const variant of order) {
				process.stderr.write(`round ${round + 1}/${rounds}: ${variant}...\n`);
				windows[variant].push(
					await closedLoop(
						http,
						variant === "anonymous" ? anonymous : authenticated,
						concurrency,
						seconds,
						pid,
					),
				);
			}
		}
		http.close();
		const anon = summarise("anonymous", windows.anonymous);
		const auth = summarise("authenticated (valid bearer token)", windows.authenticated);

		// The verifier alone, as the gateway builds it, in this process.
		const verifier = createTokenVerifier({
			issuer: platform.client.issuer,
			audience: "cleaning-platform-api",
			clockSkewSeconds: 30,
			rolesClaim: "realm_access.roles",
		});
		await verifier.verify(token);
		const verifySamples: number[] = [];
		for (let i = 0; i < 3000; i++) {
			const start = now();
			await verifier.verify(token);
			verifySamples.push(now() - start);
		}
		const verify = latencyStats(verifySamples.slice(500));

		const overhead = {
			/** Capacity lost: extra milliseconds of the whole box (server + load generator) per request. */
			wallMsPerRequest:
				Math.round((1000 / auth.requestsPerSecond - 1000 / anon.requestsPerSecond) * 1000) / 1000,
			serverCpuMsPerRequest:
				Math.round((auth.serverCpuMsPerRequest - anon.serverCpuMsPerRequest) * 1000) / 1000,
			p50Ms: Math.round((auth.stats.p50Ms - anon.stats.p50Ms) * 1000) / 1000,
			p99Ms: Math.round((auth.stats.p99Ms - anon.stats.p99Ms) * 1000) / 1000,
			throughputPercent: Math.round((1 - auth.requestsPerSecond / anon.requestsPerSecond) * 1000) / 10,
		};

		console.log(
			table(
				`GET /api/services on embedded-sqlite, ${concurrency} in flight (latency in ms)`,
				["variant", "requests", "errors", "req/s", "p50", "p95", "p99", "max", "server CPU ms/req"],
				[anon, auth].map((v) => [
					v.variant,
					String(v.requests),
					String(v.errors),
					v.requestsPerSecond,
					v.stats.p50Ms,
					v.stats.p95Ms,
					v.stats.p99Ms,
					v.stats.maxMs,
					v.serverCpuMsPerRequest.toFixed(3),
				]),
			),
		);
		console.log(
			table(
				"Overhead of token verification per request",
				["measure", "value"],
				[
					["throughput lost", `${overhead.throughputPercent.toFixed(1)} %`],
					["wall time per request (1/rps difference)", `${overhead.wallMsPerRequest.toFixed(3)} ms`],
					["server CPU per request", `${overhead.serverCpuMsPerRequest.toFixed(3)} ms`],
					["Δ p50 latency", `${overhead.p50Ms.toFixed(3)} ms`],
					["Δ p99 latency", `${overhead.p99Ms.toFixed(3)} ms`],
					[
						`verifier alone (${header.alg}, in-process, sequential): p50 / p99`,
						`${verify.p50Ms.toFixed(3)} / ${verify.p99Ms.toFixed(3)} ms`,
					],
				],
			),
		);
		printJson("auth-overhead", {
			machine,
			concurrency,
			secondsPerVariant: seconds * rounds,
			rounds,
			tokenAlgorithm: header.alg,
			anonymous: anon,
			authenticated: auth,
			overhead,
			verifierAlone: verify,
		});
	} finally {
		await platform.stop();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
