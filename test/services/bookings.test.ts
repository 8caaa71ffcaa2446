import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Context } from "moleculer";
import AvailabilityService from "../../services/booking/availability.service.ts";
import BookingService from "../../services/booking/booking.service.ts";
import CatalogService from "../../services/booking/catalog.service.ts";
import type { AvailabilityResult, Booking, BookingPage, DayStats } from "../../services/booking/contract.ts";
import type { CleanerCandidate } from "../../services/cleaner/contract.ts";
import { defaultSettings } from "../../services/configuration/setting-rules.ts";
import type { Vehicle } from "../../services/vehicle/contract.ts";
import { at, nextWeekday } from "../support/fixtures.ts";
import { as, testBroker } from "../support/service-broker.ts";

const HOME = { latitude: 52.37, longitude: 4.9 };
const CLEANER_ID = randomUUID();
const VEHICLE: Vehicle = {
	id: randomUUID(),
	ownerId: "alice",
	plate: "AB12CD",
	make: "Fiat",
	model: "500",
	year: null,
	colour: null,
	sizeClass: "small",
	history: { lastCleanedAt: null, cleanings: 0, upcomingBookingId: null },
	createdAt: new Date().toISOString(),
	updatedAt: new Date().toISOString(),
};
const WORKDAY = [{ start: "08:00", end: "17:00" }];
const CANDIDATE: CleanerCandidate = {
	id: CLEANER_ID,
	weeklyHours: {
		monday: WORKDAY,
		tuesday: WORKDAY,
		wednesday: WORKDAY,
		thursday: WORKDAY,
		friday: WORKDAY,
		saturday: WORKDAY,
		sunday: WORKDAY,
	},
	timeOff: [],
};

/**
 * The three booking services on their one database, with the services they call stubbed: vehicles,
 * customers, cleaners and configuration answer as their contracts say.
 */
describe("booking services (broker-level)", () => {
	const { broker, withDatabase, stop } = testBroker();

	before(async () => {
		for (const schema of [CatalogService, AvailabilityService, BookingService])
			broker.createService(withDatabase(schema, "booking"));
		broker.createService({
			name: "configuration",
			actions: { current: () => defaultSettings("Europe/Amsterdam") },
		});
		broker.createService({
			name: "vehicles",
			actions: {
				get(ctx: Context<{ id: string }, { user: { id: string } }>) {
					if (ctx.params.id !== VEHICLE.id || ctx.meta.user.id !== VEHICLE.ownerId)
						throw new Error("not found");
					return VEHICLE;
				},
			},
		});
		broker.createService({ name: "customers", actions: { defaultLocation: () => null } });
		broker.createService({
			name: "cleaners",
			actions: { candidates: () => ({ items: [CANDIDATE] }), me: () => ({ id: CLEANER_ID }) },
		});
		await broker.start();
	});
	after(stop);

	const day = nextWeekday(2);
	const book = (start: string, key?: string) =>
		broker.call<Booking, object>(
			"bookings.create",
			{ vehicleId: VEHICLE.id, serviceType: "exterior-wash", start, location: HOME },
			{ meta: { ...as("alice", "customer").meta, ...(key ? { idempotencyKey: key } : {}) } },
		);

	it("offers the cleaner's free times, priced for the vehicle's size class", async () => {
		const result = await broker.call<AvailabilityResult, object>(
			"availability.search",
			{ serviceType: "exterior-wash", vehicleId: VEHICLE.id, date: day, ...HOME },
			as("alice", "customer"),
		);
		assert.equal(result.durationMinutes, 30);
		assert.equal(result.price.amountMinor, 2500);
		assert.ok(result.slots.some((slot) => slot.start === new Date(at(day, "09:00")).toISOString()));
	});

	it("books the cleaner, then refuses the same time to a second booking", async () => {
		const booking = await book(at(day, "09:00"));
		assert.equal(booking.status, "confirmed");
		assert.equal(booking.cleanerId, CLEANER_ID);
		assert.deepEqual(booking.price, { amountMinor: 2500, currency: "EUR" });
		await assert.rejects(book(at(day, "09:15")), { code: 409 });
	});

	it("answers a retried Idempotency-Key with the first booking", async () => {
		const key = randomUUID();
		const [first, second] = await Promise.all([book(at(day, "11:00"), key), book(at(day, "11:00"), key)]);
		assert.equal(first.id, second.id);
		await assert.rejects(book(at(day, "12:00"), key), { code: 422, type: "IDEMPOTENCY_KEY_REUSED" });
	});

	it("lets the cleaner start and complete the job, and the customer rate it", async () => {
		const booking = await book(at(day, "14:00"));
		const asCleaner = as("carla", "cleaner");
		await broker.call("bookings.start", { id: booking.id }, asCleaner);
		const completed = await broker.call<Booking, object>("bookings.complete", { id: booking.id }, asCleaner);
		assert.equal(completed.status, "completed");
		const rated = await broker.call<Booking, object>(
			"bookings.rate",
			{ id: booking.id, score: 5 },
			as("alice", "customer"),
		);
		assert.equal(rated.rating?.score, 5);
		await assert.rejects(broker.call("bookings.start", { id: booking.id }, asCleaner), {
			code: 409,
			type: "INVALID_STATE",
		});
	});

	it("lists only the caller's own bookings", async () => {
		const page = await broker.call<BookingPage, object>("bookings.list", {}, as("alice", "customer"));
		assert.ok(page.items.length >= 3);
		assert.ok(page.items.every((booking) => booking.customerId === "alice"));
		const none = await broker.call<BookingPage, object>("bookings.list", {}, as("bob", "customer"));
		assert.equal(none.total, 0);
	});

	it("counts the day's bookings by status for ops (admins only), every status present", async () => {
		const stats = await broker.call<DayStats, object>("bookings.dayStats", { date: day }, as("ops", "admin"));
		assert.deepEqual(stats, {
			date: day,
			timeZone: "Europe/Amsterdam",
			byStatus: { confirmed: 2, in_progress: 0, completed: 1, cancelled: 0 },
			lateCancellations: 0,
			feesMinor: {},
		});
		await assert.rejects(broker.call("bookings.dayStats", { date: day }, as("alice", "customer")), {
			code: 403,
		});
		await assert.rejects(broker.call("bookings.dayStats", { date: "2026-02-30" }, as("ops", "admin")), {
			code: 422,
		});
	});
});
