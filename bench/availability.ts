/**
 * Issue 4: availability search with 200 cleaners and 2,000 existing bookings.
 * Target: p95 server time under 50 ms uncached and under 5 ms cached.
 *
 * Server time is measured in-process: a broker built from moleculer.config.ts (the same options every node
 * uses) runs the services the search needs, and each `broker.call("availability.search")` is timed around
 * the call. That is everything the platform does for a search (validation, vehicle and catalog look-ups,
 * generation read, cache get/set, the cleaner candidates, the bookings query, the slot computation), and
 * nothing it does not (no HTTP, no token check; no transporter hop except in the cluster backend). The broker's own
 * moleculer_request_time histogram for the action is printed next to it as a cross-check.
 *
 * Backends (each in its own child process, since config/ is read once per process from the environment):
 *   mariadb   one process, all services local, MariaDB + Redis cacher (the cluster's stores, no transporter)
 *   cluster   this process is the booking node (catalog + availability) in cluster mode; configuration,
 *             vehicle and cleaner run as their own processes; Kafka transporter, Redis, MariaDB. The search's
 *             calls to vehicles.get and cleaners.candidates cross Kafka, as in production.
 *   sqlite    one process, all services local, SQLite + memory cacher (embedded mode as `npm start` ships)
 *
 *   node bench/availability.ts                          all three
 *   node bench/availability.ts --backends=mariadb,sqlite
 *   options: --uncached=300 --cached=2000 --keep (keep the bench_avail_* databases)
 *
 * MariaDB uses throwaway bench_avail_* databases (root, no password) and Redis database 7; it never touches
 * the service databases of the tests. Needs `bash scripts/infra.sh up` for mariadb and cluster.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DateTime } from "luxon";
import type { ServiceBroker } from "moleculer";
import type { Model, ModelStatic, Sequelize } from "sequelize";
import type { BusinessSettingsHolder } from "../mixins/business-settings.mixin.ts";
import type { CleanerDay } from "../services/booking/availability-rules.ts";
import { grantKafkaAcls, kafkaEnv } from "../test/support/kafka.ts";
import { freePort, spawnNode, stopNode, waitForReady } from "../test/support/platform.ts";
import {
	argNumber,
	argString,
	BENCH_KAFKA_URL,
	BENCH_REDIS_DB,
	describeMachine,
	dropDatabases,
	flushBenchRedis,
	type LatencyStats,
	latencyStats,
	machineInfo,
	mariadbRoot,
	now,
	printJson,
	recreateDatabases,
	table,
} from "./lib.ts";

const BACKENDS = ["mariadb", "cluster", "sqlite"] as const;
type Backend = (typeof BACKENDS)[number];

const CLEANERS = 200;
const BOOKINGS = 2_000;
const ZONE = "Europe/Amsterdam";
/** Well away from the demo cleaners (Amsterdam), so the search area holds exactly the bench's cleaners. */
const AREA = { latitude: 48.137, longitude: 11.575 };
const SERVICE_TYPE = "exterior-wash";
const TARGET_UNCACHED_P95_MS = 50;
const TARGET_CACHED_P95_MS = 5;
const OWNERS = ["configuration", "vehicle", "cleaner", "booking"] as const;
const databaseName = (backend: Backend, owner: string) => `bench_avail_${backend}_${owner}_db`;
/** Cluster backend: the services the search calls, each its own process (the runner, like `npm start`). */
const REMOTE_NODES = ["configuration", "vehicle", "cleaner"] as const;
const usesMariadb = (backend: Backend) => backend !== "sqlite";

interface PhaseResult {
	phase: string;
	description: string;
	stats: LatencyStats;
	/** Sequential calls per second (1000 / mean). */
	throughputPerSecond: number;
	/** The broker's own moleculer_request_time quantiles for availability.search over the phase. */
	brokerP50Ms: number | null;
	brokerP95Ms: number | null;
	/** The same histogram for the actions the search calls (vehicles.get, catalog.get, cleaners.candidates). */
	subCalls: Record<string, { n: number; p50Ms: number; p95Ms: number }>;
	cacheGets: number;
	cacheHits: number;
}

