import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import {
	at,
	bookable,
	createCleaner,
	createVehicle,
	dayAhead,
	everyDay,
	expectStatus,
	freshArea,
	nextWeekday,
	washBooking,
} from "../support/fixtures.ts";
import { perFile } from "../support/per-file.ts";
import { startPlatform } from "../support/platform.ts";

const platform = perFile(() => startPlatform());

const MONDAY = 1;

async function book(
	body: Record<string, unknown>,
	options: { as?: "alice" | "bob" | "fleet-partner"; key?: string } = {},
) {
	return platform.api("POST", "/bookings", {
		as: options.as ?? "alice",
		body,
		headers: options.key ? { "Idempotency-Key": options.key } : {},
	});
}

async function slotsOf(
	vehicleId: string,
	serviceType: string,
	day: string,
	area: { latitude: number; longitude: number },
) {
	const query = new URLSearchParams({ serviceType, vehicleId, date: day, ...toStrings(area) });
	const response = await platform.api("GET", `/availability?${query}`, { as: "alice" });
	expectStatus(response, 200, "availability");
	return response.body as {
		durationMinutes: number;
		price: { amountMinor: number; currency: string };
		slots: Array<{ start: string; end: string; cleanerIds: string[] }>;
	};
}

function toStrings(area: { latitude: number; longitude: number }) {
	return { latitude: String(area.latitude), longitude: String(area.longitude) };
}

describe("catalog", () => {
	it("is public and prices are integer minor units with a currency", async () => {
		const response = await platform.api("GET", "/services");
		expectStatus(response, 200, "catalog");
		assert.equal(response.body.items.length, 4);
		for (const item of response.body.items) {
			assert.match(item.currency, /^[A-Z]{3}$/);
			for (const price of Object.values(item.pricesMinor)) assert.ok(Number.isInteger(price));
		}
	});

	it("lets only admins add a service type, and validates it", async () => {
		const body = {
			code: `test-${randomUUID().slice(0, 8)}`,
			name: "Wheel polish",
			currency: "EUR",
			durationsMinutes: { small: 30, medium: 30, large: 45, van: 45 },
			pricesMinor: { small: 1500, medium: 1500, large: 2000, van: 2000 },
		};
		assert.equal((await platform.api("POST", "/services", { as: "alice", body })).status, 403);
		const bad = await platform.api("POST", "/services", {
			as: "olga",
			body: { ...body, pricesMinor: { ...body.pricesMinor, small: 12.5 } },
		});
		assert.equal(bad.status, 422);
		assert.equal(bad.body.error.details[0].field, "pricesMinor.small");
		expectStatus(await platform.api("POST", "/services", { as: "olga", body }), 201, "admin creates");
	});
});

