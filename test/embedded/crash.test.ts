import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { CONSUMER_GROUPS } from "../../lib/events/contract.ts";
import { eventually } from "../support/eventually.ts";
import { createCleaner, createVehicle, everyDay, freshArea, hourlySlots } from "../support/fixtures.ts";
import { type EmbeddedPlatform, metricValue, startPlatform } from "../support/platform.ts";

/**
 * The embedded platform is killed with SIGKILL in the middle of a booking load and started again on the same
 * data. Every booking the booking database holds must then reach both read models (the cleaner's agenda and
 * the vehicle's booking history) with its current status, and every SQLite file must pass an integrity check.
 * The kill lands at a different moment of the load in each run.
 */
const KILL_AFTER_MS = [600, 1200, 1800, 2500];
const IN_FLIGHT = 16;
const EVERY_DAY = everyDay("06:00", "22:00");

type Statuses = Map<string, string>;

function statuses(database: DatabaseSync, sql: string, params: string[]): Statuses {
	const rows = database.prepare(sql).all(...params) as Array<{ id: string; status: string }>;
	return new Map(rows.map((row) => [row.id, row.status]));
}

/** What the booking database holds and what each read model shows of it, read straight from the files. */
function readModels(dataDir: string, cleanerId: string, vehicleIds: string[]) {
	const open = (name: string) => new DatabaseSync(join(dataDir, `${name}.sqlite`), { readOnly: true });
	const [booking, cleaner, vehicle] = [open("booking"), open("cleaner"), open("vehicle")];
	try {
		const inVehicles = vehicleIds.map(() => "?").join(", ");
		return {
			bookings: statuses(booking, "SELECT id, status FROM bookings WHERE cleaner_id = ?", [cleanerId]),
			agenda: statuses(cleaner, "SELECT booking_id AS id, status FROM agenda WHERE cleaner_id = ?", [
				cleanerId,
			]),
			history: statuses(
				vehicle,
				`SELECT booking_id AS id, status FROM vehicle_bookings WHERE vehicle_id IN (${inVehicles})`,
				vehicleIds,
			),
		};
	} finally {
		for (const database of [booking, cleaner, vehicle]) database.close();
	}
}

/** Bookings absent from a read model, and bookings it shows with another status than the booking's. */
function gaps(bookings: Statuses, model: Statuses) {
	let missing = 0;
	let stale = 0;
	for (const [id, status] of bookings) {
		if (!model.has(id)) missing++;
		else if (model.get(id) !== status) stale++;
	}
	return { missing, stale, extra: [...model.keys()].filter((id) => !bookings.has(id)).length };
}

function integrityOf(dataDir: string): Record<string, string> {
	const result: Record<string, string> = {};
	for (const file of readdirSync(dataDir).filter((name) => name.endsWith(".sqlite"))) {
		const database = new DatabaseSync(join(dataDir, file));
		try {
			const rows = database.prepare("PRAGMA integrity_check").all() as Array<{ integrity_check: string }>;
			const { journal_mode } = database.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
			result[file] = `${rows.map((row) => row.integrity_check).join("; ")}, ${journal_mode}`;
		} finally {
			database.close();
		}
	}
	return result;
}

/**
 * Books distinct slots with `IN_FLIGHT` requests at a time, cancelling every third booking right away so that
 * the read models see several kinds of change, until the platform stops answering. `started` settles at the
 * first booking, so a kill timed from it lands mid-load however slow the machine is.
 */
function bookingLoad(
	platform: EmbeddedPlatform,
	vehicleIds: string[],
	location: object,
	// More than any load here can fill, unless given.
	free = hourlySlots(855),
) {
	let created = 0;
	let firstBooked = () => {};
	const started = new Promise<void>((resolve) => {
		firstBooked = resolve;
	});
	const worker = async () => {
		for (;;) {
			const start = free.shift();
			if (!start) return;
			try {
				const vehicleId = vehicleIds[created % vehicleIds.length];
				const booked = await platform.api("POST", "/bookings", {
					as: "alice",
					headers: { "Idempotency-Key": randomUUID() },
					body: { vehicleId, serviceType: "exterior-wash", start, location },
				});
				if (booked.status !== 201) continue;
				created++;
				firstBooked();
				if (created % 3 === 0)
					await platform.api("POST", `/bookings/${booked.body.id}/cancel`, { as: "alice" });
			} catch {
				return; // the process is gone
			}
		}
	};
	return { started, done: Promise.all(Array.from({ length: IN_FLIGHT }, worker)) };
}

