import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
	type CleanerDay,
	candidateStarts,
	cleanerCanTake,
	type DaySearch,
	dayBounds,
	freeSlots,
	type Interval,
	isOnReservationGrid,
	isValidDay,
	rankByLoad,
	reservationUnits,
	type WeeklyHours,
	workingIntervals,
} from "../../services/booking/availability-rules.ts";

const ZONE = "Europe/Amsterdam";
/** Sunday, clocks go from 02:00 CET to 03:00 CEST: a 23-hour day. */
const SPRING_FORWARD = "2026-03-29";
/** Sunday, clocks go from 03:00 CEST back to 02:00 CET: a 25-hour day. */
const FALL_BACK = "2026-10-25";
/** Monday in summer time (UTC+2): an ordinary 24-hour day. */
const SUMMER_MONDAY = "2026-06-15";

const HOUR = 3_600_000;
const MINUTE = 60_000;

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();
const isoAll = (list: number[]): string[] => list.map(iso);

/** Asserts a span's instants and, given `hours`, its length in real hours. */
function assertSpan(span: Interval, start: string, end: string, hours?: number): void {
	assert.equal(iso(span.start), start);
	assert.equal(iso(span.end), end);
	if (hours !== undefined) assert.equal(span.end - span.start, hours * HOUR);
}

function cleaner(id: string, overrides: Partial<CleanerDay> = {}): CleanerDay {
	return { id, weeklyHours: {}, timeOff: [], busy: [], ...overrides };
}

/** A search on SUMMER_MONDAY (UTC+2), 60-minute job, 15-minute granularity and buffer, nothing in the past. */
function search(cleaners: CleanerDay[], overrides: Partial<DaySearch> = {}): DaySearch {
	return {
		day: SUMMER_MONDAY,
		timeZone: ZONE,
		granularityMinutes: 15,
		bufferMinutes: 15,
		durationMinutes: 60,
		cleaners,
		notBefore: 0,
		...overrides,
	};
}

/** Local wall-clock start times ("HH:MM") of the slots of a summer day (UTC+2). */
function localStarts(slots: Array<{ start: string }>): string[] {
	return slots.map((slot) => {
		const local = new Date(Date.parse(slot.start) + 2 * HOUR);
		return local.toISOString().slice(11, 16);
	});
}

describe("dayBounds", () => {
	it("an ordinary summer day is 24 hours from local midnight (UTC+2)", () => {
		assertSpan(dayBounds(SUMMER_MONDAY, ZONE), "2026-06-14T22:00:00.000Z", "2026-06-15T22:00:00.000Z", 24);
	});

	it("an ordinary winter day is 24 hours from local midnight (UTC+1)", () => {
		assertSpan(dayBounds("2026-01-15", ZONE), "2026-01-14T23:00:00.000Z", "2026-01-15T23:00:00.000Z", 24);
	});

	it("the spring-forward day is 23 hours long", () => {
		assertSpan(dayBounds(SPRING_FORWARD, ZONE), "2026-03-28T23:00:00.000Z", "2026-03-29T22:00:00.000Z", 23);
	});

	it("the fall-back day is 25 hours long", () => {
		assertSpan(dayBounds(FALL_BACK, ZONE), "2026-10-24T22:00:00.000Z", "2026-10-25T23:00:00.000Z", 25);
	});

	it("consecutive days tile without gap or overlap across a DST change", () => {
		const saturday = dayBounds("2026-03-28", ZONE);
		const sunday = dayBounds(SPRING_FORWARD, ZONE);
		const monday = dayBounds("2026-03-30", ZONE);
		assert.equal(saturday.end, sunday.start);
		assert.equal(sunday.end, monday.start);
	});

	it("follows the zone it is given", () => {
		const bounds = dayBounds(SUMMER_MONDAY, "UTC");
		assert.equal(iso(bounds.start), "2026-06-15T00:00:00.000Z");
		assert.equal(bounds.end - bounds.start, 24 * HOUR);
	});
});

