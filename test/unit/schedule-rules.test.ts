import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TimeOffPeriod } from "../../services/cleaner/contract.ts";
import {
	distanceKm,
	emptyWeeklyHours,
	homeBaseSearchBox,
	isWithinServiceArea,
	MAX_RADIUS_KM,
	normaliseTimeOff,
	normaliseWeeklyHours,
	parseInstant,
	type SearchBox,
	timeOffWithin,
	WEEKDAYS,
} from "../../services/cleaner/schedule-rules.ts";
import { assertUnprocessable } from "../support/fixtures.ts";

const AMSTERDAM = { latitude: 52.3676, longitude: 4.9041 };
const ROTTERDAM = { latitude: 51.9244, longitude: 4.4777 };

describe("normaliseWeeklyHours", () => {
	/** Asserts that the weekly hours are refused with a 422 naming `field`. */
	const assertRefusedHours = (hours: Parameters<typeof normaliseWeeklyHours>[0], field: string) =>
		assertUnprocessable(() => normaliseWeeklyHours(hours), field);

	test("lists every weekday and sorts each day's intervals", () => {
		const hours = normaliseWeeklyHours({
			monday: [
				{ start: "13:00", end: "17:00" },
				{ start: "08:00", end: "12:00" },
			],
		});
		assert.deepEqual(Object.keys(hours), [...WEEKDAYS]);
		assert.deepEqual(hours.monday, [
			{ start: "08:00", end: "12:00" },
			{ start: "13:00", end: "17:00" },
		]);
		assert.deepEqual(hours.sunday, []);
	});

	test("an empty schedule has every day empty", () => {
		assert.deepEqual(emptyWeeklyHours(), Object.fromEntries(WEEKDAYS.map((day) => [day, []])));
	});

	test("refuses an inverted or empty interval, naming it", () => {
		assertRefusedHours({ tuesday: [{ start: "12:00", end: "08:00" }] }, "weeklyHours.tuesday[0]");
		assertRefusedHours({ tuesday: [{ start: "09:00", end: "09:00" }] }, "weeklyHours.tuesday[0]");
	});

	test("refuses overlapping intervals, naming the later one by its position in the request", () => {
		assertRefusedHours(
			{
				friday: [
					{ start: "13:00", end: "17:00" },
					{ start: "08:00", end: "12:00" },
					{ start: "11:00", end: "14:00" },
				],
			},
			"weeklyHours.friday[2]",
		);
	});

	test("refuses touching intervals (they must be sent as one)", () => {
		assertRefusedHours(
			{
				monday: [
					{ start: "08:00", end: "12:00" },
					{ start: "12:00", end: "16:00" },
				],
			},
			"weeklyHours.monday[1]",
		);
	});

	test("accepts intervals a minute apart", () => {
		const hours = normaliseWeeklyHours({
			monday: [
				{ start: "08:00", end: "12:00" },
				{ start: "12:01", end: "23:59" },
			],
		});
		assert.equal(hours.monday.length, 2);
	});
});

describe("parseInstant", () => {
	test("normalises an offset to UTC", () => {
		assert.equal(parseInstant("2030-06-01T10:00:00+02:00", "start"), "2030-06-01T08:00:00.000Z");
		assert.equal(parseInstant("2030-06-01T08:00Z", "start"), "2030-06-01T08:00:00.000Z");
	});

	for (const value of ["2030-06-01T10:00:00", "2030-06-01", "2030-02-30T10:00:00Z", "tomorrow", ""]) {
		test(`refuses ${JSON.stringify(value)}`, () => {
			assertUnprocessable(() => parseInstant(value, "timeOff[0].start"), "timeOff[0].start");
		});
	}
});

describe("normaliseTimeOff", () => {
	const ids = ["id-1", "id-2", "id-3"];
	const sequentialIds = () => {
		let next = 0;
		return () => ids[next++];
	};

	test("stores UTC instants sorted, with server-side ids and a null reason by default", () => {
		const periods = normaliseTimeOff(
			[
				{ start: "2030-07-10T00:00:00+02:00", end: "2030-07-11T00:00:00+02:00", reason: "dentist" },
				{ start: "2030-07-01T00:00:00Z", end: "2030-07-03T00:00:00Z" },
			],
			new Set(),
			sequentialIds(),
		);
		assert.deepEqual(periods, [
			{ id: "id-2", start: "2030-07-01T00:00:00.000Z", end: "2030-07-03T00:00:00.000Z", reason: null },
			{ id: "id-1", start: "2030-07-09T22:00:00.000Z", end: "2030-07-10T22:00:00.000Z", reason: "dentist" },
		]);
	});

	test("keeps the ids of periods the cleaner already has and replaces unknown ones", () => {
		const periods = normaliseTimeOff(
			[
				{ id: "kept", start: "2030-07-01T00:00:00Z", end: "2030-07-02T00:00:00Z" },
				{ id: "made-up", start: "2030-07-05T00:00:00Z", end: "2030-07-06T00:00:00Z" },
			],
			new Set(["kept"]),
			sequentialIds(),
		);
		assert.deepEqual(
			periods.map((period) => period.id),
			["kept", "id-1"],
		);
	});

	test("accepts back-to-back periods", () => {
		const periods = normaliseTimeOff(
			[
				{ start: "2030-07-01T00:00:00Z", end: "2030-07-02T00:00:00Z" },
				{ start: "2030-07-02T00:00:00Z", end: "2030-07-03T00:00:00Z" },
			],
			new Set(),
		);
		assert.equal(periods.length, 2);
	});

	test("refuses an inverted period and overlapping periods, naming them", () => {
		assertUnprocessable(
			() => normaliseTimeOff([{ start: "2030-07-02T00:00:00Z", end: "2030-07-01T00:00:00Z" }], new Set()),
			"timeOff[0]",
		);
		assertUnprocessable(
			() =>
				normaliseTimeOff(
					[
						{ start: "2030-07-01T00:00:00Z", end: "2030-07-05T00:00:00Z" },
						{ start: "2030-07-04T00:00:00Z", end: "2030-07-06T00:00:00Z" },
					],
					new Set(),
				),
			"timeOff[1]",
		);
	});

	test("names the bad instant of a period", () => {
		assertUnprocessable(
			() => normaliseTimeOff([{ start: "2030-07-01T00:00:00Z", end: "next week" }], new Set()),
			"timeOff[0].end",
		);
	});
});