/** A platform with a cleaner who works every day in an area of its own, and four of alice's vehicles. */
async function platformUnderLoad() {
	const platform = await startPlatform();
	const homeBase = freshArea();
	const cleaner = await createCleaner(platform, {
		homeBase,
		weeklyHours: EVERY_DAY,
		skills: ["exterior-wash"],
	});
	const vehicleIds: string[] = [];
	for (let i = 0; i < 4; i++) vehicleIds.push((await createVehicle(platform, "alice", "small")).id);
	await platform.token("alice");
	return {
		platform,
		load: () => bookingLoad(platform, vehicleIds, homeBase),
		homeBase,
		cleanerId: cleaner.id,
		vehicleIds,
	};
}

function counts(models: ReturnType<typeof readModels>) {
	return {
		bookings: models.bookings.size,
		cancelled: [...models.bookings.values()].filter((status) => status === "cancelled").length,
		agenda: gaps(models.bookings, models.agenda),
		history: gaps(models.bookings, models.history),
	};
}

function assertComplete(seen: ReturnType<typeof counts>, when: string) {
	console.log(`${when}: ${JSON.stringify(seen)}`);
	assert.ok(seen.bookings >= 5, `the load made only ${seen.bookings} bookings`);
	assert.deepEqual(seen.agenda, { missing: 0, stale: 0, extra: 0 }, "the cleaner's agenda");
	assert.deepEqual(seen.history, { missing: 0, stale: 0, extra: 0 }, "the vehicles' booking history");
}

function assertIntact(dataDir: string, when: string) {
	const verdicts = integrityOf(dataDir);
	assert.ok(Object.keys(verdicts).length >= 6, `the SQLite files: ${Object.keys(verdicts)}`);
	for (const [file, verdict] of Object.entries(verdicts)) assert.equal(verdict, "ok, wal", `${file} ${when}`);
}

/** Per consumer group: the event ids its topics hold, those its database recorded as applied, and how many
 * records lie past the positions written to the log's file (delivered again at the next start). */
/** Events in the booking database's outbox that the relay has not published yet. */
function unsentEvents(dataDir: string): number {
	const database = new DatabaseSync(join(dataDir, "booking.sqlite"), { readOnly: true });
	try {
		const { unsent } = database
			.prepare("SELECT count(*) AS unsent FROM outbox WHERE sent_at IS NULL")
			.get() as {
			unsent: number;
		};
		return unsent;
	} finally {
		database.close();
	}
}

function groupProgress(dataDir: string) {
	const log = new DatabaseSync(join(dataDir, "events.sqlite"), { readOnly: true });
	try {
		return Object.entries(CONSUMER_GROUPS).map(([owner, { group, topics }]) => {
			const inTopics = topics.map(() => "?").join(", ");
			const records = log
				.prepare(`SELECT value FROM event_log WHERE topic IN (${inTopics})`)
				.all(...topics) as Array<{ value: string }>;
			const { unwritten } = log
				.prepare(
					`SELECT count(*) AS unwritten FROM event_log e WHERE topic IN (${inTopics}) AND id >= coalesce(
						(SELECT next_id FROM group_positions p
						 WHERE p.group_name = ? AND p.topic = e.topic AND p.partition = e.partition), 0)`,
				)
				.get(...topics, group) as { unwritten: number };
			const database = new DatabaseSync(join(dataDir, `${owner}.sqlite`), { readOnly: true });
			try {
				const processed = database.prepare("SELECT event_id FROM processed_events").all() as Array<{
					event_id: string;
				}>;
				return {
					group,
					logged: [...new Set(records.map((record) => JSON.parse(record.value).id as string))].sort(),
					applied: processed.map((row) => row.event_id).sort(),
					unwritten,
				};
			} finally {
				database.close();
			}
		});
	} finally {
		log.close();
	}
}

function mailsQueued(dataDir: string): number {
	const database = new DatabaseSync(join(dataDir, "notification.sqlite"), { readOnly: true });
	try {
		return (database.prepare("SELECT count(*) AS n FROM mail_deliveries").get() as { n: number }).n;
	} finally {
		database.close();
	}
}

