import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { ApiError, createApiClient } from "../../clients/api/client.ts";
import { at, createCleaner, freshArea, nextWeekday } from "../support/fixtures.ts";
import { perFile } from "../support/per-file.ts";
import { startPlatform } from "../support/platform.ts";

const platform = perFile(() => startPlatform());

describe("the typed client (clients/api)", () => {
	it("books through the generated types, and reports a taken slot as an ApiError with its type", async () => {
		const call = createApiClient({
			baseUrl: platform.baseUrl.replace(/\/api$/, ""),
			accessToken: () => platform.token("alice"),
		});
		const area = freshArea();
		const cleaner = await createCleaner(platform, { homeBase: area });
		const vehicle = await call("vehicles.create", {
			body: { plate: `K${randomUUID().slice(0, 6)}`, make: "Kia", model: "Ceed", sizeClass: "medium" },
		});
		assert.equal(vehicle.status, 201);
		const day = nextWeekday(4, 10);
		const search = await call("availability.search", {
			query: { serviceType: "exterior-wash", vehicleId: vehicle.data.id, date: day, ...area },
		});
		assert.equal(search.data.sizeClass, "medium");
		const start =
			search.data.slots.find((slot) => slot.cleanerIds.includes(cleaner.id))?.start ?? at(day, "09:00");
		const body = {
			vehicleId: vehicle.data.id,
			serviceType: "exterior-wash",
			start,
			location: area,
			cleanerId: cleaner.id,
		};
		const booked = await call("bookings.create", { body, headers: { "Idempotency-Key": randomUUID() } });
		assert.equal(booked.data.price.amountMinor, search.data.price.amountMinor);
		const fetched = await call("bookings.get", { path: { id: booked.data.id } });
		assert.equal(fetched.data.status, "confirmed");

		const taken = await call("bookings.create", { body }).catch((error: unknown) => error);
		assert.ok(taken instanceof ApiError);
		assert.equal(taken.status, 409);
		assert.equal(taken.type, "SLOT_UNAVAILABLE");
		assert.ok(taken.requestId);
	});
});