describe("isValidDay", () => {
	it("accepts real calendar days in YYYY-MM-DD", () => {
		assert.equal(isValidDay("2026-06-15", ZONE), true);
		assert.equal(isValidDay("2028-02-29", ZONE), true);
	});

	it("rejects impossible dates and other formats", () => {
		assert.equal(isValidDay("2026-02-29", ZONE), false);
		assert.equal(isValidDay("2026-13-01", ZONE), false);
		assert.equal(isValidDay("2026-6-15", ZONE), false);
		assert.equal(isValidDay("2026-06-15T10:00", ZONE), false);
		assert.equal(isValidDay("20260615", ZONE), false);
		assert.equal(isValidDay("", ZONE), false);
	});

	it("rejects an unknown zone", () => {
		assert.equal(isValidDay("2026-06-15", "Mars/Base"), false);
	});
});

describe("candidateStarts", () => {
	it("an ordinary day has 48 half-hour starts, from local midnight, 30 minutes apart", () => {
		const starts = candidateStarts(SUMMER_MONDAY, ZONE, 30);
		assert.equal(starts.length, 48);
		assert.equal(iso(starts[0]), "2026-06-14T22:00:00.000Z");
		assert.equal(iso(starts[47]), "2026-06-15T21:30:00.000Z");
		for (let i = 1; i < starts.length; i++) assert.equal(starts[i] - starts[i - 1], 30 * MINUTE);
	});

	it("the spring-forward day has 46 half-hour starts: no 02:00 or 02:30, which do not exist", () => {
		const starts = candidateStarts(SPRING_FORWARD, ZONE, 30);
		assert.equal(starts.length, 46);
		// 01:00 and 01:30 CET, then straight to 03:00 and 03:30 CEST, which are the next instants.
		assert.deepEqual(isoAll(starts.slice(2, 6)), [
			"2026-03-29T00:00:00.000Z",
			"2026-03-29T00:30:00.000Z",
			"2026-03-29T01:00:00.000Z",
			"2026-03-29T01:30:00.000Z",
		]);
		// No duplicates (a shifted 02:00 would have landed on 03:00 a second time).
		assert.equal(new Set(starts).size, 46);
		for (let i = 1; i < starts.length; i++) assert.equal(starts[i] - starts[i - 1], 30 * MINUTE);
		assert.equal(iso(starts[45]), "2026-03-29T21:30:00.000Z");
	});

	it("no spring-forward start falls on a wall time of 02:xx", () => {
		const starts = candidateStarts(SPRING_FORWARD, ZONE, 30);
		const wallTimes = starts.map((ms) =>
			new Intl.DateTimeFormat("en-GB", {
				timeZone: ZONE,
				hour: "2-digit",
				minute: "2-digit",
				hourCycle: "h23",
			}).format(ms),
		);
		assert.equal(wallTimes.includes("02:00"), false);
		assert.equal(wallTimes.includes("02:30"), false);
		assert.deepEqual(wallTimes.slice(0, 6), ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]);
	});

	it("the fall-back day has 48 half-hour starts: the repeated hour is offered once, at its first occurrence", () => {
		const starts = candidateStarts(FALL_BACK, ZONE, 30);
		assert.equal(starts.length, 48);
		assert.deepEqual(isoAll(starts.slice(4, 8)), [
			"2026-10-25T00:00:00.000Z", // 02:00 CEST
			"2026-10-25T00:30:00.000Z", // 02:30 CEST
			"2026-10-25T02:00:00.000Z", // 03:00 CET: the second 02:00 and 02:30 (01:00Z, 01:30Z) are skipped
			"2026-10-25T02:30:00.000Z",
		]);
		assert.equal(new Set(starts).size, 48);
		assert.equal(iso(starts[47]), "2026-10-25T22:30:00.000Z");
	});

	it("other granularities: 15 minutes gives 96 ordinary starts and 92 on the spring-forward day", () => {
		assert.equal(candidateStarts(SUMMER_MONDAY, ZONE, 15).length, 96);
		assert.equal(candidateStarts(SPRING_FORWARD, ZONE, 15).length, 92);
		assert.equal(candidateStarts(FALL_BACK, ZONE, 15).length, 96);
	});

	it("a granularity that does not divide the hour still counts wall-clock minutes from midnight", () => {
		const starts = candidateStarts(SUMMER_MONDAY, ZONE, 45);
		assert.equal(starts.length, 32); // 0, 45, …, 1395 minutes
		assert.equal(iso(starts[1]), "2026-06-14T22:45:00.000Z");
		assert.equal(iso(starts[31]), "2026-06-15T21:15:00.000Z");
	});

	it("every start lies inside the day's bounds", () => {
		for (const day of [SUMMER_MONDAY, SPRING_FORWARD, FALL_BACK]) {
			const bounds = dayBounds(day, ZONE);
			for (const start of candidateStarts(day, ZONE, 30)) {
				assert.ok(start >= bounds.start && start < bounds.end, `${day}: ${iso(start)}`);
			}
		}
	});
});