describe("a crash under booking load loses no event (embedded mode)", () => {
	for (const killAfterMs of KILL_AFTER_MS) {
		it(`SIGKILL ${killAfterMs} ms into the load, restart: both read models hold every booking`, async () => {
			const { platform, load, cleanerId, vehicleIds } = await platformUnderLoad();
			const { dataDir } = platform;
			const loading = load();
			await loading.started;
			await sleep(killAfterMs);
			await platform.kill();
			await loading.done;
			assertIntact(dataDir, "after SIGKILL");

			const restarted = await startPlatform({}, { dataDir });
			try {
				const deadline = Date.now() + 30_000;
				let seen = counts(readModels(dataDir, cleanerId, vehicleIds));
				while (Date.now() < deadline) {
					const { agenda, history } = seen;
					if (agenda.missing + agenda.stale + history.missing + history.stale === 0) break;
					await sleep(200);
					seen = counts(readModels(dataDir, cleanerId, vehicleIds));
				}
				assertComplete(seen, `SIGKILL after ${killAfterMs} ms, restarted`);
			} finally {
				await restarted.stop();
			}
			assertIntact(dataDir, "after the restart");
		});
	}

	it("SIGKILL after every event was applied, before the groups' positions were written: the restart delivers them again and applies none twice", async (t) => {
		const { platform, homeBase, cleanerId, vehicleIds } = await platformUnderLoad();
		const { dataDir } = platform;
		const slots = hourlySlots(40);
		let running = platform;
		// Positions are written every 2 s: the kill lands before the write of the last ones nearly always, and
		// when it does not, the round is run again.
		for (let round = 0; ; round++) {
			await bookingLoad(running, vehicleIds, homeBase, slots.splice(0, 8)).done;
			// Published (the relay may still be on its last round when the last booking is answered) and applied.
			await eventually(
				"every event published and applied by every group",
				async () =>
					(unsentEvents(dataDir) === 0 &&
						groupProgress(dataDir).every(({ logged, applied }) =>
							logged.every((id) => applied.includes(id)),
						)) ||
					undefined,
			);
			await running.kill();
			if (groupProgress(dataDir).some(({ unwritten }) => unwritten > 0)) break;
			assert.ok(round < 3, "every round's positions were written before the kill");
			running = await startPlatform({}, { dataDir });
		}
		const before = groupProgress(dataDir);
		const mails = mailsQueued(dataDir);
		t.diagnostic(
			`unwritten at the kill: ${JSON.stringify(before.map(({ group, unwritten }) => ({ group, unwritten })))}`,
		);

		const restarted = await startPlatform({}, { dataDir });
		try {
			const consumed = (group: string, outcome: string) =>
				restarted
					.metrics()
					.then((text) => metricValue(text, "domain_events_consumed_total", { group, outcome }));
			for (const { group, unwritten } of before) {
				await eventually(`${group} given its ${unwritten} records again`, async () =>
					(await consumed(group, "duplicate")) >= unwritten ? true : undefined,
				);
				assert.equal(await consumed(group, "applied"), 0, `${group} applied an event again`);
			}
		} finally {
			assert.equal(await restarted.stop(), 0, "exit code after SIGTERM");
		}
		const after = groupProgress(dataDir);
		for (const [index, { group, logged, applied, unwritten }] of after.entries()) {
			assert.deepEqual(applied, logged, `${group}: every event applied, none lost`);
			assert.deepEqual(applied, before[index].applied, `${group}: nothing applied by the restart`);
			assert.equal(unwritten, 0, `${group}: positions written at the stop`);
		}
		assert.equal(mailsQueued(dataDir), mails, "no e-mail queued twice");
		assertComplete(
			counts(readModels(dataDir, cleanerId, vehicleIds)),
			"SIGKILL before the positions were written",
		);
		assertIntact(dataDir, "after the restart");
	});

	it("SIGTERM mid-load: the process applies every committed booking's events before it exits", async () => {
		const { platform, load, cleanerId, vehicleIds } = await platformUnderLoad();
		const loading = load();
		await loading.started;
		await sleep(1_500);
		assert.equal(await platform.stop(), 0, "exit code after SIGTERM");
		await loading.done;
		// Read with the process gone: nothing can have been applied after it exited.
		assertComplete(counts(readModels(platform.dataDir, cleanerId, vehicleIds)), "SIGTERM after 1500 ms");
		assertIntact(platform.dataDir, "after SIGTERM");
	});
});
