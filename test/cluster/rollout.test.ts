import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type Connection, createConnection, type RowDataPacket } from "mysql2/promise";
import { TOPICS } from "../../lib/events/contract.ts";
import {
	type Cluster,
	DEPLOYED_SERVICES,
	databaseName,
	EVERY_SERVICE_TWICE,
	startCluster,
} from "../support/cluster.ts";
import { eventually } from "../support/eventually.ts";
import {
	createCleaner,
	createVehicle,
	everyDay,
	expectStatus,
	freshArea,
	hourlySlots,
	nextWeekday,
} from "../support/fixtures.ts";
import { LoadBalancer } from "../support/load-balancer.ts";
import { ApiClient, type Caller, freePort } from "../support/platform.ts";

const run = promisify(execFile);

let cluster: Cluster;
let balancer: LoadBalancer;
/** The platform as a client sees it: through the load balancer, in front of both gateways. */
let client: ApiClient;
let db: Connection;

before(async () => {
	cluster = await startCluster({
		topology: EVERY_SERVICE_TWICE,
		env: {
			// The load is one customer's: the per-subject rate limit would answer it 429.
			RATE_LIMIT_PER_MINUTE: "1000000",
			// Fifteen processes and the load on a busy 2-core machine: a call may wait seconds for a core. A lost
			// request still fails (504), only later.
			REQUEST_TIMEOUT_MS: "15000",
		},
	});
	const gatewayPorts = ["gateway-1", "gateway-2"].map((name) => Number(cluster.node(name).env.PORT));
	balancer = new LoadBalancer(await freePort(), gatewayPorts);
	await balancer.start();
	await balancer.allReady(60_000);
	client = new ApiClient(`http://127.0.0.1:${balancer.port}/api`, cluster.issuer);
	db = await createConnection({ host: "127.0.0.1", port: 3306, user: "root", password: "" });
});
after(async () => {
	await balancer?.stop();
	await db?.end();
	await cluster?.stop();
});

async function rows(sql: string, params: unknown[] = []): Promise<RowDataPacket[]> {
	const [result] = await db.query<RowDataPacket[]>(sql, params);
	return result;
}

/** What one request of the load got: its HTTP status and error type, or the connection error. */
interface Outcome {
	request: string;
	status: number | null;
	kind: string;
	/** A booking that was made: its id. */
	bookingId?: string;
}

async function send(
	request: string,
	as: Caller | undefined,
	body?: unknown,
	headers?: Record<string, string>,
): Promise<Outcome> {
	const [method, path] = request.split(" ");
	try {
		const response = await client.api(method, path, { as, body, headers });
		const answer = response.body as { id?: string; error?: { type?: string } } | null;
		const upstream = response.headers.get("x-upstream-error");
		return {
			request,
			status: response.status,
			kind: upstream ?? answer?.error?.type ?? "",
			bookingId: method === "POST" && response.status === 201 ? answer?.id : undefined,
		};
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause;
		return { request, status: null, kind: cause?.code ?? (error as Error).name };
	}
}

/** The load's reads: every service answers at least one of them. */
function reads(availabilityPath: string): Array<{ request: string; as?: Caller }> {
	return [
		{ request: "GET /bookings", as: "alice" },
		{ request: "GET /vehicles", as: "alice" },
		{ request: "GET /customers/me", as: "alice" },
		{ request: "GET /cleaners/me", as: "carla" },
		{ request: "GET /settings", as: "olga" },
		{ request: "GET /services" },
		{ request: `GET ${availabilityPath}`, as: "alice" },
	];
}

/**
 * Every event the booking service wrote about these bookings was applied by both consumers (cleaner: both
 * topics; vehicle: booking-events), and the cleaner's agenda holds every booking.
 */
