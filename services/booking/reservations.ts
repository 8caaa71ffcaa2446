import { DateTime } from "luxon";
import { Op, type Sequelize, type Transaction } from "sequelize";
import type { Interval } from "./availability-rules.ts";
import { reservationUnits } from "./availability-rules.ts";
import { OPEN_STATUSES } from "./contract.ts";
import { type BookingRow, bookingTables, type Row } from "./models.ts";

type BookingModel = import("sequelize").ModelStatic<Row<BookingRow>>;

/** Booked jobs of the given cleaners that touch the window, per cleaner. */
export async function busyIntervals(
	bookings: BookingModel,
	cleanerIds: string[],
	window: Interval,
	excludeBookingId?: string,
): Promise<Map<string, Interval[]>> {
	const busy = new Map<string, Interval[]>(cleanerIds.map((id) => [id, []]));
	if (cleanerIds.length === 0) return busy;
	const rows = await bookings.findAll({
		attributes: ["id", "cleanerId", "startAt", "endAt"],
		where: {
			cleanerId: { [Op.in]: cleanerIds },
			status: { [Op.in]: [...OPEN_STATUSES] },
			startAt: { [Op.lt]: new Date(window.end) },
			endAt: { [Op.gt]: new Date(window.start) },
			...(excludeBookingId ? { id: { [Op.ne]: excludeBookingId } } : {}),
		},
		raw: true,
	});
	for (const row of rows) {
		busy
			.get(row.cleanerId)
			?.push({ start: new Date(row.startAt).getTime(), end: new Date(row.endAt).getTime() });
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
	// An atomic upsert: the row may not exist yet, and two transactions may create it at once.
	const upsert =
		sequelize.getDialect() === "mysql"
			? "INSERT INTO availability_generations (day, generation) VALUES (?, 1) ON DUPLICATE KEY UPDATE generation = generation + 1"
			: "INSERT INTO availability_generations (day, generation) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET generation = generation + 1";
	for (const day of [...days].sort()) await sequelize.query(upsert, { replacements: [day], transaction });
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
	const units = reservationUnits(job, bufferMinutes).map((unitStart) => ({
		cleanerId,
		unitStart,
		bookingId,
	}));
	await bookingTables(sequelize).reservedUnits.bulkCreate(units, { transaction });
}

export async function releaseUnits(
	sequelize: Sequelize,
	bookingId: string,
	transaction: Transaction,
): Promise<void> {
	await bookingTables(sequelize).reservedUnits.destroy({ where: { bookingId }, transaction });
}
