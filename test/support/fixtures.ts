import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { DateTime } from "luxon";
import { UnprocessableError } from "../../lib/errors.ts";
import { WEEKDAYS } from "../../lib/weekdays.ts";
import { MAX_DAYS_AHEAD } from "../../services/booking/booking-rules.ts";
import type { BookingEventData } from "../../services/booking/contract.ts";
import type { ApiClient, ApiResponse, Caller } from "./platform.ts";

export const ZONE = "Europe/Amsterdam";

type Location = { latitude: number; longitude: number };
type VehicleSize = "small" | "medium" | "large" | "van";

/** The first local day at least `minDaysAhead` days from now that `accepts`. */
function firstDayAhead(minDaysAhead: number, accepts: (day: DateTime) => boolean): string {
	let day = DateTime.now().setZone(ZONE).startOf("day").plus({ days: minDaysAhead });
	while (!accepts(day)) day = day.plus({ days: 1 });
	return day.toISODate() as string;
}

/** A local day at least `minDaysAhead` days from now that falls on the given ISO weekday (1 = Monday). */
export function nextWeekday(isoWeekday: number, minDaysAhead = 3): string {
	return firstDayAhead(minDaysAhead, (day) => day.weekday === isoWeekday);
}

export function dayAhead(days: number): string {
	return firstDayAhead(days, () => true);
}

/** The first Monday to Friday at least `minDaysAhead` days from now: the seeded cleaners' working week. */
export function workdayAhead(minDaysAhead: number): string {
	return firstDayAhead(minDaysAhead, (day) => day.weekday <= 5);
}

/** An instant as UTC ISO string from a local wall time on a day. */
export function at(day: string, time: string): string {
	return DateTime.fromISO(`${day}T${time}`, { zone: ZONE }).toUTC().toISO() as string;
}

