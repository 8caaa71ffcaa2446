import { DateTime } from "luxon";
import type { Sequelize, Transaction } from "sequelize";
import {
	conflictOnDuplicate,
	execute,
	insertRows,
	isUniqueViolation,
	placeholders,
	readRows,
} from "../../lib/database.ts";
import { ConflictError } from "../../lib/errors.ts";
import type { BusinessSettings } from "../configuration/contract.ts";
import type { Interval } from "./availability-rules.ts";
import { reservationUnits } from "./availability-rules.ts";
import { OPEN_STATUSES } from "./contract.ts";
import { RESERVED_UNITS_TABLE } from "./migrations/0001-booking-schema.ts";
import { BOOKING_MODEL, type BookingRow, bookingTables, type ReservedUnitRow } from "./models.ts";

/** Booked jobs of the given cleaners that touch the window, per cleaner. */
export async function busyIntervals(
	sequelize: Sequelize,
	cleanerIds: string[],
	window: Interval,
	excludeBookingId?: string,
): Promise<Map<string, Interval[]>> {
	const busy = new Map<string, Interval[]>(cleanerIds.map((id) => [id, []]));
	if (cleanerIds.length === 0) return busy;
	const rows = await readRows<Pick<BookingRow, "cleanerId" | "startAt" | "endAt">>(
		sequelize,
		BOOKING_MODEL,
		`SELECT cleaner_id, start_at, end_at FROM bookings WHERE cleaner_id IN (${placeholders(cleanerIds)}) AND status IN (${placeholders(OPEN_STATUSES)}) AND start_at < ? AND end_at > ?${excludeBookingId ? " AND id <> ?" : ""}`,
		[
			...cleanerIds,
			...OPEN_STATUSES,
			new Date(window.end),
			new Date(window.start),
			...(excludeBookingId ? [excludeBookingId] : []),
		],
	);
	for (const row of rows) {
		busy.get(row.cleanerId)?.push({ start: row.startAt.getTime(), end: row.endAt.getTime() });
	}
	return busy;
}

/** Local days whose availability a job (with its buffers) can change. */
export function affectedDays(job: Interval, bufferMinutes: number, timeZone: string): string[] {
	const buffer = bufferMinutes * 60_000;
	const days = [job.start - buffer, job.end + buffer].map(
		(instant) => DateTime.fromMillis(instant, { zone: timeZone }).toISODate() as string,
	);
	return [...new Set(days)];
}

/** Marks the days' cached availability as stale, inside the transaction that changes their bookings. */
export async function bumpGenerations(
	sequelize: Sequelize,
	days: string[],
	transaction: Transaction,
): Promise<void> {
	if (days.length === 0) return;
	// An atomic upsert: the rows may not exist yet, and two transactions may create them at once. One statement
	// for every day, in day order, so that two bookings lock shared days in the same order.
	const values = days.map(() => "(?, 1)").join(", ");
	const onConflict =
		sequelize.getDialect() === "mysql"
			? "ON DUPLICATE KEY UPDATE generation = generation + 1"
			: "ON CONFLICT(day) DO UPDATE SET generation = generation + 1";
	await execute(
		sequelize,
		`INSERT INTO availability_generations (day, generation) VALUES ${values} ${onConflict}`,
		[...days].sort(),
		transaction,
	);
}

export async function generationOf(sequelize: Sequelize, day: string): Promise<number> {
	const row = await bookingTables(sequelize).generations.findByPk(day);
	return row?.get("generation") ?? 0;
}

/** Holds the job's reservation units for the cleaner; the primary key refuses units another booking holds. */
export async function reserveUnits(
	sequelize: Sequelize,
	bookingId: string,
	cleanerId: string,
	job: Interval,
	bufferMinutes: number,
	transaction: Transaction,
): Promise<void> {
	const rows = reservationUnits(job, bufferMinutes).map((unitStart) => ({ cleanerId, unitStart, bookingId }));
	await insertRows<ReservedUnitRow>(sequelize, RESERVED_UNITS_TABLE, rows, transaction);
}

export async function releaseUnits(
	sequelize: Sequelize,
	bookingId: string,
	transaction: Transaction,
): Promise<void> {
	await bookingTables(sequelize).reservedUnits.destroy({ where: { bookingId }, transaction });
}

type TimeSettings = Pick<BusinessSettings, "travelBufferMinutes" | "timeZone">;

const jobOf = (row: BookingRow): Interval => ({
	start: new Date(row.startAt).getTime(),
	end: new Date(row.endAt).getTime(),
});

/**
 * Holds the job's units for the first candidate the database lets have them, and answers that cleaner (none:
 * every one was just taken). A unit already held by a concurrent booking makes the database refuse the cleaner
 * (in a savepoint, so the transaction goes on), and the next one is tried. The last candidate needs no
 * savepoint: if the database refuses it, the booking fails as a whole (two statements fewer per booking).
 */
export async function reserveFirstFree(
	sequelize: Sequelize,
	bookingId: string,
	candidates: readonly string[],
	job: Interval,
	bufferMinutes: number,
	transaction: Transaction,
): Promise<string | undefined> {
	for (const [index, candidate] of candidates.entries()) {
		try {
			if (index === candidates.length - 1) {
				await reserveUnits(sequelize, bookingId, candidate, job, bufferMinutes, transaction);
			} else {
				await sequelize.transaction({ transaction }, (savepoint) =>
					reserveUnits(sequelize, bookingId, candidate, job, bufferMinutes, savepoint),
				);
			}
			return candidate;
		} catch (error) {
			if (!isUniqueViolation(error)) throw error;
		}
	}
	return undefined;
}

/** Marks the days whose availability the job can change as stale. */
export async function jobChanged(
	sequelize: Sequelize,
	job: Interval,
	settings: TimeSettings,
	transaction: Transaction,
): Promise<void> {
	await bumpGenerations(
		sequelize,
		affectedDays(job, settings.travelBufferMinutes, settings.timeZone),
		transaction,
	);
}

/** Gives the booking's time back to its cleaner, and marks the days' availability stale. */
export async function releaseReservation(
	sequelize: Sequelize,
	row: BookingRow,
	settings: TimeSettings,
	transaction: Transaction,
): Promise<void> {
	await releaseUnits(sequelize, row.id, transaction);
	await jobChanged(sequelize, jobOf(row), settings, transaction);
}

/**
 * Moves the booking's reservation to the new job time in one transaction: no one ever sees the booking holding
 * neither time, and if the new time is taken (409) the old one is still held.
 */
export async function moveReservation(
	sequelize: Sequelize,
	row: BookingRow,
	job: Interval,
	settings: TimeSettings,
	transaction: Transaction,
): Promise<void> {
	const { travelBufferMinutes, timeZone } = settings;
	await releaseUnits(sequelize, row.id, transaction);
	await conflictOnDuplicate(
		sequelize.transaction({ transaction }, (savepoint) =>
			reserveUnits(sequelize, row.id, row.cleanerId, job, travelBufferMinutes, savepoint),
		),
		() => new ConflictError("the new time was just taken", "SLOT_TAKEN"),
	);
	const days = [
		...affectedDays(jobOf(row), travelBufferMinutes, timeZone),
		...affectedDays(job, travelBufferMinutes, timeZone),
	];
	await bumpGenerations(sequelize, [...new Set(days)], transaction);
}