interface WorkerResult {
	backend: Backend;
	database: string;
	cacher: string;
	topology: string;
	data: {
		cleaners: number;
		candidatesEvaluated: number;
		bookings: number;
		bookingsInSearchWindow: number;
		day: string;
		slots: number;
		slotCleanerPairs: number;
		responseBytes: number;
	};
	setupSeconds: number;
	phases: PhaseResult[];
	/** The uncached search's own steps, timed one by one outside the action. */
	parts: Record<string, LatencyStats>;
}

// ---------------------------------------------------------------- worker: one backend in this process

/** A Wednesday at least a week ahead: a working day, and every booking around it is in the future. */
function searchDay(): string {
	let day = DateTime.now().setZone(ZONE).startOf("day").plus({ days: 7 });
	while (day.weekday !== 3) day = day.plus({ days: 1 });
	return day.toISODate() as string;
}

function workerEnv(backend: Backend, opsPort: number, dataDir: string): Record<string, string> {
	const env: Record<string, string> = {
		MODE: backend === "cluster" ? "cluster" : "embedded",
		NAMESPACE: `bench-avail-${backend}`,
		NODE_ID: `bench-availability-${backend}`,
		LOG_LEVEL: "warn",
		OPS_PORT: String(opsPort),
		DATA_DIR: dataDir,
		SEED_DEMO_DATA: "true",
		DB_MIGRATE_ON_START: "true",
		PLATFORM_TIME_ZONE: ZONE,
	};
	if (usesMariadb(backend)) {
		for (const owner of OWNERS) {
			env[`${owner.toUpperCase()}_DB_URL`] = `mysql://root@127.0.0.1:3306/${databaseName(backend, owner)}`;
		}
		env.CACHER_URL = `redis://127.0.0.1:6379/${BENCH_REDIS_DB}`;
	}
	if (backend === "cluster") {
		Object.assign(env, {
			SERVICES: "booking",
			TRANSPORTER_URL: BENCH_KAFKA_URL,
			// Domain-event topics prefixed so they never mix with the tests' topics.
			EVENTS_KAFKA_URL: BENCH_KAFKA_URL,
			EVENTS_TOPIC_PREFIX: "bench-avail.",
			...kafkaEnv("booking"),
		});
	}
	return env;
}

type Adapted = { model: ModelStatic<Model>; database(): Sequelize };

function counterTotal(broker: ServiceBroker, name: string): number {
	const metric = broker.metrics.getMetric(name) as unknown as {
		snapshot(): Array<{ value: number }>;
	} | null;
	return metric?.snapshot().reduce((sum, item) => sum + item.value, 0) ?? 0;
}

