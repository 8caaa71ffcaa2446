/** Cleaner schedule and service-area rules that need no broker or database. */
import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { UnprocessableError } from "../../lib/errors.ts";
import { WEEKDAYS, type Weekday } from "../../lib/weekdays.ts";
import type { GeoPoint, TimeOffPeriod, WeeklyHours, WorkingInterval } from "./contract.ts";

export { WEEKDAYS, type Weekday };

/** As clients send it: days without work may be left out. */
export type WeeklyHoursInput = Partial<Record<Weekday, WorkingInterval[]>>;
export interface TimeOffInput {
	/** The id of a period the cleaner already has, to keep it; new periods get a new id. */
	id?: string;
	start: string;
	end: string;
	reason?: string | null;
}

export const TIME_OF_DAY_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

export const MAX_INTERVALS_PER_DAY = 8;
export const MAX_TIME_OFF_PERIODS = 100;
export const TIME_OFF_REASON_MAX_LENGTH = 200;

const EARTH_MEAN_RADIUS_KM = 6371.0088;

function minutesOfDay(time: string): number {
	const [hours, minutes] = time.split(":").map(Number);
	return hours * 60 + minutes;
}

/**
 * Sorts intervals by start and throws, naming the offending item by its position in the client's list, when
 * one is empty or inverted or collides with its predecessor. `touchingCollides`: whether an interval may start
 * exactly where the previous one ends.
 */
function sortedWithoutCollisions<T>(
	items: readonly T[],
	bounds: (item: T) => { start: number; end: number },
	field: string,
	touchingCollides: boolean,
): T[] {
	const indexed = items.map((item, index) => ({ item, index, ...bounds(item) }));
	for (const { index, start, end } of indexed) {
		if (start >= end) throw new UnprocessableError(`${field}[${index}]`, "start must be before end");
	}
	indexed.sort((a, b) => a.start - b.start || a.index - b.index);
	for (let i = 1; i < indexed.length; i++) {
		const previous = indexed[i - 1];
		const current = indexed[i];
		if (current.start < previous.end || (touchingCollides && current.start === previous.end)) {
			const relation = current.start < previous.end ? "overlaps" : "touches (merge them)";
			throw new UnprocessableError(`${field}[${current.index}]`, `${relation} ${field}[${previous.index}]`);
		}
	}
	return indexed.map(({ item }) => item);
}

/**
 * Checks and normalises weekly working hours: every weekday present, each day's intervals sorted; an inverted,
 * overlapping or touching interval is refused (touching ones must be sent as one interval, so that a job may
 * span them).
 */
export function normaliseWeeklyHours(input: WeeklyHoursInput): WeeklyHours {
	const entries = WEEKDAYS.map((day) => {
		const intervals = sortedWithoutCollisions(
			input[day] ?? [],
			(interval) => ({ start: minutesOfDay(interval.start), end: minutesOfDay(interval.end) }),
			`weeklyHours.${day}`,
			true,
		);
		return [day, intervals.map(({ start, end }) => ({ start, end }))];
	});
	return Object.fromEntries(entries) as WeeklyHours;
}

export function emptyWeeklyHours(): WeeklyHours {
	return normaliseWeeklyHours({});
}

/**
 * An ISO 8601 date-time with an explicit offset ("Z" or "+02:00"), as UTC ISO; anything else (no offset, a
 * date alone, 30 February) is a 422 naming the field.
 */
export function parseInstant(value: string, field: string): string {
	const parsed = DateTime.fromISO(value, { setZone: true });
	if (!parsed.isValid || !value.includes("T") || !/(?:Z|[+-]\d{2}:?\d{2})$/.test(value)) {
		throw new UnprocessableError(
			field,
			"must be an ISO 8601 date-time with offset, e.g. 2025-06-01T09:00:00Z",
		);
	}
	return parsed.toUTC().toISO() as string;
}

/**
 * Checks and normalises a cleaner's time off: instants in UTC, sorted, no overlaps (back-to-back periods are
 * fine). Periods that name one of the cleaner's current ids keep it; the others get a new id.
 */
export function normaliseTimeOff(
	input: readonly TimeOffInput[],
	currentIds: ReadonlySet<string>,
	newId: () => string = randomUUID,
): TimeOffPeriod[] {
	const periods = input.map((period, index) => ({
		id: period.id !== undefined && currentIds.has(period.id) ? period.id : newId(),
		start: parseInstant(period.start, `timeOff[${index}].start`),
		end: parseInstant(period.end, `timeOff[${index}].end`),
		reason: period.reason || null,
	}));
	return sortedWithoutCollisions(
		periods,
		(period) => ({ start: Date.parse(period.start), end: Date.parse(period.end) }),
		"timeOff",
		false,
	);
}

/** The periods that overlap the half-open window [from, to). */
export function timeOffWithin(periods: readonly TimeOffPeriod[], from: string, to: string): TimeOffPeriod[] {
	const [windowStart, windowEnd] = [Date.parse(from), Date.parse(to)];
	return periods.filter(
		(period) => Date.parse(period.start) < windowEnd && Date.parse(period.end) > windowStart,
	);
}

/** Great-circle distance (haversine) in km. */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
	const radians = (degrees: number) => (degrees * Math.PI) / 180;
	const deltaLatitude = radians(b.latitude - a.latitude);
	const deltaLongitude = radians(b.longitude - a.longitude);
	const h =
		Math.sin(deltaLatitude / 2) ** 2 +
		Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(deltaLongitude / 2) ** 2;
	return 2 * EARTH_MEAN_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function isWithinServiceArea(homeBase: GeoPoint, radiusKm: number, point: GeoPoint): boolean {
	return distanceKm(homeBase, point) <= radiusKm;
}

/** The largest service area a cleaner may have. */
export const MAX_RADIUS_KM = 100;

export interface SearchBox {
	latitude: { min: number; max: number };
	/** null: every longitude (near a pole, or across the antimeridian). */
	longitude: { min: number; max: number } | null;
}

/**
 * Where the home base of a cleaner who can reach the point may be: within MAX_RADIUS_KM, widened to a
 * latitude/longitude box a database can filter on before the exact distance check.
 */
export function homeBaseSearchBox(point: GeoPoint): SearchBox {
	const degrees = (radians: number) => (radians * 180) / Math.PI;
	const latitudeDelta = degrees(MAX_RADIUS_KM / EARTH_MEAN_RADIUS_KM);
	const latitude = { min: point.latitude - latitudeDelta, max: point.latitude + latitudeDelta };
	const cosine = Math.cos((Math.max(Math.abs(latitude.min), Math.abs(latitude.max)) * Math.PI) / 180);
	if (latitude.max >= 90 || latitude.min <= -90 || cosine < 0.01) return { latitude, longitude: null };
	const longitudeDelta = latitudeDelta / cosine;
	const longitude = { min: point.longitude - longitudeDelta, max: point.longitude + longitudeDelta };
	if (longitude.min < -180 || longitude.max > 180) return { latitude, longitude: null };
	return { latitude, longitude };
}