async function everyBookingInBothReadModels(bookingIds: string[], cleanerIds: string[]): Promise<void> {
	const events = await rows(
		`SELECT event_id AS eventId, topic FROM ${databaseName("booking")}.outbox WHERE message_key IN (?)`,
		[[...bookingIds, ...cleanerIds]],
	);
	const applied = async (owner: "cleaner" | "vehicle", ids: string[]) => {
		const [{ count }] = await rows(
			`SELECT COUNT(*) AS count FROM ${databaseName(owner)}.processed_events WHERE event_id IN (?)`,
			[ids],
		);
		return Number(count);
	};
	const all = events.map((event) => event.eventId as string);
	const bookingEvents = events
		.filter((e) => e.topic === TOPICS.bookingEvents)
		.map((e) => e.eventId as string);
	assert.ok(bookingEvents.length >= bookingIds.length, "every booking wrote its event");
	await eventually(
		`${all.length} events applied by both read models`,
		async () =>
			(await applied("cleaner", all)) === all.length &&
			(await applied("vehicle", bookingEvents)) === bookingEvents.length
				? true
				: undefined,
		60_000,
		500,
	);
	const agenda = await rows(
		`SELECT booking_id AS bookingId FROM ${databaseName("cleaner")}.agenda WHERE cleaner_id IN (?)`,
		[cleanerIds],
	);
	const inAgenda = new Set(agenda.map((row) => row.bookingId as string));
	assert.deepEqual(
		bookingIds.filter((id) => !inAgenda.has(id)),
		[],
		"every booking is in its cleaner's agenda",
	);
}

/** Every instance of every service replaced one at a time, as a rollout does: the gateways last. */
const ROLLOUT = DEPLOYED_SERVICES.flatMap((service) => [`${service}-1`, `${service}-2`]);

describe("a rolling restart under load", () => {
	it("replaces every instance of every service one at a time: no failed request, no lost event, no double booking", async (t) => {
		const area = freshArea();
		// Two cleaners: a fast rollout books more slots than one cleaner has within the booking horizon.
		const cleaners = [
			await createCleaner(client, { homeBase: area, weeklyHours: everyDay("06:00", "21:00") }),
			await createCleaner(client, { homeBase: area, weeklyHours: everyDay("06:00", "21:00") }),
		];
		const vehicle = await createVehicle(client, "alice", "small");
		const query = new URLSearchParams({
			serviceType: "exterior-wash",
			vehicleId: vehicle.id,
			date: nextWeekday(1),
			latitude: String(area.latitude),
			longitude: String(area.longitude),
		});
		const readList = reads(`/availability?${query}`);
		for (const caller of ["alice", "carla", "olga"] as const) await client.token(caller);

		const outcomes: Outcome[] = [];
		/** Every fourth slot is asked for twice at once: exactly one of the two may win. */
		const contested: Array<[Outcome, Outcome]> = [];
		const jobs = hourlySlots(Number.POSITIVE_INFINITY).flatMap((start) =>
			cleaners.map((cleaner) => ({ start, cleanerId: cleaner.id })),
		);
		let running = true;
		const exitCodes: Record<string, number | null> = {};

		const book = ({ start, cleanerId }: { start: string; cleanerId: string }) =>
			send(
				"POST /bookings",
				"alice",
				{ vehicleId: vehicle.id, serviceType: "exterior-wash", start, location: area, cleanerId },
				{ "Idempotency-Key": randomUUID() },
			);
		const reader = async (offset: number) => {
			for (let i = offset; running; i++) {
				const { request, as } = readList[i % readList.length];
				outcomes.push(await send(request, as));
				await sleep(20);
			}
		};
		const booker = async () => {
			while (running) {
				const job = jobs.shift();
				if (job === undefined) throw new Error("the load ran out of free slots");
				const pair = jobs.length % 4 === 0;
				const answers = await Promise.all(pair ? [book(job), book(job)] : [book(job)]);
				if (pair) contested.push(answers as [Outcome, Outcome]);
				outcomes.push(...answers);
				await sleep(50);
			}
		};

		const load = [reader(0), reader(2), reader(4), booker(), booker()];
		try {
			await sleep(2000);
			for (const name of ROLLOUT) {
				const started = Date.now();
				exitCodes[name] = await cluster.restart(name);
				if (name.startsWith("gateway")) await balancer.allReady(60_000);
				t.diagnostic(`${name} replaced in ${Date.now() - started} ms`);
			}
			await sleep(2000);
		} finally {
			running = false;
			await Promise.all(load);
		}

		const failures = new Map<string, number>();
		for (const outcome of outcomes) {
			const expected =
				outcome.status !== null &&
				(outcome.status < 400 || (outcome.request === "POST /bookings" && outcome.status === 409));
			if (expected) continue;
			const key = `${outcome.request.split("?")[0]} ${outcome.status ?? "connection"} ${outcome.kind}`;
			failures.set(key, (failures.get(key) ?? 0) + 1);
		}
		t.diagnostic(
			`${outcomes.length} requests (${outcomes.filter((o) => o.request === "POST /bookings").length} bookings) ` +
				`during ${ROLLOUT.length} restarts; served by gateway port: ${JSON.stringify(balancer.served())}`,
		);
		t.diagnostic(`failed: ${JSON.stringify(Object.fromEntries(failures))}`);
		assert.deepEqual(Object.fromEntries(failures), {}, "no request failed");
		for (const [name, code] of Object.entries(exitCodes)) assert.equal(code, 0, `${name} exited cleanly`);
		for (const [first, second] of contested)
			assert.deepEqual(
				[first.status, second.status].sort(),
				[201, 409],
				"one of two bookings of a slot wins",
			);

		const booked = outcomes.flatMap((outcome) => (outcome.bookingId ? [outcome.bookingId] : []));
		assert.ok(booked.length > 0, "bookings were made during the rollout");
		const overlapping = await rows(
			`SELECT a.id FROM ${databaseName("booking")}.bookings a JOIN ${databaseName("booking")}.bookings b
			 ON a.cleaner_id = b.cleaner_id AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at
			 WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'`,
		);
		assert.equal(overlapping.length, 0, "no two bookings of a cleaner overlap");
		await everyBookingInBothReadModels(
			booked,
			cleaners.map((cleaner) => cleaner.id),
		);
	});
});