describe("availability", () => {
	it("offers times inside working hours, priced and sized by the vehicle's size class", async () => {
		const area = freshArea();
		const cleaner = await createCleaner(platform, {
			homeBase: area,
			weeklyHours: { monday: [{ start: "09:00", end: "12:00" }] },
		});
		const day = nextWeekday(MONDAY);
		const small = await createVehicle(platform, "alice", "small");
		const van = await createVehicle(platform, "alice", "van");

		const forSmall = await slotsOf(small.id, "exterior-wash", day, area);
		assert.equal(forSmall.durationMinutes, 30);
		assert.deepEqual(forSmall.price, { amountMinor: 2500, currency: "EUR" });
		assert.deepEqual(
			forSmall.slots.map((s) => s.start),
			["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"].map((t) => at(day, t)),
		);
		assert.deepEqual(forSmall.slots[0].cleanerIds, [cleaner.id]);

		const forVan = await slotsOf(van.id, "exterior-wash", day, area);
		assert.equal(forVan.durationMinutes, 75);
		assert.deepEqual(forVan.price, { amountMinor: 4500, currency: "EUR" });
		// 75 minutes must end by 12:00.
		assert.equal(forVan.slots.at(-1)?.start, at(day, "10:30"));
	});

	it("follows a vehicle's changes although the search caches its size class", async () => {
		const { area, vehicle } = await bookable(platform, "small", {
			weeklyHours: { monday: [{ start: "09:00", end: "12:00" }] },
		});
		const day = nextWeekday(MONDAY);
		assert.equal((await slotsOf(vehicle.id, "exterior-wash", day, area)).durationMinutes, 30);

		// The owner's cached answer is not another customer's: ownership is checked per caller.
		const query = new URLSearchParams({
			serviceType: "exterior-wash",
			vehicleId: vehicle.id,
			date: day,
			...toStrings(area),
		});
		assert.equal((await platform.api("GET", `/availability?${query}`, { as: "bob" })).status, 404);

		const resized = await platform.api("PATCH", `/vehicles/${vehicle.id}`, {
			as: "alice",
			body: { sizeClass: "van" },
		});
		expectStatus(resized, 200, "resize the vehicle");
		assert.equal((await slotsOf(vehicle.id, "exterior-wash", day, area)).durationMinutes, 75);

		expectStatus(await platform.api("DELETE", `/vehicles/${vehicle.id}`, { as: "alice" }), 200, "remove it");
		assert.equal((await platform.api("GET", `/availability?${query}`, { as: "alice" })).status, 404);
	});

	it("leaves out cleaners without the skill, outside their area, or on time off", async () => {
		const area = freshArea();
		const vehicle = await createVehicle(platform, "alice", "small");
		const day = nextWeekday(MONDAY);
		const hours = { monday: [{ start: "09:00", end: "11:00" }] };
		const skilled = await createCleaner(platform, {
			homeBase: area,
			weeklyHours: hours,
			skills: ["exterior-wash"],
		});
		await createCleaner(platform, { homeBase: area, weeklyHours: hours, skills: ["interior-clean"] });

		const slots = await slotsOf(vehicle.id, "exterior-wash", day, area);
		assert.ok(slots.slots.length > 0);
		for (const slot of slots.slots) assert.deepEqual(slot.cleanerIds, [skilled.id]);

		const farAway = { latitude: area.latitude + 0.2, longitude: area.longitude };
		assert.equal((await slotsOf(vehicle.id, "exterior-wash", day, farAway)).slots.length, 0);

		const timeOff = await platform.api("PATCH", `/cleaners/${skilled.id}`, {
			as: "olga",
			body: { timeOff: [{ start: at(day, "09:30"), end: at(day, "10:30"), reason: "dentist" }] },
		});
		expectStatus(timeOff, 200, "set time off");
		const afterTimeOff = await slotsOf(vehicle.id, "exterior-wash", day, area);
		assert.deepEqual(
			afterTimeOff.slots.map((s) => s.start),
			[at(day, "09:00"), at(day, "10:30")],
		);
	});

	it("keeps the travel buffer around existing bookings and never offers a taken slot", async () => {
		const { area, vehicle } = await bookable(platform, "small", {
			weeklyHours: { monday: [{ start: "09:00", end: "13:00" }] },
		});
		const day = nextWeekday(MONDAY);
		await slotsOf(vehicle.id, "exterior-wash", day, area); // warm the cache
		const booked = await book(washBooking(vehicle.id, at(day, "10:30"), area));
		expectStatus(booked, 201, "book 10:30");

		// 30-minute jobs, 15-minute buffer: 10:00 would end at 10:30 with no buffer, 11:00 starts right after.
		const starts = (await slotsOf(vehicle.id, "exterior-wash", day, area)).slots.map((s) => s.start);
		assert.deepEqual(
			starts,
			["09:00", "09:30", "11:30", "12:00", "12:30"].map((t) => at(day, t)),
		);
	});

	it("is right on both daylight-saving days", async () => {
		const night = [{ start: "01:00", end: "05:00" }];
		const { area, vehicle } = await bookable(platform, "medium", { weeklyHours: { sunday: night } });
		// 60-minute interior clean. Spring forward 2027-03-28: 02:00-03:00 does not exist.
		const spring = await slotsOf(vehicle.id, "interior-clean", "2027-03-28", area);
		assert.deepEqual(
			spring.slots.map((s) => s.start),
			[
				"2027-03-28T00:00:00.000Z",
				"2027-03-28T00:30:00.000Z",
				"2027-03-28T01:00:00.000Z",
				"2027-03-28T01:30:00.000Z",
				"2027-03-28T02:00:00.000Z",
			],
		);
		// Fall back 2027-10-31: 02:00-03:00 happens twice; the working day is five hours long.
		const autumn = await slotsOf(vehicle.id, "interior-clean", "2027-10-31", area);
		assert.equal(autumn.slots[0].start, "2027-10-30T23:00:00.000Z");
		assert.equal(autumn.slots.at(-1)?.start, "2027-10-31T03:00:00.000Z");
		for (const slot of autumn.slots) assert.equal(Date.parse(slot.end) - Date.parse(slot.start), 3_600_000);
	});

	it("answers 422 naming the field for bad input", async () => {
		const vehicle = await createVehicle(platform, "alice", "small");
		const bad = await platform.api(
			"GET",
			`/availability?serviceType=exterior-wash&vehicleId=${vehicle.id}&date=2026-13-45`,
			{
				as: "alice",
			},
		);
		assert.equal(bad.status, 422);
		assert.match(JSON.stringify(bad.body), /date/);
		const unknownVehicle = await platform.api(
			"GET",
			`/availability?serviceType=exterior-wash&vehicleId=${randomUUID()}&date=2027-01-04`,
			{ as: "alice" },
		);
		assert.equal(unknownVehicle.status, 404);
	});
});