interface HistogramMetric {
	resetAll(): void;
	snapshot(): Array<{ labels: Record<string, string>; count?: number; quantiles?: Record<string, number> }>;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

async function worker(backend: Backend): Promise<void> {
	const setupStart = now();
	const dataDir = await mkdtemp(join(tmpdir(), "bench-availability-"));
	Object.assign(process.env, workerEnv(backend, await freePort(), dataDir));
	const databases = OWNERS.map((owner) => databaseName(backend, owner));
	if (usesMariadb(backend)) {
		await recreateDatabases(databases);
		await flushBenchRedis();
	}
	if (backend === "cluster")
		await grantKafkaAcls({ namespace: `bench-avail-${backend}`, eventsPrefix: "bench-avail." });
	// Cluster: the services the search calls on other nodes, started first (they migrate their databases).
	const remoteNodes: ChildProcess[] = [];
	const stopRemoteNodes = () => Promise.all(remoteNodes.map((child) => stopNode(child)));
	if (backend === "cluster") {
		try {
			await Promise.all(
				REMOTE_NODES.map(async (name) => {
					const opsPort = await freePort();
					const child = spawnNode(
						{
							...(process.env as Record<string, string>),
							...kafkaEnv(name),
							SERVICES: name,
							NODE_ID: `bench-avail-${name}`,
							OPS_PORT: String(opsPort),
						},
						join(dataDir, `${name}.log`),
					);
					remoteNodes.push(child);
					await waitForReady(`http://127.0.0.1:${opsPort}/health/ready`, 120_000, child);
				}),
			);
		} catch (error) {
			await stopRemoteNodes();
			throw error;
		}
	}

	// config/ reads the environment when first imported, so everything that imports it comes after this point.
	const { ServiceBroker } = await import("moleculer");
	const brokerOptions = (await import("../moleculer.config.ts")).default;
	const { normaliseWeeklyHours } = await import("../services/cleaner/schedule-rules.ts");
	const { bumpGenerations, busyIntervals, generationOf } = await import(
		"../services/booking/reservations.ts"
	);
	const { dayBounds, freeSlots } = await import("../services/booking/availability-rules.ts");
	// The nodes keep no quantiles on Moleculer's request histogram (moleculer.config.ts); this broker does, for
	// the broker-side cross-check and the sub-calls' table.
	const broker = new ServiceBroker({
		...brokerOptions,
		metrics: { ...(brokerOptions.metrics as object), defaultQuantiles: [0.5, 0.95, 0.99] },
	});
	const localServices =
		backend === "cluster"
			? ["booking/catalog.service.ts", "booking/availability.service.ts"]
			: [
					"configuration/configuration.service.ts",
					"vehicle/vehicle.service.ts",
					"cleaner/cleaner.service.ts",
					"booking/catalog.service.ts",
					"booking/availability.service.ts",
				];
	for (const file of localServices) broker.createService((await import(`../services/${file}`)).default);
	try {
		await broker.start();
		await broker.waitForServices(["configuration", "vehicles", "cleaners"], 60_000);
	} catch (error) {
		await broker.stop();
		await stopRemoteNodes();
		throw error;
	}

	try {
		const day = searchDay();
		const user = { id: "bench-customer", roles: ["customer"], scopes: [] as string[] };
		const meta = { meta: { user } };

		// 200 cleaners: all active, all with the skill, all in the area; office hours like the demo cleaners.
		const officeDay = [
			{ start: "08:00", end: "12:00" },
			{ start: "13:00", end: "17:00" },
		];
		const weeklyHours = normaliseWeeklyHours({
			monday: officeDay,
			tuesday: officeDay,
			wednesday: officeDay,
			thursday: officeDay,
			friday: officeDay,
			saturday: [{ start: "09:00", end: "13:00" }],
		});
		const cleanerIds = Array.from({ length: CLEANERS }, () => randomUUID());
		const cleanerRows = cleanerIds.map((id, i) => ({
			id,
			subject: `bench-cleaner-${i}`,
			displayName: `Bench Cleaner ${i}`,
			email: null,
			phone: null,
			skills: ["exterior-wash", "interior-clean", "full-valet", "ceramic-coating"],
			homeLatitude: AREA.latitude + ((i % 20) - 10) * 0.004,
			homeLongitude: AREA.longitude + (Math.floor(i / 20) - 5) * 0.006,
			radiusKm: 25,
			weeklyHours,
			timeOff: [],
			active: true,
			ratingSum: 0,
			ratingCount: 0,
			jobsCompleted: 0,
		}));
		const localCleaners = broker.getLocalService("cleaners") as unknown as Adapted | undefined;
		if (localCleaners) await localCleaners.model.bulkCreate(cleanerRows);
		else await insertCleanersDirectly(databaseName(backend, "cleaner"), cleanerRows);

		// 2,000 confirmed bookings, 10 per cleaner over the week around the day: 3 on the day itself, 2 on each
		// neighbour, 1 on each of the three days further out. Start times shift per cleaner, so the slots
		// differ from cleaner to cleaner and the search cannot shortcut.
		const perCleaner: Array<[dayOffset: number, time: string, minutes: number]> = [
			[0, "08:00", 60],
			[0, "11:00", 45],
			[0, "14:30", 90],
			[-1, "09:00", 60],
			[-1, "14:00", 60],
			[1, "09:00", 120],
			[1, "14:00", 45],
			[-2, "10:00", 60],
			[2, "10:00", 60],
			[3, "10:00", 60],
		];
		const dayStart = DateTime.fromISO(day, { zone: ZONE });
		const bookingsModel = (broker.getLocalService("availability") as unknown as Adapted).model;
		const rows = cleanerIds.flatMap((cleanerId, i) =>
			perCleaner.map(([offset, time, minutes]) => {
				const [hour, minute] = time.split(":").map(Number);
				const start = dayStart
					.plus({ days: offset })
					.set({ hour, minute })
					.plus({ minutes: (i % 4) * 30 });
				return {
					id: randomUUID(),
					customerId: `bench-customer-${i % 50}`,
					vehicleId: randomUUID(),
					vehiclePlate: `BENCH${i}`,
					vehicleSizeClass: "medium",
					cleanerId,
					serviceType: SERVICE_TYPE,
					startAt: start.toJSDate(),
					endAt: start.plus({ minutes }).toJSDate(),
					priceMinor: 3000,
					currency: "EUR",
					status: "confirmed",
					location: { latitude: AREA.latitude, longitude: AREA.longitude },
					notes: null,
					lateCancellation: false,
					version: 1,
				};
			}),
		);
		if (rows.length !== BOOKINGS) throw new Error(`expected ${BOOKINGS} bookings, built ${rows.length}`);
		for (let i = 0; i < rows.length; i += 500) await bookingsModel.bulkCreate(rows.slice(i, i + 500));
		const windowStart = dayStart.minus({ days: 1 }).toJSDate();
		const windowEnd = dayStart.plus({ days: 2 }).toJSDate();
		const bookingsInSearchWindow = rows.filter(
			(row) => row.startAt < windowEnd && row.endAt > windowStart,
		).length;

		const vehicle = await broker.call<{ id: string }, object>(
			"vehicles.create",
			{ plate: "BENCH1", make: "Volkswagen", model: "Golf", year: 2020, colour: "blue", sizeClass: "medium" },
			meta,
		);
		await broker.cacher?.clean();

		// Every one of the 200 cleaners is a candidate of the search (the demo cleaners are elsewhere).
		const bounds = { from: dayStart.toUTC().toISO(), to: dayStart.plus({ days: 1 }).toUTC().toISO() };
		const candidates = await broker.call<{ items: Array<{ id: string }> }, object>("cleaners.candidates", {
			serviceType: SERVICE_TYPE,
			...AREA,
			...bounds,
		});
		const ours = new Set<string>(cleanerIds);
		if (candidates.items.length !== CLEANERS || !candidates.items.every((c) => ours.has(c.id))) {
			throw new Error(
				`expected the ${CLEANERS} bench cleaners as candidates, got ${candidates.items.length}`,
			);
		}
		await broker.cacher?.clean();

		const params = { serviceType: SERVICE_TYPE, vehicleId: vehicle.id, date: day, ...AREA };
		type Search = { slots: Array<{ cleanerIds: string[] }> };
		const search = () => broker.call<Search, typeof params>("availability.search", params, meta);
		const sequelize = (broker.getLocalService("availability") as unknown as Adapted).database();
		const bump = () => sequelize.transaction((transaction) => bumpGenerations(sequelize, [day], transaction));
		const histogram = broker.metrics.getMetric("moleculer.request.time") as unknown as HistogramMetric;

		const reference = await search();
		const slotCleanerPairs = reference.slots.reduce((sum, slot) => sum + slot.cleanerIds.length, 0);
		if (reference.slots.length === 0) throw new Error("the search found no free slot at all");
		const setupSeconds = (now() - setupStart) / 1000;

		const runPhase = async (
			phase: string,
			description: string,
			iterations: number,
			before: () => Promise<unknown>,
			expected: { getsPerCall: number; hitsPerCall: number },
		): Promise<PhaseResult> => {
			// Warm-up of the same shape, not recorded: JIT, connection pool, prepared paths.
			for (let i = 0; i < Math.min(20, iterations); i++) {
				await before();
				await search();
			}
			histogram.resetAll();
			const gets0 = counterTotal(broker, "moleculer.cacher.get.total");
			const hits0 = counterTotal(broker, "moleculer.cacher.found.total");
			const samples: number[] = [];
			for (let i = 0; i < iterations; i++) {
				await before();
				const start = now();
				const result = await search();
				samples.push(now() - start);
				if (result.slots.length !== reference.slots.length) {
					throw new Error(`${phase}: ${result.slots.length} slots, expected ${reference.slots.length}`);
				}
			}
			const cacheGets = counterTotal(broker, "moleculer.cacher.get.total") - gets0;
			const cacheHits = counterTotal(broker, "moleculer.cacher.found.total") - hits0;
			// The proof that a phase measured what it says: every cache look-up and hit is counted by the cacher.
			if (
				cacheGets !== iterations * expected.getsPerCall ||
				cacheHits !== iterations * expected.hitsPerCall
			) {
				throw new Error(
					`${phase}: cacher saw ${cacheGets} gets / ${cacheHits} hits, expected ` +
						`${iterations * expected.getsPerCall} / ${iterations * expected.hitsPerCall}`,
				);
			}
			const snapshot = histogram.snapshot();
			const own = snapshot.find((item) => item.labels.action === "availability.search");
			const subCalls = Object.fromEntries(
				snapshot
					.filter((item) => item.labels.action !== "availability.search" && (item.count ?? 0) > 0)
					.map((item) => [
						item.labels.action,
						{
							n: item.count ?? 0,
							p50Ms: round3(item.quantiles?.["0.5"] ?? Number.NaN),
							p95Ms: round3(item.quantiles?.["0.95"] ?? Number.NaN),
						},
					]),
			);
			const stats = latencyStats(samples);
			return {
				phase,
				description,
				stats,
				throughputPerSecond: Math.round((1000 / stats.meanMs) * 10) / 10,
				brokerP50Ms: own?.quantiles?.["0.5"] ?? null,
				brokerP95Ms: own?.quantiles?.["0.95"] ?? null,
				subCalls,
				cacheGets,
				cacheHits,
			};
		};

		const uncached = argNumber("uncached", 300);
		const cached = argNumber("cached", 2000);
		// This broker's cacher counts its own look-ups only. Every search looks up its inputs (the vehicle's size
		// class, catalog.get) and its result; a miss looks up the candidates cached on the booking side, and
		// when those miss too, cleaners.candidates looks up its own entry: on this broker in one process, on the
		// cleaner node (not counted here) in the cluster.
		const cleanerNodeLookups = backend === "cluster" ? 0 : 1;
		const inputLookups = 2;
		// Nothing cached: every entry is looked up and missed.
		const cold = await runPhase(
			"uncached-cold",
			"cache emptied before each call (everything misses)",
			uncached,
			() => broker.cacher?.clean() ?? Promise.resolve(),
			{ getsPerCall: 1 + inputLookups + 1 + cleanerNodeLookups, hitsPerCall: 0 },
		);
		// The platform's cacher repeats every clean a request timeout later (lib/stale-safe-cacher.ts): the cold
		// phase's cleans would otherwise empty the cache in the middle of the phases after it.
		await sleep(broker.options.requestTimeout ?? 0);
		const phases = [
			cold,
			// What follows a booking: the day's generation moved on, so the availability entry is missed, while
			// the inputs and the candidates (which no booking changes) are still cached.
			await runPhase(
				"uncached-new-generation",
				"generation bumped before each call (availability miss, inputs and candidates hit)",
				uncached,
				bump,
				{ getsPerCall: 1 + inputLookups + 1, hitsPerCall: inputLookups + 1 },
			),
			await runPhase("cached", "same day and generation (everything hits)", cached, () => Promise.resolve(), {
				getsPerCall: 1 + inputLookups,
				hitsPerCall: 1 + inputLookups,
			}),
		];

		// The steps of an uncached search one by one, with the same inputs the action uses.
		const settings = (broker.getLocalService("availability") as unknown as BusinessSettingsHolder)
			.businessSettings;
		const catalogItem = await broker.call<{ durationsMinutes: Record<string, number> }, object>(
			"catalog.get",
			{
				code: SERVICE_TYPE,
			},
		);
		const dayWindow = dayBounds(day, settings.timeZone);
		const margin = 24 * 3_600_000;
		const partSamples: Record<string, number[]> = {
			"generation read": [],
			"cleaners.candidates (uncached)": [],
			"bookings query (busyIntervals)": [],
			"slot computation (freeSlots)": [],
		};
		const timed = async <T>(part: string, work: () => Promise<T> | T): Promise<T> => {
			const start = now();
			const value = await work();
			partSamples[part].push(now() - start);
			return value;
		};
		for (let i = 0; i < Math.min(uncached, 100) + 10; i++) {
			await broker.cacher?.clean();
			await timed("generation read", () => generationOf(sequelize, day));
			const { items } = await timed("cleaners.candidates (uncached)", () =>
				broker.call<{ items: CleanerDay[] }, object>("cleaners.candidates", {
					serviceType: SERVICE_TYPE,
					...AREA,
					from: new Date(dayWindow.start).toISOString(),
					to: new Date(dayWindow.end).toISOString(),
				}),
			);
			const busy = await timed("bookings query (busyIntervals)", () =>
				busyIntervals(
					sequelize,
					items.map((c) => c.id),
					{ start: dayWindow.start - margin, end: dayWindow.end + margin },
				),
			);
			await timed("slot computation (freeSlots)", () =>
				freeSlots({
					day,
					timeZone: settings.timeZone,
					granularityMinutes: settings.slotGranularityMinutes,
					bufferMinutes: settings.travelBufferMinutes,
					durationMinutes: catalogItem.durationsMinutes.medium,
					cleaners: items.map((c) => ({ ...c, busy: busy.get(c.id) ?? [] })),
					notBefore: Date.now(),
				}),
			);
			// The first ten rounds are warm-up.
			if (i < 10) for (const samples of Object.values(partSamples)) samples.length = 0;
		}
		const parts = Object.fromEntries(
			Object.entries(partSamples).map(([part, samples]) => [part, latencyStats(samples)]),
		);

		const result: WorkerResult = {
			backend,
			database: usesMariadb(backend) ? "MariaDB (bench_avail_* databases)" : "SQLite (temporary files)",
			cacher: usesMariadb(backend) ? `Redis db ${BENCH_REDIS_DB}` : "memory (clone: true)",
			topology:
				backend === "cluster"
					? "booking node in-process; configuration, vehicle, cleaner nodes as processes; Kafka transporter"
					: "one process, all services local, no transporter",
			data: {
				cleaners: CLEANERS,
				candidatesEvaluated: candidates.items.length,
				bookings: rows.length,
				bookingsInSearchWindow,
				day,
				slots: reference.slots.length,
				slotCleanerPairs,
				responseBytes: Buffer.byteLength(JSON.stringify(reference)),
			},
			setupSeconds: Math.round(setupSeconds * 10) / 10,
			phases,
			parts,
		};
		process.stdout.write(`WORKER_RESULT ${JSON.stringify(result)}\n`);
	} finally {
		await broker.stop();
		await stopRemoteNodes();
		await rm(dataDir, { recursive: true, force: true });
		if (usesMariadb(backend)) {
			await flushBenchRedis();
			if (!process.argv.includes("--keep")) await dropDatabases(databases);
		}
	}
}

/** For the cluster backend, where the cleaner service runs in another process: the same rows, by SQL. */
async function insertCleanersDirectly(database: string, rows: Array<Record<string, unknown>>): Promise<void> {
	const connection = await mariadbRoot();
	try {
		const at = new Date();
		await connection.query(
			`INSERT INTO \`${database}\`.cleaners (id, subject, display_name, email, phone, skills, weekly_hours,
			 time_off, home_latitude, home_longitude, radius_km, active, rating_sum, rating_count, jobs_completed,
			 created_at, updated_at) VALUES ?`,
			[
				rows.map((row) => [
					row.id,
					row.subject,
					row.displayName,
					row.email,
					row.phone,
					JSON.stringify(row.skills),
					JSON.stringify(row.weeklyHours),
					JSON.stringify(row.timeOff),
					row.homeLatitude,
					row.homeLongitude,
					row.radiusKm,
					row.active,
					row.ratingSum,
					row.ratingCount,
					row.jobsCompleted,
					at,
					at,
				]),
			],
		);
	} finally {
		await connection.end();
	}
}

// ---------------------------------------------------------------- orchestrator

function runWorker(backend: Backend): Promise<WorkerResult> {
	return new Promise((resolve, reject) => {
		const args = [
			...process.execArgv,
			new URL(import.meta.url).pathname,
			`--worker=${backend}`,
			...process.argv.slice(2),
		];
		const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
		let result: WorkerResult | undefined;
		let buffered = "";
		child.stdout.on("data", (chunk: Buffer) => {
			buffered += chunk.toString();
			let newline = buffered.indexOf("\n");
			while (newline >= 0) {
				const line = buffered.slice(0, newline);
				buffered = buffered.slice(newline + 1);
				if (line.startsWith("WORKER_RESULT ")) result = JSON.parse(line.slice("WORKER_RESULT ".length));
				else if (line.trim() !== "") process.stderr.write(`[${backend}] ${line}\n`);
				newline = buffered.indexOf("\n");
			}
		});
		// Bounded: a worker that hangs is killed.
		const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
		child.on("exit", (code) => {
			clearTimeout(timer);
			if (code === 0 && result) resolve(result);
			else reject(new Error(`${backend} worker exited with ${code}`));
		});
	});
}

async function main(): Promise<void> {
	const workerBackend = argString("worker", "");
	if (workerBackend !== "") {
		if (!(BACKENDS as readonly string[]).includes(workerBackend))
			throw new Error(`unknown backend ${workerBackend}`);
		await worker(workerBackend as Backend);
		return;
	}

	const backends = argString("backends", BACKENDS.join(",")).split(",") as Backend[];
	for (const backend of backends) {
		if (!BACKENDS.includes(backend))
			throw new Error(`unknown backend ${backend} (known: ${BACKENDS.join(", ")})`);
	}
	const machine = await machineInfo();
	console.log(`Availability search benchmark (issue 4): ${CLEANERS} cleaners, ${BOOKINGS} bookings`);
	console.log(describeMachine(machine));

	const results: WorkerResult[] = [];
	for (const backend of backends) results.push(await runWorker(backend));

	for (const result of results) {
		const d = result.data;
		console.log(
			`\n${result.backend}: ${result.topology}; ${result.database}, cacher ${result.cacher}; day ${d.day}; ` +
				`${d.candidatesEvaluated} candidate cleaners, ${d.bookings} bookings (${d.bookingsInSearchWindow} ` +
				`read by the search); answer: ${d.slots} slots, ${d.slotCleanerPairs} slot×cleaner entries, ` +
				`${Math.round(d.responseBytes / 1024)} KiB JSON; setup ${result.setupSeconds} s`,
		);
	}
	const verdict = (p95: number, target: number) =>
		p95 < target ? `met (<${target})` : `MISSED (≥${target})`;
	console.log(
		table(
			"Server time of availability.search (ms, in-process broker.call; sequential)",
			["backend / phase", "n", "p50", "p95", "p99", "max", "mean", "calls/s", "broker p95", "target"],
			results.flatMap((result) =>
				result.phases.map((phase) => [
					`${result.backend} ${phase.phase}`,
					String(phase.stats.n),
					phase.stats.p50Ms,
					phase.stats.p95Ms,
					phase.stats.p99Ms,
					phase.stats.maxMs,
					phase.stats.meanMs,
					phase.throughputPerSecond,
					phase.brokerP95Ms ?? Number.NaN,
					phase.phase === "cached"
						? verdict(phase.stats.p95Ms, TARGET_CACHED_P95_MS)
						: verdict(phase.stats.p95Ms, TARGET_UNCACHED_P95_MS),
				]),
			),
		),
	);
	for (const result of results) {
		const cold = result.phases[0];
		console.log(
			table(
				`${result.backend}: inside an uncached search (ms)`,
				["step", "n", "p50", "p95", "p99"],
				[
					...Object.entries(cold.subCalls).map(([action, q]) => [
						`${action} (broker histogram, cold phase)`,
						String(q.n),
						q.p50Ms,
						q.p95Ms,
						"",
					]),
					...Object.entries(result.parts).map(([part, stats]) => [
						`${part} (timed directly)`,
						String(stats.n),
						stats.p50Ms,
						stats.p95Ms,
						stats.p99Ms,
					]),
				],
			),
		);
	}
	console.log(
		"\nCache checks (cacher get/hit counters over each phase): " +
			results
				.flatMap((r) => r.phases.map((p) => `${r.backend} ${p.phase} ${p.cacheGets}/${p.cacheHits}`))
				.join(", "),
	);
	printJson("availability", {
		machine,
		targets: { uncachedP95Ms: TARGET_UNCACHED_P95_MS, cachedP95Ms: TARGET_CACHED_P95_MS },
		results,
	});
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
