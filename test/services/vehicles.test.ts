import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Vehicle } from "../../services/vehicle/contract.ts";
import VehicleService from "../../services/vehicle/vehicle.service.ts";
import { as, testBroker } from "../support/service-broker.ts";

describe("vehicles service (broker-level)", () => {
	const { broker, withDatabase, listener, stop } = testBroker();
	// A neighbour that caches what it reads of vehicles, as the availability search does.
	const changed = listener("availability", "vehicles.changed", (params: { id: string }) => params.id);

	before(async () => {
		broker.createService(withDatabase(VehicleService, "vehicle"));
		await broker.start();
	});
	after(stop);

	const create = (owner: string, plate: string) =>
		broker.call<Vehicle, object>(
			"vehicles.create",
			{ plate, make: "Fiat", model: "500", sizeClass: "small" },
			as(owner, "customer"),
		);

	it("creates a vehicle with a normalised plate, for the caller", async () => {
		const vehicle = await create("alice", "ab-12 cd");
		assert.equal(vehicle.plate, "AB12CD");
		assert.equal(vehicle.ownerId, "alice");
		assert.deepEqual(vehicle.history, { lastCleanedAt: null, cleanings: 0, upcomingBookingId: null });
	});

	it("answers 409 to a second vehicle with the same plate, and 404 to another owner", async () => {
		const vehicle = await create("bob", "XY99");
		await assert.rejects(create("bob", "xy-99"), { code: 409, type: "DUPLICATE_PLATE" });
		await assert.rejects(broker.call("vehicles.get", { id: vehicle.id }, as("alice", "customer")), {
			code: 404,
		});
		const own = await broker.call<Vehicle, object>("vehicles.get", { id: vehicle.id }, as("bob", "customer"));
		assert.equal(own.id, vehicle.id);
	});

	it("refuses unknown params and a bad size class with a validation error", async () => {
		await assert.rejects(
			broker.call("vehicles.create", { plate: "A1", make: "x", model: "y", sizeClass: "huge" }, as("alice")),
			{ code: 422, type: "VALIDATION_ERROR" },
		);
	});

	it("tells its neighbours when a vehicle changed", async () => {
		const vehicle = await create("carol", "CC1");
		await broker.call("vehicles.update", { id: vehicle.id, colour: "red" }, as("carol", "customer"));
		assert.ok(changed.includes(vehicle.id));
	});
});