describe("booking", () => {
	it("prices from the catalog and the size class, and ignores no client-sent server fields", async () => {
		const { area, vehicle } = await bookable(platform, "large");
		const day = nextWeekday(MONDAY);
		const smuggled = await book({
			vehicleId: vehicle.id,
			serviceType: "full-valet",
			start: at(day, "09:00"),
			location: area,
			priceMinor: 1,
		});
		assert.equal(smuggled.status, 422);

		const created = await book({
			vehicleId: vehicle.id,
			serviceType: "full-valet",
			start: at(day, "09:00"),
			location: area,
		});
		expectStatus(created, 201, "book");
		assert.deepEqual(created.body.price, { amountMinor: 11000, currency: "EUR" });
		assert.equal(Date.parse(created.body.end) - Date.parse(created.body.start), 150 * 60_000);
		assert.equal(created.body.status, "confirmed");
	});

	it("refuses someone else's vehicle with 404", async () => {
		const area = freshArea();
		await createCleaner(platform, { homeBase: area });
		const bobs = await createVehicle(platform, "bob", "small");
		const response = await book(washBooking(bobs.id, at(nextWeekday(MONDAY), "09:00"), area));
		assert.equal(response.status, 404);
	});

	it("returns the same booking for a retried Idempotency-Key and 422 for the key reused with another body", async () => {
		const { area, vehicle } = await bookable(platform, "small");
		const day = nextWeekday(MONDAY);
		const key = randomUUID();
		const body = washBooking(vehicle.id, at(day, "09:00"), area);
		const [first, second] = await Promise.all([book(body, { key }), book(body, { key })]);
		expectStatus(first, 201, "first");
		expectStatus(second, 201, "retry");
		assert.equal(first.body.id, second.body.id);

		const list = await platform.api(
			"GET",
			`/bookings?from=${encodeURIComponent(at(day, "00:00"))}&limit=100`,
			{ as: "alice" },
		);
		assert.equal(
			list.body.items.filter((b: { vehicle: { id: string } }) => b.vehicle.id === vehicle.id).length,
			1,
		);

		const reused = await book({ ...body, start: at(day, "10:00") }, { key });
		assert.equal(reused.status, 422);
		assert.equal(reused.body.error.type, "IDEMPOTENCY_KEY_REUSED");
	});

	it("never double-books: 50 simultaneous overlapping requests for one cleaner, exactly one wins", async () => {
		const { area, cleaner, vehicle } = await bookable(platform, "medium");
		const day = nextWeekday(MONDAY);
		// Starts spread over 09:00-10:00; every pair overlaps (45-minute jobs plus the 15-minute buffer).
		const starts = Array.from({ length: 50 }, (_, i) =>
			at(day, `09:${String((i % 12) * 5).padStart(2, "0")}`),
		);
		const responses = await Promise.all(
			starts.map((start) => book(washBooking(vehicle.id, start, area, cleaner.id))),
		);
		const statuses = responses.map((r) => r.status);
		assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(",")}`);
		assert.equal(statuses.filter((s) => s === 409).length, 49);
		for (const loser of responses.filter((r) => r.status === 409))
			assert.ok(loser.body.error.message.length > 0);

		const held = await platform.api("GET", `/bookings?cleanerId=${cleaner.id}&limit=100`, { as: "olga" });
		assert.equal(held.body.total, 1);
	});

	it("auto-assigns fairly and tries the next free cleaner when one is taken", async () => {
		const area = freshArea();
		const first = await createCleaner(platform, { homeBase: area });
		const second = await createCleaner(platform, { homeBase: area });
		const vehicle = await createVehicle(platform, "alice", "small");
		const day = nextWeekday(MONDAY);
		const a = await book(washBooking(vehicle.id, at(day, "09:00"), area));
		const b = await book(washBooking(vehicle.id, at(day, "14:00"), area));
		expectStatus(a, 201, "a");
		expectStatus(b, 201, "b");
		assert.notEqual(a.body.cleanerId, b.body.cleanerId, "the second job goes to the less loaded cleaner");
		assert.deepEqual(new Set([a.body.cleanerId, b.body.cleanerId]), new Set([first.id, second.id]));

		const c = await book(washBooking(vehicle.id, at(day, "09:00"), area));
		expectStatus(c, 201, "c");
		assert.equal(c.body.cleanerId, b.body.cleanerId, "09:00 is taken for the first cleaner");
		const d = await book(washBooking(vehicle.id, at(day, "09:00"), area));
		assert.equal(d.status, 409);
	});
});

describe("lifecycle", () => {
	async function carlasBooking(day: string, time: string) {
		const carla = await platform.api("GET", "/cleaners/me", { as: "carla" });
		expectStatus(carla, 200, "carla's profile");
		const vehicle = await createVehicle(platform, "alice", "small");
		const location = carla.body.homeBase;
		const day0 = day;
		const response = await book(washBooking(vehicle.id, at(day0, time), location, carla.body.id));
		expectStatus(response, 201, `carla's booking at ${time}`);
		return response.body;
	}

	it("goes confirmed → in_progress → completed → rated, and refuses every other move with 409 naming the state", async () => {
		const booking = await carlasBooking(nextWeekday(MONDAY, 8), "09:00");
		const path = `/bookings/${booking.id}`;
		assert.equal((await platform.api("POST", `${path}/complete`, { as: "carla" })).status, 409);
		assert.equal(
			(await platform.api("POST", `${path}/start`, { as: "dan" })).status,
			404,
			"another cleaner's job",
		);
		assert.equal((await platform.api("POST", `${path}/start`, { as: "alice" })).status, 403);

		const started = await platform.api("POST", `${path}/start`, { as: "carla" });
		expectStatus(started, 200, "start");
		assert.equal(started.body.status, "in_progress");
		const again = await platform.api("POST", `${path}/start`, { as: "carla" });
		assert.equal(again.status, 409);
		assert.match(again.body.error.message, /in_progress/);
		assert.equal(
			(await platform.api("POST", `${path}/rating`, { as: "alice", body: { score: 5 } })).status,
			409,
		);

		expectStatus(await platform.api("POST", `${path}/complete`, { as: "carla" }), 200, "complete");
		assert.equal((await platform.api("POST", `${path}/cancel`, { as: "alice" })).status, 409);
		assert.equal(
			(await platform.api("POST", `${path}/rating`, { as: "alice", body: { score: 6 } })).status,
			422,
		);
		assert.equal(
			(await platform.api("POST", `${path}/rating`, { as: "bob", body: { score: 5 } })).status,
			404,
		);
		const rated = await platform.api("POST", `${path}/rating`, {
			as: "alice",
			body: { score: 4, comment: "Spotless" },
		});
		expectStatus(rated, 200, "rate");
		assert.equal(rated.body.rating.score, 4);
		assert.equal(
			(await platform.api("POST", `${path}/rating`, { as: "alice", body: { score: 5 } })).status,
			409,
		);
	});

	it("cancels free before the cut-off and with a fee after it; an admin cancels any time", async () => {
		const early = await carlasBooking(nextWeekday(MONDAY, 8), "11:00");
		const cancelled = await platform.api("POST", `/bookings/${early.id}/cancel`, { as: "alice" });
		expectStatus(cancelled, 200, "cancel early");
		assert.deepEqual(cancelled.body.cancellation, { by: "alice", late: false, feeMinor: null });

		// Two days ahead is inside a one-week cut-off, whatever today is.
		const { area, vehicle } = await bookable(platform, "small", { weeklyHours: everyDay("09:00", "17:00") });
		const soon = await book(washBooking(vehicle.id, at(dayAhead(2), "13:00"), area));
		expectStatus(soon, 201, "book two days ahead");
		const cutoff = await platform.api("PATCH", "/settings", {
			as: "olga",
			body: { cancellationCutoffHours: 168 },
		});
		expectStatus(cutoff, 200, "raise the cut-off");
		try {
			const lateCancel = await platform.api("POST", `/bookings/${soon.body.id}/cancel`, { as: "alice" });
			expectStatus(lateCancel, 200, "late cancel");
			assert.equal(lateCancel.body.cancellation.late, true);
			assert.equal(lateCancel.body.cancellation.feeMinor, 1250);
		} finally {
			await platform.api("PATCH", "/settings", { as: "olga", body: { cancellationCutoffHours: 24 } });
		}

		const byAdmin = await carlasBooking(nextWeekday(MONDAY, 8), "15:00");
		expectStatus(await platform.api("POST", `/bookings/${byAdmin.id}/start`, { as: "carla" }), 200, "start");
		const adminCancel = await platform.api("POST", `/bookings/${byAdmin.id}/cancel`, { as: "olga" });
		expectStatus(adminCancel, 200, "admin cancels an in-progress job");
		assert.equal(adminCancel.body.cancellation.late, false);
	});

	it("reschedules atomically: a reschedule racing a new booking for the same time, exactly one wins", async () => {
		const day = nextWeekday(MONDAY, 15);
		const booking = await carlasBooking(day, "09:00");
		const carla = (await platform.api("GET", "/cleaners/me", { as: "carla" })).body;
		const other = await createVehicle(platform, "bob", "small");
		const [moved, competing] = await Promise.all([
			platform.api("POST", `/bookings/${booking.id}/reschedule`, {
				as: "alice",
				body: { start: at(day, "14:00") },
			}),
			book(washBooking(other.id, at(day, "14:00"), carla.homeBase, carla.id), { as: "bob" }),
		]);
		const outcome = `${moved.status}/${competing.status}`;
		assert.ok(outcome === "200/409" || outcome === "409/201", `exactly one may win, got ${outcome}`);

		// Whatever happened, the 09:00 slot is free only if the reschedule won.
		const retake = await book(washBooking(other.id, at(day, "09:00"), carla.homeBase, carla.id), {
			as: "bob",
		});
		assert.equal(retake.status, moved.status === 200 ? 201 : 409);
	});
});
