import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { at, createVehicle, expectStatus, nextWeekday, washBooking } from "../support/fixtures.ts";
import { perFile } from "../support/per-file.ts";
import { startPlatform } from "../support/platform.ts";

const platform = perFile(() => startPlatform());

const TUESDAY = 2;

/** Carla is a seeded cleaner with a login: her agenda is reachable through the gateway. */
async function carla() {
	const me = await platform.api("GET", "/cleaners/me", { as: "carla" });
	expectStatus(me, 200, "carla's profile");
	return me.body as {
		id: string;
		homeBase: { latitude: number; longitude: number };
		jobsCompleted: number;
		rating: { average: number | null; count: number };
	};
}

async function agendaItem(day: string, bookingId: string) {
	const query = new URLSearchParams({ from: at(day, "00:00"), to: at(day, "23:55") });
	const response = await platform.api("GET", `/cleaners/me/agenda?${query}`, { as: "carla" });
	expectStatus(response, 200, "agenda");
	return (
		response.body.items as Array<{ bookingId: string; status: string; start: string; end: string }>
	).find((item) => item.bookingId === bookingId);
}

async function history(vehicleId: string) {
	const response = await platform.api("GET", `/vehicles/${vehicleId}`, { as: "alice" });
	expectStatus(response, 200, "vehicle");
	return response.body.history as {
		lastCleanedAt: string | null;
		cleanings: number;
		upcomingBookingId: string | null;
	};
}

/** A wash of a new vehicle of alice's, booked with carla at `time` on a Tuesday ahead. */
async function bookedWithCarla(time: string) {
	const cleaner = await carla();
	const vehicle = await createVehicle(platform, "alice", "small");
	const day = nextWeekday(TUESDAY);
	const booked = await platform.api("POST", "/bookings", {
		as: "alice",
		body: washBooking(vehicle.id, at(day, time), cleaner.homeBase, cleaner.id),
	});
	expectStatus(booked, 201, "book");
	return { cleaner, vehicle, day, id: booked.body.id as string };
}

describe("read models built from domain events (embedded log)", () => {
	it("the agenda, the cleaner's counters and the vehicle's history follow every booking change", async () => {
		const { cleaner, vehicle, day, id } = await bookedWithCarla("09:00");

		const created = await eventually("created in the agenda", () => agendaItem(day, id));
		assert.deepEqual(
			{ status: created.status, start: created.start, end: created.end },
			{ status: "confirmed", start: at(day, "09:00"), end: at(day, "09:30") },
		);
		await eventually("upcoming booking", async () =>
			(await history(vehicle.id)).upcomingBookingId === id ? true : undefined,
		);

		const path = `/bookings/${id}`;
		expectStatus(
			await platform.api("POST", `${path}/reschedule`, { as: "alice", body: { start: at(day, "10:00") } }),
			200,
			"reschedule",
		);
		await eventually("rescheduled", async () =>
			(await agendaItem(day, id))?.start === at(day, "10:00") ? true : undefined,
		);

		expectStatus(await platform.api("POST", `${path}/start`, { as: "olga" }), 200, "start");
		await eventually("started", async () =>
			(await agendaItem(day, id))?.status === "in_progress" ? true : undefined,
		);

		expectStatus(await platform.api("POST", `${path}/complete`, { as: "olga" }), 200, "complete");
		await eventually("completed", async () =>
			(await agendaItem(day, id))?.status === "completed" ? true : undefined,
		);
		const cleaned = await eventually("cleaning counted", async () => {
			const current = await history(vehicle.id);
			return current.cleanings === 1 ? current : undefined;
		});
		assert.equal(cleaned.upcomingBookingId, null);
		assert.ok(cleaned.lastCleanedAt !== null);
		assert.equal((await carla()).jobsCompleted, cleaner.jobsCompleted + 1);

		expectStatus(
			await platform.api("POST", `${path}/rating`, { as: "alice", body: { score: 4 } }),
			200,
			"rate",
		);
		const rated = await eventually("rating counted", async () => {
			const profile = await carla();
			return profile.rating.count === cleaner.rating.count + 1 ? profile : undefined;
		});
		assert.ok(rated.rating.average !== null);
	});

	it("a cancelled booking leaves the agenda and is no longer the vehicle's upcoming one", async () => {
		const { vehicle, day, id } = await bookedWithCarla("14:00");
		await eventually("in the agenda", () => agendaItem(day, id));
		expectStatus(await platform.api("POST", `/bookings/${id}/cancel`, { as: "alice" }), 200, "cancel");
		await eventually("gone from the agenda", async () => ((await agendaItem(day, id)) ? undefined : true));
		await eventually("no upcoming booking", async () =>
			(await history(vehicle.id)).upcomingBookingId === null ? true : undefined,
		);
		assert.equal((await history(vehicle.id)).cleanings, 0);
	});
});
