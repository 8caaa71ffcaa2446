/**
 * npm run bench: every figure of the speed targets in one run, beside a raw node:http server measured in the same
 * run, as one table and as JSON (bench/results/latest.json).
 *
 *   npm run bench                  embedded, then the cluster (starts Kafka through scripts/infra.sh, and NATS,
 *                                  when they are not running, after the embedded part, and stops what it started)
 *   npm run bench -- --quick       embedded only, short runs (under 2 minutes): the smoke check CI runs
 *   npm run bench -- --no-cluster  embedded only, full length
 *   npm run bench -- --only=bookings,read-models   only those parts (for A/B runs of one figure): reads,
 *                                  bookings, memory, steady, cold-search, read-models, nats; --bookings=N
 *   npm run bench -- --no-warmup   no load before the figures (by default 2 s before each wrk figure, and 45 s
 *                                  of reads once per cluster, for its JIT-compiled broker)
 *
 * HTTP load comes from wrk (Debian's package), which must be installed. The benchmark asserts nothing about
 * speed: it reports, and the targets stand beside the figures.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { everyDay, freshArea, hourlySlots, nextWeekday } from "../test/support/fixtures.ts";
import {
	argNumber,
	argString,
	benchDatabase,
	describeMachine,
	flushBenchRedis,
	HttpClient,
	latencyStats,
	machineInfo,
	mariadbRoot,
	now,
	processCpuMs,
	processMemory,
	startClusterServers,
	table,
} from "./lib.ts";
import { type BenchPlatform, startBenchPlatform } from "./platforms.ts";

const run = promisify(execFile);
const QUICK = process.argv.includes("--quick");
const CLUSTER = !QUICK && !process.argv.includes("--no-cluster");
const EMBEDDED = !process.argv.includes("--no-embedded");
const WRK_SECONDS = QUICK ? 3 : 10;
const WARM_UP = !process.argv.includes("--no-warmup");
/** wrk on each platform URL before its figure: the figures are of code that V8 has already optimised. */
const WARMUP_SECONDS = WARM_UP ? (QUICK ? 1 : 2) : 0;
/**
 * Each cluster's read path under load once before its first load figure (after its idle RSS). The Kafka broker is
 * a JVM that this run may have started a minute before, and it compiles its produce and fetch paths only under
 * load: its CPU per read fell from 328 to 87 µs over the first 50 s of reads (docs/benchmarks.md). A deployed
 * broker runs warm. The NATS cluster gets the same, so that both clusters' Node processes are equally warm.
 */
const CLUSTER_WARMUP_SECONDS = WARM_UP ? 45 : 0;
const BOOKINGS = argNumber("bookings", QUICK ? 120 : 800);
const IN_FLIGHT = 16;
const STEADY_RATE = 500;
/** Searches with every cache of the cluster emptied first, and bookings followed into both read models. */
const COLD_SEARCHES = 40;
const FOLLOWED_BOOKINGS = 40;

const PARTS = ["reads", "bookings", "memory", "steady", "cold-search", "read-models", "nats"] as const;
type Part = (typeof PARTS)[number];
const ONLY = argString("only", "").split(",").filter(Boolean);
for (const part of ONLY)
	if (!(PARTS as readonly string[]).includes(part))
		throw new Error(`--only: "${part}" is not one of ${PARTS.join(", ")}`);
const measures = (part: Part) => ONLY.length === 0 || ONLY.includes(part);

interface Figure {
	name: string;
	value: number;
	unit: string;
	/** Relative to raw node:http in the same run, for throughput figures. */
	ratio?: number;
	target?: string;
	met?: boolean;
}
const figures: Figure[] = [];
const record = (figure: Figure) => {
	figures.push(figure);
	console.log(
		`  ${figure.name}: ${figure.value} ${figure.unit}${figure.ratio !== undefined ? ` (${figure.ratio}× raw)` : ""}`,
	);
};

interface WrkResult {
	requestsPerSecond: number;
	requests: number;
	p50Ms: number;
	p99Ms: number;
	non2xx: number;
}