describe("timeOffWithin", () => {
	const period = (start: string, end: string): TimeOffPeriod => ({ id: start, start, end, reason: null });
	const periods = [
		period("2030-07-01T00:00:00.000Z", "2030-07-02T00:00:00.000Z"),
		period("2030-07-02T00:00:00.000Z", "2030-07-02T12:00:00.000Z"),
		period("2030-07-03T00:00:00.000Z", "2030-07-04T00:00:00.000Z"),
	];

	test("keeps the periods that overlap the half-open window [from, to)", () => {
		const within = timeOffWithin(periods, "2030-07-02T00:00:00.000Z", "2030-07-03T00:00:00.000Z");
		assert.deepEqual(
			within.map((p) => p.id),
			["2030-07-02T00:00:00.000Z"],
		);
	});

	test("a window inside a period overlaps it", () => {
		const within = timeOffWithin(periods, "2030-07-03T09:00:00.000Z", "2030-07-03T10:00:00.000Z");
		assert.equal(within.length, 1);
	});
});

describe("distanceKm and isWithinServiceArea", () => {
	test("Amsterdam to Rotterdam is about 57 km, either way", () => {
		assert.ok(Math.abs(distanceKm(AMSTERDAM, ROTTERDAM) - 57.1) < 0.5);
		assert.equal(distanceKm(AMSTERDAM, ROTTERDAM), distanceKm(ROTTERDAM, AMSTERDAM));
	});

	test("a point is 0 km from itself; antipodes are half the earth's circumference apart", () => {
		assert.equal(distanceKm(AMSTERDAM, AMSTERDAM), 0);
		assert.ok(
			Math.abs(distanceKm({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 }) - 20015) < 1,
		);
	});

	test("the service area is a circle around the home base, its edge included", () => {
		const distance = distanceKm(AMSTERDAM, ROTTERDAM);
		assert.equal(isWithinServiceArea(AMSTERDAM, 60, ROTTERDAM), true);
		assert.equal(isWithinServiceArea(AMSTERDAM, 50, ROTTERDAM), false);
		assert.equal(isWithinServiceArea(AMSTERDAM, distance, ROTTERDAM), true);
	});
});

describe("homeBaseSearchBox", () => {
	const inside = (box: SearchBox, home: { latitude: number; longitude: number }) =>
		box.latitude.min <= home.latitude &&
		home.latitude <= box.latitude.max &&
		(box.longitude === null || (box.longitude.min <= home.longitude && home.longitude <= box.longitude.max));

	test("holds every home base from which the largest service area reaches the point", () => {
		for (const point of [
			AMSTERDAM,
			{ latitude: -33.9, longitude: 18.4 },
			{ latitude: 64.1, longitude: -21.9 },
		]) {
			const box = homeBaseSearchBox(point);
			for (let bearing = 0; bearing < 360; bearing += 15) {
				// The farthest home in this direction whose area still reaches the point (a small-step walk, so
				// that no spherical formula is trusted).
				const step = 0.001;
				let home = point;
				for (;;) {
					const next = {
						latitude: home.latitude + step * Math.cos((bearing * Math.PI) / 180),
						longitude:
							home.longitude +
							(step * Math.sin((bearing * Math.PI) / 180)) / Math.cos((home.latitude * Math.PI) / 180),
					};
					if (!isWithinServiceArea(next, MAX_RADIUS_KM, point)) break;
					home = next;
				}
				assert.ok(distanceKm(point, home) > MAX_RADIUS_KM - 0.2);
				assert.ok(inside(box, home), `bearing ${bearing} from ${JSON.stringify(point)}`);
			}
			assert.equal(inside(box, { latitude: point.latitude + 1.5, longitude: point.longitude }), false);
		}
	});

	test("filters on latitude only near a pole or across the antimeridian", () => {
		assert.equal(homeBaseSearchBox({ latitude: 89.5, longitude: 10 }).longitude, null);
		assert.equal(homeBaseSearchBox({ latitude: -17.7, longitude: 179.5 }).longitude, null);
		assert.notEqual(homeBaseSearchBox(AMSTERDAM).longitude, null);
	});
});