describe("workingIntervals", () => {
	const nineToFive: WeeklyHours = { sunday: [{ start: "08:00", end: "17:00" }] };

	it("08:00-17:00 on the spring-forward Sunday is 06:00Z-15:00Z (CEST), 9 hours", () => {
		const intervals = workingIntervals(SPRING_FORWARD, ZONE, nineToFive);
		assert.equal(intervals.length, 1);
		assertSpan(intervals[0], "2026-03-29T06:00:00.000Z", "2026-03-29T15:00:00.000Z", 9);
	});

	it("08:00-17:00 on the fall-back Sunday is 07:00Z-16:00Z (CET), 9 hours", () => {
		const intervals = workingIntervals(FALL_BACK, ZONE, nineToFive);
		assert.equal(intervals.length, 1);
		assertSpan(intervals[0], "2026-10-25T07:00:00.000Z", "2026-10-25T16:00:00.000Z", 9);
	});

	it("hours across the skipped hour are wall clock: 01:00-04:00 on spring-forward day is 2 real hours", () => {
		const intervals = workingIntervals(SPRING_FORWARD, ZONE, { sunday: [{ start: "01:00", end: "04:00" }] });
		assertSpan(intervals[0], "2026-03-29T00:00:00.000Z", "2026-03-29T02:00:00.000Z");
	});

	it("picks the weekday of the local day and keeps every interval in order", () => {
		const hours: WeeklyHours = {
			monday: [
				{ start: "08:00", end: "12:00" },
				{ start: "13:00", end: "17:30" },
			],
			tuesday: [{ start: "06:00", end: "07:00" }],
		};
		const intervals = workingIntervals(SUMMER_MONDAY, ZONE, hours);
		assert.deepEqual(
			intervals.map((i) => [iso(i.start), iso(i.end)]),
			[
				["2026-06-15T06:00:00.000Z", "2026-06-15T10:00:00.000Z"],
				["2026-06-15T11:00:00.000Z", "2026-06-15T15:30:00.000Z"],
			],
		);
	});

	it("a weekday without hours (absent or empty) has no working intervals", () => {
		assert.deepEqual(
			workingIntervals(SUMMER_MONDAY, ZONE, { tuesday: [{ start: "08:00", end: "17:00" }] }),
			[],
		);
		assert.deepEqual(workingIntervals(SUMMER_MONDAY, ZONE, { monday: [] }), []);
		assert.deepEqual(workingIntervals(SPRING_FORWARD, ZONE, {}), []);
	});
});