const toMs = (text: string): number => {
	const value = Number.parseFloat(text);
	if (text.endsWith("us")) return value / 1000;
	if (text.endsWith("ms")) return value;
	if (text.endsWith("s")) return value * 1000;
	return value;
};

/** wrk on one URL: requests per second and latency percentiles, from its --latency report. */
async function wrk(
	url: string,
	connections: number,
	headers: Record<string, string> = {},
	seconds = WRK_SECONDS,
): Promise<WrkResult> {
	const args = ["-t2", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "5s"];
	for (const [name, value] of Object.entries(headers)) args.push("-H", `${name}: ${value}`);
	const { stdout } = await run("wrk", [...args, url], { maxBuffer: 1 << 20 });
	const percentile = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? "NaN");
	return {
		requestsPerSecond: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN)),
		requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN),
		p50Ms: Math.round(percentile("50") * 100) / 100,
		p99Ms: Math.round(percentile("99") * 100) / 100,
		non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0),
	};
}

/** CPU time the platform's Node processes have used so far (`/proc`, user + system, every thread). */
const platformCpuMs = (platform: BenchPlatform) =>
	platform.processes.reduce((total, proc) => total + processCpuMs(proc.pid), 0);

/**
 * wrk against the platform, with the CPU its Node processes spent per request: a figure the box's other load
 * moves far less than the requests per second.
 */
async function wrkPlatform(
	platform: BenchPlatform,
	url: string,
	connections: number,
	headers: Record<string, string> = {},
): Promise<WrkResult & { cpuUsPerRequest: number }> {
	if (WARMUP_SECONDS > 0) await wrk(url, connections, headers, WARMUP_SECONDS);
	const before = platformCpuMs(platform);
	const result = await wrk(url, connections, headers);
	const cpuUsPerRequest = Math.round(((platformCpuMs(platform) - before) * 1000) / result.requests);
	return { ...result, cpuUsPerRequest };
}