/** Every booking as an admin reads it through the API, page by page: id, status, start and version. */
async function everyBookingServed(): Promise<string[]> {
	const seen: string[] = [];
	for (let offset = 0; ; offset += 100) {
		const page = await client.api("GET", `/bookings?limit=100&offset=${offset}`, { as: "olga" });
		expectStatus(page, 200, "list bookings");
		for (const b of page.body.items) seen.push(`${b.id} ${b.status} ${b.start} v${b.version}`);
		if (offset + 100 >= page.body.total) return seen.sort();
	}
}

describe("backup and restore (docs/deployment.md, Backup and restore)", () => {
	it("the booking database dumped, dropped and restored: the platform serves the same bookings", async () => {
		const database = databaseName("booking");
		const served = await everyBookingServed();
		assert.ok(served.length > 0, "there are bookings to lose");

		// The runbook's backup: a consistent snapshot of a live database, taken without locking it.
		const dump = join(cluster.logDir, `${database}.sql`);
		const { stdout } = await run(
			"mariadb-dump",
			["-h127.0.0.1", "-uroot", "--single-transaction", "--routines", "--triggers", "--databases", database],
			{ maxBuffer: 1 << 30 },
		);
		await writeFile(dump, stdout);

		// The loss, and the runbook's restore: the service stopped, its database restored, the service started.
		await Promise.all(["booking-1", "booking-2"].map((name) => cluster.kill(name, "SIGTERM")));
		await db.query(`DROP DATABASE ${database}`);
		await run("bash", ["-c", `mariadb -h127.0.0.1 -uroot < "${dump}"`]);
		// Together: each waits until the gateways see both instances again.
		await Promise.all(["booking-1", "booking-2"].map((name) => cluster.restart(name)));

		assert.deepEqual(await everyBookingServed(), served, "the same bookings, in the same state");
		await eventually(
			"the relay publishes what the backup held unsent",
			async () => {
				const [{ unsent }] = await rows(
					`SELECT COUNT(*) AS unsent FROM ${database}.outbox WHERE sent_at IS NULL`,
				);
				return Number(unsent) === 0 ? true : undefined;
			},
			60_000,
			500,
		);

		// And it goes on taking bookings, whose events reach both read models.
		const area = freshArea();
		const cleaner = await createCleaner(client, { homeBase: area, weeklyHours: everyDay("06:00", "21:00") });
		const vehicle = await createVehicle(client, "alice", "small");
		const booked = await client.api("POST", "/bookings", {
			as: "alice",
			body: {
				vehicleId: vehicle.id,
				serviceType: "exterior-wash",
				start: hourlySlots(1)[0],
				location: area,
				cleanerId: cleaner.id,
			},
		});
		expectStatus(booked, 201, "a booking after the restore");
		await everyBookingInBothReadModels([booked.body.id], [cleaner.id]);
	});
});