describe("cleanerCanTake", () => {
	const working: Interval[] = [{ start: at("2026-06-15T06:00:00Z"), end: at("2026-06-15T10:00:00Z") }];

	it("a job touching the working interval's ends fits; one crossing either end does not", () => {
		const c = cleaner("c1");
		assert.equal(
			cleanerCanTake(c, { start: working[0].start, end: working[0].start + HOUR }, working, 0),
			true,
		);
		assert.equal(cleanerCanTake(c, { start: working[0].end - HOUR, end: working[0].end }, working, 0), true);
		assert.equal(
			cleanerCanTake(c, { start: working[0].start - MINUTE, end: working[0].start + HOUR }, working, 0),
			false,
		);
		assert.equal(
			cleanerCanTake(c, { start: working[0].end - HOUR, end: working[0].end + MINUTE }, working, 0),
			false,
		);
	});

	it("a job spanning two working intervals with a gap between them does not fit", () => {
		const split: Interval[] = [
			{ start: at("2026-06-15T06:00:00Z"), end: at("2026-06-15T08:00:00Z") },
			{ start: at("2026-06-15T08:30:00Z"), end: at("2026-06-15T10:00:00Z") },
		];
		const job = { start: at("2026-06-15T07:30:00Z"), end: at("2026-06-15T08:45:00Z") };
		assert.equal(cleanerCanTake(cleaner("c1"), job, split, 0), false);
	});

	it("time off is half-open: a job may end when it starts and start when it ends", () => {
		const c = cleaner("c1", { timeOff: [{ start: "2026-06-15T07:00:00Z", end: "2026-06-15T08:00:00Z" }] });
		const job = (s: string, e: string) => ({ start: at(s), end: at(e) });
		assert.equal(cleanerCanTake(c, job("2026-06-15T06:00:00Z", "2026-06-15T07:00:00Z"), working, 0), true);
		assert.equal(cleanerCanTake(c, job("2026-06-15T08:00:00Z", "2026-06-15T09:00:00Z"), working, 0), true);
		assert.equal(cleanerCanTake(c, job("2026-06-15T06:05:00Z", "2026-06-15T07:05:00Z"), working, 0), false);
		assert.equal(cleanerCanTake(c, job("2026-06-15T07:55:00Z", "2026-06-15T08:55:00Z"), working, 0), false);
	});

	it("time off is not widened by the travel buffer (only jobs are)", () => {
		const c = cleaner("c1", { timeOff: [{ start: "2026-06-15T07:00:00Z", end: "2026-06-15T08:00:00Z" }] });
		const job = { start: at("2026-06-15T08:00:00Z"), end: at("2026-06-15T09:00:00Z") };
		assert.equal(cleanerCanTake(c, job, working, 15), true);
	});
});