/** The baseline: node:http answering a small JSON body, on this machine, now. */
async function rawBaseline(): Promise<number> {
	const body = JSON.stringify({ items: [{ code: "exterior-wash", name: "Exterior wash" }], total: 1 });
	const server = createServer((_req, res) => {
		res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
		res.end(body);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as { port: number };
	const result = await wrk(`http://127.0.0.1:${port}/`, 32);
	server.close();
	return result.requestsPerSecond;
}

function throughput(
	name: string,
	result: WrkResult & { cpuUsPerRequest?: number },
	raw: number,
	target?: { ratio?: number; rps?: number; p99Ms?: number },
) {
	const ratio = Math.round((result.requestsPerSecond / raw) * 1000) / 1000;
	const met =
		target === undefined
			? undefined
			: (target.ratio === undefined || ratio >= target.ratio) &&
				(target.rps === undefined || result.requestsPerSecond >= target.rps) &&
				(target.p99Ms === undefined || result.p99Ms <= target.p99Ms);
	const wanted = [
		target?.ratio !== undefined ? `≥ ${target.ratio}× raw` : "",
		target?.rps !== undefined ? `≥ ${target.rps} req/s` : "",
		target?.p99Ms !== undefined ? `p99 ≤ ${target.p99Ms} ms` : "",
	]
		.filter(Boolean)
		.join(", ");
	record({
		name: `${name} (p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms${result.non2xx ? `, ${result.non2xx} non-2xx` : ""}${result.cpuUsPerRequest === undefined ? "" : `; Node CPU ${result.cpuUsPerRequest} µs per request`})`,
		value: result.requestsPerSecond,
		unit: "req/s",
		ratio,
		target: wanted || undefined,
		met,
	});
}

/**
 * Requests at a constant rate, whatever the answers' speed (an open loop: wrk has no constant-rate mode). Each
 * latency is counted from the moment its request was due, so a stall also counts against the requests that
 * waited behind it.
 */
async function steadyRate(
	url: string,
	perSecond: number,
	headers: Record<string, string>,
): Promise<{ p50Ms: number; p99Ms: number; failed: number }> {
	const client = new HttpClient(url, 64);
	const total = perSecond * WRK_SECONDS;
	const latencies: number[] = [];
	let failed = 0;
	const started = now();
	const requests: Promise<void>[] = [];
	for (let i = 0; i < total; i++) {
		const due = started + (i * 1000) / perSecond;
		const wait = due - now();
		if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
		requests.push(
			client.get("", headers).then(
				(result) => {
					latencies.push(now() - due);
					if (result.status !== 200) failed++;
				},
				() => {
					failed++;
				},
			),
		);
	}
	await Promise.all(requests);
	client.close();
	const stats = latencyStats(latencies);
	return { p50Ms: Math.round(stats.p50Ms * 100) / 100, p99Ms: Math.round(stats.p99Ms * 100) / 100, failed };
}

/**
 * Bookings of distinct one-hour slots of one cleaner who works every day, `IN_FLIGHT` at a time: the write
 * path end to end (validation, price, reservation, outbox). Then 20 requests race for one slot.
 */
async function bookingLoad(platform: BenchPlatform, label: string) {
	const { token, home, cleanerId, vehicleId } = await bookable(platform);
	const slots = hourlySlots(BOOKINGS + 1);
	const book = (start: string) =>
		platform.client.api("POST", "/bookings", {
			token,
			headers: { "Idempotency-Key": randomUUID() },
			body: {
				vehicleId,
				serviceType: "exterior-wash",
				start,
				location: home,
				cleanerId,
			},
		});
	const contested = slots.pop() as string;
	const latencies: number[] = [];
	let failed = 0;
	let firstFailure = "";
	let next = 0;
	const cpuBefore = platformCpuMs(platform);
	const cpuBeforeOf = platform.processes.map((proc) => processCpuMs(proc.pid));
	const started = now();
	await Promise.all(
		Array.from({ length: IN_FLIGHT }, async () => {
			while (next < BOOKINGS) {
				const start = slots[next++];
				const sent = now();
				const response = await book(start);
				latencies.push(now() - sent);
				if (response.status === 201) continue;
				failed++;
				firstFailure ||= `, the first ${response.status} ${response.body?.error?.type ?? ""}`;
			}
		}),
	);
	const seconds = (now() - started) / 1000;
	// What the platform's Node processes spent on each booking: on two cores, 2,000 ms / this is the most
	// bookings a second they could do with the CPUs to themselves (MariaDB and Kafka not counted).
	const cpuPerBooking =
		Math.round(((platformCpuMs(platform) - cpuBefore) / (BOOKINGS - failed || 1)) * 10) / 10;
	const stats = latencyStats(latencies);
	const rate = Math.round((BOOKINGS - failed) / seconds);
	if (platform.kind === "cluster") {
		// The consumers may still be applying the last bookings' events: their share counts once they are done.
		const caughtUp = await readModelsCaughtUp();
		const byProcess = platform.processes.map(
			(proc, index) =>
				`${proc.name} ${(Math.round(((processCpuMs(proc.pid) - cpuBeforeOf[index]) / (BOOKINGS - failed || 1)) * 10) / 10).toFixed(1)}`,
		);
		console.log(
			`  Node CPU ms per booking by process, read models caught up ${caughtUp}: ${byProcess.join(", ")}`,
		);
	}
	record({
		name: `${label}: bookings, ${IN_FLIGHT} in flight (p50 ${stats.p50Ms} ms, p99 ${stats.p99Ms} ms, ${failed} failed${firstFailure}; Node CPU ${cpuPerBooking} ms per booking)`,
		value: rate,
		unit: "bookings/s",
		target: "≥ 400/s, p99 ≤ 100 ms",
		met: rate >= 400 && stats.p99Ms <= 100,
	});
	const race = await Promise.all(Array.from({ length: 20 }, () => book(contested)));
	const winners = race.filter((response) => response.status === 201).length;
	record({
		name: `${label}: winners among 20 requests for one slot`,
		value: winners,
		unit: "",
		target: "exactly 1",
		met: winners === 1,
	});
}

/** A cleaner who works every day around a fresh place, and a customer's vehicle: what a booking needs. */
async function bookable(platform: BenchPlatform) {
	const admin = await platform.client.token("olga");
	const token = await platform.client.token("alice");
	const home = freshArea();
	const cleaner = await platform.client.api("POST", "/cleaners", {
		token: admin,
		body: {
			subject: `bench-${randomUUID()}`,
			displayName: "Bench",
			skills: ["exterior-wash"],
			homeBase: home,
			radiusKm: 5,
			weeklyHours: everyDay("06:00", "22:00"),
		},
	});
	if (cleaner.status !== 201)
		throw new Error(`create cleaner: ${cleaner.status} ${JSON.stringify(cleaner.body)}`);
	const vehicle = await platform.client.api("POST", "/vehicles", {
		token,
		body: { plate: `B${randomUUID().slice(0, 7)}`, make: "Kia", model: "Ceed", sizeClass: "small" },
	});
	return { token, home, cleanerId: cleaner.body.id as string, vehicleId: vehicle.body.id as string };
}

/** GET /api/availability end to end, each after Redis (every cache of the cluster) was emptied. */
async function coldSearches(platform: BenchPlatform) {
	const { token, home, vehicleId } = await bookable(platform);
	const query = new URLSearchParams({
		serviceType: "exterior-wash",
		vehicleId,
		date: nextWeekday(1),
		latitude: String(home.latitude),
		longitude: String(home.longitude),
	});
	const latencies: number[] = [];
	for (let i = 0; i < COLD_SEARCHES; i++) {
		await flushBenchRedis();
		const started = now();
		const response = await platform.client.api("GET", `/availability?${query}`, { token });
		latencies.push(now() - started);
		if (response.status !== 200) throw new Error(`cold search: ${response.status}`);
	}
	const stats = latencyStats(latencies);
	record({
		name: `cluster: fully cold availability search, end to end (p50 ${stats.p50Ms} ms, ${COLD_SEARCHES} searches)`,
		value: stats.p95Ms,
		unit: "ms p95",
		target: "p95 < 50 ms",
		met: stats.p95Ms < 50,
	});
}

/** Waits until the cleaner and the vehicle service have applied every event of the outbox; says when. */
async function readModelsCaughtUp(): Promise<string> {
	const db = await mariadbRoot();
	const started = now();
	const count = async (sql: string) =>
		Number(((await db.query(sql)) as unknown as Array<Array<{ n: number }>>)[0][0].n);
	try {
		while (now() - started < 60_000) {
			const [events, bookingEvents, cleaner, vehicle] = await Promise.all([
				count(`SELECT COUNT(*) AS n FROM ${benchDatabase("cluster", "booking")}.outbox`),
				count(
					`SELECT COUNT(*) AS n FROM ${benchDatabase("cluster", "booking")}.outbox WHERE topic = 'booking-events'`,
				),
				count(`SELECT COUNT(*) AS n FROM ${benchDatabase("cluster", "cleaner")}.processed_events`),
				count(`SELECT COUNT(*) AS n FROM ${benchDatabase("cluster", "vehicle")}.processed_events`),
			]);
			if (cleaner >= events && vehicle >= bookingEvents)
				return `${Math.round(now() - started)} ms after the last answer`;
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		return "never (60 s)";
	} finally {
		await db.end();
	}
}

/** From a booking's answer until the cleaner and vehicle services have both applied its event. */
async function readModelLatency(platform: BenchPlatform) {
	const { token, home, cleanerId, vehicleId } = await bookable(platform);
	const db = await mariadbRoot();
	const applied = async (eventId: string) => {
		const [[cleaner], [vehicle]] = await Promise.all(
			[benchDatabase("cluster", "cleaner"), benchDatabase("cluster", "vehicle")].map(
				async (database) =>
					(await db.query(`SELECT COUNT(*) AS n FROM ${database}.processed_events WHERE event_id = ?`, [
						eventId,
					])) as unknown as Array<Array<{ n: number }>>,
			),
		);
		return Number(cleaner[0].n) === 1 && Number(vehicle[0].n) === 1;
	};
	/** From the booking's answer until both read models have applied its event. */
	const follow = async (start: string) => {
		const response = await platform.client.api("POST", "/bookings", {
			token,
			headers: { "Idempotency-Key": randomUUID() },
			body: { vehicleId, serviceType: "exterior-wash", start, location: home, cleanerId },
		});
		const answered = now();
		if (response.status !== 201) throw new Error(`booking: ${response.status}`);
		const [[event]] = (await db.query(
			`SELECT event_id AS eventId FROM ${benchDatabase("cluster", "booking")}.outbox WHERE message_key = ? ORDER BY id LIMIT 1`,
			[response.body.id],
		)) as unknown as Array<Array<{ eventId: string }>>;
		while (!(await applied(event.eventId))) {
			if (now() - answered > 15_000)
				throw new Error(
					`booking ${response.body.id} (event ${event.eventId}) never reached both read models`,
				);
			await new Promise((resolve) => setTimeout(resolve, 2));
		}
		return now() - answered;
	};
	const latencies: number[] = [];
	let first: number | undefined;
	try {
		const [warmUpSlot, ...slots] = hourlySlots(FOLLOWED_BOOKINGS + 1);
		// As the wrk figures, after a warm-up: the first booking after start-up runs code V8 has not compiled yet.
		if (WARMUP_SECONDS > 0) first = await follow(warmUpSlot);
		for (const start of slots) latencies.push(await follow(start));
	} finally {
		await db.end();
	}
	const stats = latencyStats(latencies);
	record({
		name: `cluster: booking → both read models (p50 ${stats.p50Ms} ms, ${FOLLOWED_BOOKINGS} bookings one by one${first === undefined ? "" : `, after a first one in ${first.toFixed(1)} ms`})`,
		value: stats.p99Ms,
		unit: "ms p99",
		target: "p99 < 50 ms",
		met: stats.p99Ms < 50,
	});
}

async function embedded(raw: number) {
	console.log("\nembedded (one process, SQLite)");
	const platform = await startBenchPlatform("embedded-sqlite");
	try {
		const base = platform.apiUrl;
		if (measures("reads")) {
			const token = await platform.client.token("alice");
			const auth = { Authorization: `Bearer ${token}` };
			const carla = (await platform.client.api("GET", "/cleaners/me", { as: "carla" })).body.id;
			throughput(
				"embedded: public cached GET /api/services",
				await wrkPlatform(platform, `${base}/services`, 32),
				raw,
				{
					ratio: 0.25,
				},
			);
			throughput(
				"embedded: authenticated cached GET /api/cleaners/:id",
				await wrkPlatform(platform, `${base}/cleaners/${carla}`, 32, auth),
				raw,
				{ ratio: 0.15 },
			);
			throughput(
				"embedded: authenticated database read GET /api/vehicles",
				await wrkPlatform(platform, `${base}/vehicles`, 32, auth),
				raw,
				{ ratio: 0.08 },
			);
		}
		if (measures("bookings")) await bookingLoad(platform, "embedded");
		const memory = processMemory(platform.processes[0].pid);
		if (memory && measures("memory"))
			record({
				name: "embedded: RSS after the load",
				value: memory.rssMiB,
				unit: "MiB",
				target: "≤ 200 MB",
				met: memory.rssMiB * 1.048576 <= 200,
			});
	} finally {
		await platform.stop();
	}
}

/** The cluster's authenticated read path under load for CLUSTER_WARMUP_SECONDS; no figure. */
async function warmUpCluster(platform: BenchPlatform): Promise<void> {
	if (CLUSTER_WARMUP_SECONDS === 0) return;
	console.log(`  warm-up: ${CLUSTER_WARMUP_SECONDS} s of GET /api/vehicles, 64 connections (no figure)`);
	const auth = { Authorization: `Bearer ${await platform.client.token("alice")}` };
	await wrk(`${platform.apiUrl}/vehicles`, 64, auth, CLUSTER_WARMUP_SECONDS);
}

/** The comparison the Kafka figures must at least reach: reads and the catalog only. */
async function natsCluster(raw: number) {
	const label = "cluster on NATS";
	console.log(`\n${label} (a process per service, NATS transporter, MariaDB, Redis)`);
	const platform = await startBenchPlatform("cluster-nats");
	try {
		await warmUpCluster(platform);
		const auth = { Authorization: `Bearer ${await platform.client.token("alice")}` };
		throughput(
			`${label}: authenticated read GET /api/vehicles, 64 connections`,
			await wrkPlatform(platform, `${platform.apiUrl}/vehicles`, 64, auth),
			raw,
		);
		throughput(
			`${label}: public catalog GET /api/services`,
			await wrkPlatform(platform, `${platform.apiUrl}/services`, 32),
			raw,
		);
	} finally {
		await platform.stop();
	}
}

async function cluster(raw: number) {
	console.log("\ncluster (a process per service, Kafka transporter, MariaDB, Redis)");
	const platform = await startBenchPlatform("cluster");
	try {
		if (measures("memory"))
			for (const proc of platform.processes) {
				const memory = processMemory(proc.pid);
				if (memory)
					record({
						name: `cluster: ${proc.name} RSS idle`,
						value: memory.rssMiB,
						unit: "MiB",
						target: "≤ 150 MB",
						met: memory.rssMiB * 1.048576 <= 150,
					});
			}
		await warmUpCluster(platform);
		const base = platform.apiUrl;
		if (measures("reads")) {
			const auth = { Authorization: `Bearer ${await platform.client.token("alice")}` };
			throughput(
				"cluster: authenticated read GET /api/vehicles, 64 connections",
				await wrkPlatform(platform, `${base}/vehicles`, 64, auth),
				raw,
				{ rps: 3000, p99Ms: 50 },
			);
			throughput(
				"cluster: public catalog GET /api/services",
				await wrkPlatform(platform, `${base}/services`, 32),
				raw,
			);
		}
		if (measures("steady")) {
			// One gateway → booking call over the transporter (the answer comes from Redis), end to end over HTTP.
			const steady = await steadyRate(`${base}/services`, STEADY_RATE, {});
			record({
				name: `cluster: GET /api/services at a steady ${STEADY_RATE} req/s (p99 ${steady.p99Ms} ms${steady.failed ? `, ${steady.failed} failed` : ""})`,
				value: steady.p50Ms,
				unit: "ms p50",
				target: "p50 ≤ 2 ms, p99 ≤ 10 ms",
				met: steady.failed === 0 && steady.p50Ms <= 2 && steady.p99Ms <= 10,
			});
		}
		// Before the booking load: each figure is one booking's own way, not its wait behind a backlog.
		if (measures("read-models")) await readModelLatency(platform);
		if (measures("bookings")) await bookingLoad(platform, "cluster");
		if (measures("cold-search")) await coldSearches(platform);
	} finally {
		await platform.stop();
	}
}

const info = await machineInfo();
console.log(describeMachine(info));
console.log(`mode: ${QUICK ? "quick" : "full"}, wrk ${WRK_SECONDS} s per figure, ${BOOKINGS} bookings`);
const raw = await rawBaseline();
record({ name: "raw node:http, small JSON body, 32 connections", value: raw, unit: "req/s", ratio: 1 });
if (EMBEDDED) await embedded(raw);
if (CLUSTER) {
	// Started only now, so that Kafka's start-up (the JVM compiling, the log recovering) takes no CPU from the
	// embedded figures on this 2-core machine.
	const stopClusterServers = await startClusterServers();
	try {
		await cluster(raw);
		if (measures("nats")) await natsCluster(raw);
	} finally {
		await stopClusterServers();
	}
}

console.log(
	table(
		"Speed targets (issue 14)",
		["figure", "value", "× raw", "target", "met"],
		figures.map((f) => [
			f.name,
			`${f.value} ${f.unit}`,
			f.ratio ?? "",
			f.target ?? "",
			f.met === undefined ? "" : f.met ? "yes" : "no",
		]),
	),
);
const dir = join(new URL("./", import.meta.url).pathname, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, QUICK ? "quick.json" : "latest.json");
writeFileSync(
	file,
	`${JSON.stringify({ at: new Date().toISOString(), quick: QUICK, machine: info, figures }, null, 2)}\n`,
);
console.log(`figures written to ${file}`);
if (figures.length < (EMBEDDED && ONLY.length === 0 ? 7 : 2))
	throw new Error("the benchmark did not produce every figure");
process.exit(0);