export function expectStatus(
	response: { status: number; body: unknown },
	status: number,
	what: string,
): void {
	if (response.status !== status) {
		throw new Error(`${what}: expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
	}
}

/** Asserts a 422 whose details name `field`. */
export function assertRejected(response: ApiResponse, field: string): void {
	assert.equal(response.status, 422, JSON.stringify(response.body));
	const fields = (response.body.error.details as Array<{ field: string }>).map((detail) => detail.field);
	assert.ok(fields.includes(field), `expected ${field} among ${fields.join(", ")}`);
}

/** Asserts the 422 of a `$$strict` schema: a key the action does not accept (server-owned or unknown). */
export function assertUnknownField(response: ApiResponse, key: string): void {
	assert.equal(response.status, 422, JSON.stringify(response.body));
	const details = response.body.error.details as Array<{ rule: string; message: string }>;
	assert.ok(
		details.some((detail) => detail.rule === "objectStrict" && detail.message.includes(`'${key}'`)),
		JSON.stringify(details),
	);
}

/** Asserts that a domain rule refuses its input with a 422 naming `field`, and only it. */
export function assertUnprocessable(action: () => unknown, field: string): void {
	assert.throws(action, (error: unknown) => {
		assert.ok(error instanceof UnprocessableError, `expected UnprocessableError, got ${error}`);
		assert.equal(error.code, 422);
		assert.deepEqual(
			(error.data as Array<{ field: string }>).map((item) => item.field),
			[field],
		);
		return true;
	});
}

interface CleanerOptions {
	homeBase: Location;
	skills?: string[];
	weeklyHours?: Record<string, Array<{ start: string; end: string }>>;
	radiusKm?: number;
	subject?: string;
}

/** A cleaner created by the admin, in an area of its own so that tests do not see each other's cleaners. */
export async function createCleaner(platform: ApiClient, options: CleanerOptions): Promise<{ id: string }> {
	const response = await platform.api("POST", "/cleaners", {
		as: "olga",
		body: {
			subject: options.subject ?? `test-${randomUUID()}`,
			displayName: "Test Cleaner",
			skills: options.skills ?? ["exterior-wash", "interior-clean", "full-valet", "ceramic-coating"],
			homeBase: options.homeBase,
			radiusKm: options.radiusKm ?? 5,
			weeklyHours: options.weeklyHours ?? {
				monday: [{ start: "09:00", end: "17:00" }],
				tuesday: [{ start: "09:00", end: "17:00" }],
				wednesday: [{ start: "09:00", end: "17:00" }],
				thursday: [{ start: "09:00", end: "17:00" }],
				friday: [{ start: "09:00", end: "17:00" }],
			},
		},
	});
	expectStatus(response, 201, "create cleaner");
	return response.body;
}

export async function createVehicle(
	platform: ApiClient,
	owner: Caller,
	sizeClass: VehicleSize = "medium",
): Promise<{ id: string; sizeClass: string }> {
	const plate = `T${randomUUID().replace(/-/g, "").slice(0, 7).toUpperCase()}`;
	const response = await platform.api("POST", "/vehicles", {
		as: owner,
		body: { plate, make: "Volkswagen", model: "Golf", year: 2020, colour: "blue", sizeClass },
	});
	expectStatus(response, 201, "create vehicle");
	return response.body;
}

/** What POST /bookings takes to book an exterior wash of the vehicle, by the chosen cleaner if one is given. */
export function washBooking(vehicleId: string, start: string, location: Location, cleanerId?: string) {
	return { vehicleId, serviceType: "exterior-wash", start, location, ...(cleanerId ? { cleanerId } : {}) };
}

/**
 * What a booking test starts from: a cleaner (with `cleaner`'s settings) whose area is the test's alone, and
 * a vehicle of alice's.
 */
export async function bookable(
	platform: ApiClient,
	sizeClass: VehicleSize,
	cleaner: Omit<CleanerOptions, "homeBase"> = {},
): Promise<{ area: Location; cleaner: { id: string }; vehicle: { id: string; sizeClass: string } }> {
	const area = freshArea();
	return {
		area,
		cleaner: await createCleaner(platform, { homeBase: area, ...cleaner }),
		vehicle: await createVehicle(platform, "alice", sizeClass),
	};
}

/** Distinct test areas (well apart, so radii never overlap). */
let areaIndex = 0;
export function freshArea(): Location {
	areaIndex += 1;
	return { latitude: 50.5 + areaIndex * 0.5, longitude: 8 + (areaIndex % 7) * 0.3 };
}

/** Working hours with the same interval on every day of the week. */
export function everyDay(start: string, end: string): Record<string, Array<{ start: string; end: string }>> {
	return Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start, end }]]));
}

/** The platform refuses a start beyond MAX_DAYS_AHEAD days; an hour short of it leaves a test time to run. */
const SLOT_HORIZON_MS = MAX_DAYS_AHEAD * 86_400_000 - 3_600_000;

/**
 * `count` distinct one-hour start times, 06:00 to 20:00 each day from 3 days ahead, in the platform's zone, all
 * of them bookable: a count beyond the booking horizon (about 2,650 slots) throws instead of yielding starts the
 * platform answers 422. `Infinity`: every slot within the horizon.
 */
export function hourlySlots(count: number): string[] {
	const last = Date.now() + SLOT_HORIZON_MS;
	const slots: string[] = [];
	for (let day = 3; slots.length < count; day++) {
		for (let hour = 6; hour <= 20 && slots.length < count; hour++) {
			const slot = at(dayAhead(day), `${String(hour).padStart(2, "0")}:00`);
			if (Date.parse(slot) > last) {
				if (count === Number.POSITIVE_INFINITY) return slots;
				throw new Error(`${count} slots asked for; ${slots.length} lie within ${MAX_DAYS_AHEAD} days`);
			}
			slots.push(slot);
		}
	}
	return slots;
}

/** What a booking event carries: a one-hour exterior wash in Amsterdam, confirmed, starting at `start`. */
export function bookingEventData(start: Date, changes: Partial<BookingEventData> = {}): BookingEventData {
	return {
		bookingId: randomUUID(),
		status: "confirmed",
		customerId: "sub-anna",
		vehicle: { id: randomUUID(), plate: "AB12CD", sizeClass: "small" },
		cleanerId: randomUUID(),
		serviceType: "exterior-wash",
		start: start.toISOString(),
		end: new Date(start.getTime() + 3_600_000).toISOString(),
		price: { amountMinor: 2450, currency: "EUR" },
		location: { latitude: 52.37, longitude: 4.9, street: "Damrak 1", postcode: "1012 LG", city: "Amsterdam" },
		notes: null,
		cancellation: null,
		rating: null,
		version: 1,
		partnerClientId: null,
		...changes,
	} as BookingEventData;
}