describe("freeSlots", () => {
	// Busy 10:00-11:00 local = 08:00Z-09:00Z on the summer Monday.
	const busy10to11: Interval = { start: at("2026-06-15T08:00:00Z"), end: at("2026-06-15T09:00:00Z") };
	const mondayHours = (start: string, end: string): WeeklyHours => ({ monday: [{ start, end }] });
	/** 60-minute jobs on an 08:00-13:00 day with 10:00-11:00 taken and no travel time around it. */
	const STARTS_AROUND_10_TO_11 = [
		"08:00",
		"08:15",
		"08:30",
		"08:45",
		"09:00",
		"11:00",
		"11:15",
		"11:30",
		"11:45",
		"12:00",
	];

	it("a job must fit entirely inside working hours: 08:00-12:00 and 60 minutes gives 08:00 … 11:00", () => {
		const slots = freeSlots(search([cleaner("c1", { weeklyHours: mondayHours("08:00", "12:00") })]));
		assert.deepEqual(localStarts(slots), [
			"08:00",
			"08:15",
			"08:30",
			"08:45",
			"09:00",
			"09:15",
			"09:30",
			"09:45",
			"10:00",
			"10:15",
			"10:30",
			"10:45",
			"11:00",
		]);
		assert.deepEqual(slots[0], {
			start: "2026-06-15T06:00:00.000Z",
			end: "2026-06-15T07:00:00.000Z",
			cleanerIds: ["c1"],
		});
		assert.deepEqual(slots.at(-1), {
			start: "2026-06-15T09:00:00.000Z",
			end: "2026-06-15T10:00:00.000Z",
			cleanerIds: ["c1"],
		});
	});

	it("an existing job blocks with the travel buffer on both sides (busy 10:00-11:00, buffer 15)", () => {
		const c = cleaner("c1", { weeklyHours: mondayHours("08:00", "13:00"), busy: [busy10to11] });
		const starts = localStarts(freeSlots(search([c])));
		// 08:45 ends 09:45, plus buffer 10:00 = the busy start: allowed. 09:00 would need the cleaner until 10:15.
		// 11:15 is 15 minutes after the busy end: allowed. 11:00 leaves no travel time.
		assert.deepEqual(starts, ["08:00", "08:15", "08:30", "08:45", "11:15", "11:30", "11:45", "12:00"]);
		assert.equal(starts.includes("09:00"), false);
		assert.equal(starts.includes("11:00"), false);
	});

	it("with no buffer, jobs may touch the existing job", () => {
		const c = cleaner("c1", { weeklyHours: mondayHours("08:00", "13:00"), busy: [busy10to11] });
		const starts = localStarts(freeSlots(search([c], { bufferMinutes: 0 })));
		assert.deepEqual(starts, STARTS_AROUND_10_TO_11);
	});

	it("a job just before working hours still blocks the first starts through the buffer", () => {
		const early: Interval = { start: at("2026-06-15T05:00:00Z"), end: at("2026-06-15T05:30:00Z") }; // 07:00-07:30
		const c = cleaner("c1", { weeklyHours: mondayHours("07:30", "10:00"), busy: [early] });
		assert.deepEqual(localStarts(freeSlots(search([c]))), [
			"07:45",
			"08:00",
			"08:15",
			"08:30",
			"08:45",
			"09:00",
		]);
	});

	it("time off excludes every start whose job would overlap it", () => {
		const c = cleaner("c1", {
			weeklyHours: mondayHours("08:00", "13:00"),
			// 10:00-11:00 local
			timeOff: [{ start: "2026-06-15T08:00:00Z", end: "2026-06-15T09:00:00Z" }],
		});
		assert.deepEqual(localStarts(freeSlots(search([c]))), STARTS_AROUND_10_TO_11);
	});

	it("lists every cleaner who can take each slot, in the order given", () => {
		const a = cleaner("a", { weeklyHours: mondayHours("08:00", "10:00") });
		const b = cleaner("b", { weeklyHours: mondayHours("09:00", "11:00") });
		const slots = freeSlots(search([b, a], { granularityMinutes: 30 }));
		assert.deepEqual(
			slots.map((s) => [localStarts([s])[0], s.cleanerIds]),
			[
				["08:00", ["a"]],
				["08:30", ["a"]],
				["09:00", ["b", "a"]],
				["09:30", ["b"]],
				["10:00", ["b"]],
			],
		);
	});

	it("a slot appears only when at least one cleaner can take it", () => {
		const busyAll: CleanerDay[] = [
			cleaner("a", { weeklyHours: mondayHours("08:00", "09:00"), busy: [busy10to11] }),
			cleaner("b", { weeklyHours: mondayHours("10:00", "11:00"), busy: [busy10to11] }),
		];
		const slots = freeSlots(search(busyAll));
		assert.deepEqual(localStarts(slots), ["08:00"]);
		assert.deepEqual(slots[0].cleanerIds, ["a"]);
	});

	it("no cleaners, or cleaners not working that weekday, give no slots", () => {
		assert.deepEqual(freeSlots(search([])), []);
		assert.deepEqual(
			freeSlots(search([cleaner("c1", { weeklyHours: { tuesday: [{ start: "08:00", end: "17:00" }] } })])),
			[],
		);
	});

	it("notBefore drops earlier starts and keeps a start exactly at notBefore", () => {
		const c = cleaner("c1", { weeklyHours: mondayHours("08:00", "11:00") });
		const slots = freeSlots(search([c], { notBefore: at("2026-06-15T07:15:00Z") })); // 09:15 local
		assert.deepEqual(localStarts(slots), ["09:15", "09:30", "09:45", "10:00"]);
		const oneMsLater = freeSlots(search([c], { notBefore: at("2026-06-15T07:15:00Z") + 1 }));
		assert.deepEqual(localStarts(oneMsLater), ["09:30", "09:45", "10:00"]);
	});

	it("notBefore after the day gives no slots", () => {
		const c = cleaner("c1", { weeklyHours: mondayHours("08:00", "11:00") });
		assert.deepEqual(freeSlots(search([c], { notBefore: at("2026-06-16T00:00:00Z") })), []);
	});

	it("on the spring-forward day a job across the skipped hour lasts its real duration", () => {
		const c = cleaner("c1", { weeklyHours: { sunday: [{ start: "00:00", end: "05:00" }] } });
		const slots = freeSlots(search([c], { day: SPRING_FORWARD, granularityMinutes: 30 }));
		// Local 00:00 CET (23:00Z) … ; 05:00 CEST is 03:00Z, so the last 60-minute start is 02:00Z (04:00 CEST).
		assert.deepEqual(
			slots.map((s) => s.start),
			[
				"2026-03-28T23:00:00.000Z",
				"2026-03-28T23:30:00.000Z",
				"2026-03-29T00:00:00.000Z",
				"2026-03-29T00:30:00.000Z",
				"2026-03-29T01:00:00.000Z",
				"2026-03-29T01:30:00.000Z",
				"2026-03-29T02:00:00.000Z",
			],
		);
		// 01:30 CET plus 60 minutes is 03:30 CEST = 01:30Z.
		assert.equal(slots[3].end, "2026-03-29T01:30:00.000Z");
		for (const slot of slots) assert.equal(Date.parse(slot.end) - Date.parse(slot.start), HOUR);
	});

	it("on the fall-back day working hours 08:00-10:00 give starts at 07:00Z and 08:00Z for a 60-minute job", () => {
		const c = cleaner("c1", { weeklyHours: { sunday: [{ start: "08:00", end: "10:00" }] } });
		const slots = freeSlots(search([c], { day: FALL_BACK, granularityMinutes: 30 }));
		assert.deepEqual(slots, [
			{ start: "2026-10-25T07:00:00.000Z", end: "2026-10-25T08:00:00.000Z", cleanerIds: ["c1"] },
			{ start: "2026-10-25T07:30:00.000Z", end: "2026-10-25T08:30:00.000Z", cleanerIds: ["c1"] },
			{ start: "2026-10-25T08:00:00.000Z", end: "2026-10-25T09:00:00.000Z", cleanerIds: ["c1"] },
		]);
	});
});

