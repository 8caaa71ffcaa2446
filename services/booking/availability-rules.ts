import { DateTime } from "luxon";
import { WEEKDAYS, type Weekday } from "../../lib/weekdays.ts";
import { RESERVATION_UNIT_MINUTES } from "../configuration/contract.ts";
import type { Slot } from "./contract.ts";

export { WEEKDAYS, type Weekday };
export type WeeklyHours = Partial<Record<Weekday, Array<{ start: string; end: string }>>>;

/** Half-open interval [start, end) in epoch milliseconds. */
export interface Interval {
	start: number;
	end: number;
}

export interface CleanerDay {
	id: string;
	weeklyHours: WeeklyHours;
	timeOff: Array<{ start: string; end: string }>;
	/** The cleaner's booked jobs (without buffers) around the day. */
	busy: Interval[];
}

export interface DaySearch {
	/** Local calendar day, YYYY-MM-DD, in `timeZone`. */
	day: string;
	timeZone: string;
	granularityMinutes: number;
	bufferMinutes: number;
	durationMinutes: number;
	cleaners: CleanerDay[];
	/** Starts before this instant are not offered (the past). */
	notBefore: number;
}

const MINUTE = 60_000;

/** How many answers `kept` holds before it starts afresh. */
const KEPT_ANSWERS = 5_000;

/**
 * The function with its answers kept (frozen, as callers share them). The same few days, wall-clock times and
 * zones come up in every search and booking, and each of luxon's zone offsets costs tens of µs (`Intl`).
 */
function kept<A extends Array<string | number>, T extends object>(
	compute: (...args: A) => T,
): (...args: A) => T {
	const answers = new Map<string, T>();
	return (...args) => {
		const key = args.join(" ");
		let answer = answers.get(key);
		if (answer === undefined) {
			answer = Object.freeze(compute(...args));
			if (answers.size >= KEPT_ANSWERS) answers.clear();
			answers.set(key, answer);
		}
		return answer;
	};
}

/** The day's bounds as instants: 23, 24 or 25 hours long depending on daylight saving. */
export const dayBounds = kept((day: string, timeZone: string): Interval => {
	const start = DateTime.fromISO(day, { zone: timeZone }).startOf("day");
	return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
});

/** The instant of a wall-clock time (HH:MM) on a local day, and the day's weekday. */
const wallClock = kept((day: string, time: string, timeZone: string) => {
	const local = DateTime.fromISO(time ? `${day}T${time}` : day, { zone: timeZone });
	return { instant: local.toMillis(), weekday: WEEKDAYS[local.weekday - 1] };
});

export function isValidDay(day: string, timeZone: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(day) && DateTime.fromISO(day, { zone: timeZone }).isValid;
}

/** Working intervals of the day as instants. Wall-clock hours hold across DST changes. */
export function workingIntervals(day: string, timeZone: string, weeklyHours: WeeklyHours): Interval[] {
	const { weekday } = wallClock(day, "", timeZone);
	return (weeklyHours[weekday] ?? []).map(({ start, end }) => ({
		start: wallClock(day, start, timeZone).instant,
		end: wallClock(day, end, timeZone).instant,
	}));
}

/**
 * Candidate start times: every `granularity` minutes of wall-clock time from local midnight. A wall time that
 * does not exist (the hour skipped in spring) is dropped rather than shifted, so no odd start times appear.
 */
export const candidateStarts = kept((day: string, timeZone: string, granularityMinutes: number): number[] => {
	const midnight = DateTime.fromISO(day, { zone: timeZone });
	const starts: number[] = [];
	for (let minute = 0; minute < 24 * 60; minute += granularityMinutes) {
		const wall = midnight.set({
			hour: Math.floor(minute / 60),
			minute: minute % 60,
		});
		if (wall.hour * 60 + wall.minute !== minute) continue;
		starts.push(wall.toMillis());
	}
	return starts;
});

function overlaps(a: Interval, b: Interval): boolean {
	return a.start < b.end && b.start < a.end;
}

/** Whether a job of [start, end) fits the cleaner: working hours, time off, other jobs plus the travel buffer. */
export function cleanerCanTake(
	cleaner: CleanerDay,
	job: Interval,
	working: Interval[],
	bufferMinutes: number,
): boolean {
	if (!working.some((w) => w.start <= job.start && job.end <= w.end)) return false;
	if (
		cleaner.timeOff.some((off) => overlaps(job, { start: Date.parse(off.start), end: Date.parse(off.end) }))
	) {
		return false;
	}
	const buffer = bufferMinutes * MINUTE;
	return !cleaner.busy.some((busy) => overlaps({ start: job.start - buffer, end: job.end + buffer }, busy));
}

/** Free start times of the day, each with the cleaners who can take the job then. */
export function freeSlots(search: DaySearch): Slot[] {
	const duration = search.durationMinutes * MINUTE;
	// Most cleaners share a few weekly schedules: each distinct one is turned into instants once.
	const bySchedule = new Map<string, Interval[]>();
	const working = new Map(
		search.cleaners.map((c) => {
			const schedule = JSON.stringify(c.weeklyHours);
			let intervals = bySchedule.get(schedule);
			if (!intervals) {
				intervals = workingIntervals(search.day, search.timeZone, c.weeklyHours);
				bySchedule.set(schedule, intervals);
			}
			return [c.id, intervals];
		}),
	);
	const slots: Slot[] = [];
	for (const start of candidateStarts(search.day, search.timeZone, search.granularityMinutes)) {
		if (start < search.notBefore) continue;
		const job = { start, end: start + duration };
		const cleanerIds = search.cleaners
			.filter((cleaner) => cleanerCanTake(cleaner, job, working.get(cleaner.id) ?? [], search.bufferMinutes))
			.map((cleaner) => cleaner.id);
		if (cleanerIds.length > 0) {
			slots.push({
				start: new Date(job.start).toISOString(),
				end: new Date(job.end).toISOString(),
				cleanerIds,
			});
		}
	}
	return slots;
}

/**
 * Fair auto-assignment: the least loaded cleaner of the day first (fewest jobs, then fewest booked minutes),
 * ties broken by id so that the order is stable.
 */
export function rankByLoad(cleanerIds: string[], busyByCleaner: Map<string, Interval[]>): string[] {
	const load = (id: string) => {
		const busy = busyByCleaner.get(id) ?? [];
		return { jobs: busy.length, minutes: busy.reduce((sum, b) => sum + (b.end - b.start), 0) };
	};
	return [...cleanerIds].sort((a, b) => {
		const la = load(a);
		const lb = load(b);
		return la.jobs - lb.jobs || la.minutes - lb.minutes || a.localeCompare(b);
	});
}

/**
 * The reservation units a job holds: every 5-minute unit from its start to the end of the travel buffer
 * after it. Two jobs closer than the buffer share a unit, and the database's primary key refuses the second.
 */
export function reservationUnits(job: Interval, bufferMinutes: number): Date[] {
	const unit = RESERVATION_UNIT_MINUTES * MINUTE;
	const units: Date[] = [];
	for (let t = job.start; t < job.end + bufferMinutes * MINUTE; t += unit) units.push(new Date(t));
	return units;
}

export function isOnReservationGrid(instant: number): boolean {
	return instant % (RESERVATION_UNIT_MINUTES * MINUTE) === 0;
}