describe("rankByLoad", () => {
	const job = (startIso: string, minutes: number): Interval => ({
		start: at(startIso),
		end: at(startIso) + minutes * MINUTE,
	});

	it("fewest jobs first", () => {
		const busy = new Map<string, Interval[]>([
			["a", [job("2026-06-15T08:00:00Z", 30), job("2026-06-15T10:00:00Z", 30)]],
			["b", [job("2026-06-15T08:00:00Z", 240)]],
			["c", []],
		]);
		assert.deepEqual(rankByLoad(["a", "b", "c"], busy), ["c", "b", "a"]);
	});

	it("then fewest booked minutes", () => {
		const busy = new Map<string, Interval[]>([
			["a", [job("2026-06-15T08:00:00Z", 120)]],
			["b", [job("2026-06-15T08:00:00Z", 60)]],
			["c", [job("2026-06-15T08:00:00Z", 90)]],
		]);
		assert.deepEqual(rankByLoad(["a", "b", "c"], busy), ["b", "c", "a"]);
	});

	it("then by id, so equal loads are ordered stably", () => {
		const busy = new Map<string, Interval[]>([
			["c2", [job("2026-06-15T08:00:00Z", 60)]],
			["c1", [job("2026-06-15T12:00:00Z", 60)]],
		]);
		assert.deepEqual(rankByLoad(["c2", "c1", "c0"], busy), ["c0", "c1", "c2"]);
	});

	it("a cleaner missing from the map counts as free; the input is not mutated", () => {
		const ids = ["b", "a"];
		const busy = new Map<string, Interval[]>([["b", [job("2026-06-15T08:00:00Z", 60)]]]);
		assert.deepEqual(rankByLoad(ids, busy), ["a", "b"]);
		assert.deepEqual(ids, ["b", "a"]);
		assert.deepEqual(rankByLoad([], busy), []);
	});
});

describe("reservationUnits", () => {
	const tenToEleven: Interval = { start: at("2026-06-15T10:00:00Z"), end: at("2026-06-15T11:00:00Z") };

	it("a 60-minute job with a 15-minute buffer holds 15 units of 5 minutes, 10:00 to 11:10", () => {
		const units = reservationUnits(tenToEleven, 15);
		assert.equal(units.length, 15);
		assert.equal(units[0].toISOString(), "2026-06-15T10:00:00.000Z");
		assert.equal(units[14].toISOString(), "2026-06-15T11:10:00.000Z");
		for (let i = 1; i < units.length; i++)
			assert.equal(units[i].getTime() - units[i - 1].getTime(), 5 * MINUTE);
	});

	it("without a buffer a 60-minute job holds exactly its 12 units", () => {
		const units = reservationUnits(tenToEleven, 0);
		assert.equal(units.length, 12);
		assert.equal(units[11].toISOString(), "2026-06-15T10:55:00.000Z");
	});

	it("a 5-minute job without buffer holds one unit", () => {
		const units = reservationUnits({ start: tenToEleven.start, end: tenToEleven.start + 5 * MINUTE }, 0);
		assert.deepEqual(
			units.map((u) => u.toISOString()),
			["2026-06-15T10:00:00.000Z"],
		);
	});

	const shared = (a: Interval, b: Interval, buffer: number): string[] => {
		const unitsA = new Set(reservationUnits(a, buffer).map((u) => u.getTime()));
		return reservationUnits(b, buffer)
			.filter((u) => unitsA.has(u.getTime()))
			.map((u) => u.toISOString());
	};
	const jobAt = (startIso: string, minutes = 60): Interval => ({
		start: at(startIso),
		end: at(startIso) + minutes * MINUTE,
	});

	it("a following job closer than the buffer shares a unit, so the database refuses it", () => {
		// Gap of 10 minutes < 15-minute buffer.
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T11:10:00Z"), 15), ["2026-06-15T11:10:00.000Z"]);
		// Gap of 5 minutes.
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T11:05:00Z"), 15), [
			"2026-06-15T11:05:00.000Z",
			"2026-06-15T11:10:00.000Z",
		]);
	});

	it("a following job exactly one buffer later shares no unit", () => {
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T11:15:00Z"), 15), []);
	});

	it("a preceding job closer than the buffer shares a unit; exactly one buffer before shares none", () => {
		// [08:50, 09:50) + 15 buffer runs to 10:05: shares 10:00 with the 10:00 job.
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T08:50:00Z"), 15), ["2026-06-15T10:00:00.000Z"]);
		// [08:45, 09:45) + 15 buffer ends at 10:00 exactly.
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T08:45:00Z"), 15), []);
	});

	it("without a buffer back-to-back jobs share nothing, overlapping ones do", () => {
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T11:00:00Z"), 0), []);
		assert.deepEqual(shared(tenToEleven, jobAt("2026-06-15T10:55:00Z"), 0), ["2026-06-15T10:55:00.000Z"]);
	});

	it("on the grid, two jobs share a unit exactly when the availability search would refuse the second", () => {
		// Exhaustive over every grid offset of a second job (15 to 120 minutes) within ±4 hours of the first,
		// for buffers 0, 5, 15 and 30: the database guarantee and the offered slots agree.
		const first = tenToEleven;
		const working: Interval[] = [{ start: first.start - 24 * HOUR, end: first.end + 24 * HOUR }];
		let cases = 0;
		for (const buffer of [0, 5, 15, 30]) {
			const busyCleaner = cleaner("c1", { busy: [first] });
			for (let offset = -4 * 60; offset <= 4 * 60; offset += 5) {
				for (const minutes of [15, 60, 120]) {
					const second = {
						start: first.start + offset * MINUTE,
						end: first.start + (offset + minutes) * MINUTE,
					};
					const clash = shared(first, second, buffer).length > 0;
					const offered = cleanerCanTake(busyCleaner, second, working, buffer);
					assert.equal(clash, !offered, `buffer ${buffer}, offset ${offset}, ${minutes} min`);
					cases++;
				}
			}
		}
		assert.equal(cases, 4 * 97 * 3);
	});

	it("every unit is on the reservation grid when the job starts on it", () => {
		for (const unit of reservationUnits(tenToEleven, 15))
			assert.equal(isOnReservationGrid(unit.getTime()), true);
	});
});

describe("isOnReservationGrid", () => {
	it("whole 5-minute marks are on the grid", () => {
		assert.equal(isOnReservationGrid(at("2026-06-15T10:00:00Z")), true);
		assert.equal(isOnReservationGrid(at("2026-06-15T10:05:00Z")), true);
		assert.equal(isOnReservationGrid(at("2026-06-15T10:55:00Z")), true);
		assert.equal(isOnReservationGrid(0), true);
	});

	it("anything else is off the grid, down to the millisecond", () => {
		assert.equal(isOnReservationGrid(at("2026-06-15T10:07:00Z")), false);
		assert.equal(isOnReservationGrid(at("2026-06-15T10:05:30Z")), false);
		assert.equal(isOnReservationGrid(at("2026-06-15T10:05:00Z") + 1), false);
		assert.equal(isOnReservationGrid(at("2026-06-15T10:05:00Z") - 1), false);
	});

	it("every half-hour candidate start on the DST days is on the grid", () => {
		for (const day of [SPRING_FORWARD, FALL_BACK]) {
			for (const start of candidateStarts(day, ZONE, 30)) assert.equal(isOnReservationGrid(start), true);
		}
	});
});
