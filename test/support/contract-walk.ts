import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { at, freshArea, nextWeekday, washBooking } from "./fixtures.ts";
import { contractViolation, OPERATIONS, operationAt } from "./openapi.ts";
import type { ApiClient, ApiOptions, ApiResponse } from "./platform.ts";

/**
 * Calls every operation of docs/openapi.json on a running platform (embedded or cluster), in the order a
 * business uses them, and checks every answer against the document: its status is one the operation lists, and
 * its body matches that status's schema. Answers what broke the document and which operations it did not call.
 */
export async function walkEveryOperation(
	platform: ApiClient,
): Promise<{ violations: string[]; notCalled: string[] }> {
	const exercised = new Set<string>();
	const violations: string[] = [];
	const asQuery = (point: { latitude: number; longitude: number }) => ({
		latitude: String(point.latitude),
		longitude: String(point.longitude),
	});

	/** `METHOD /api/template` with path values filled in, checked against the document and the expected status. */
	const call = async (
		method: string,
		template: string,
		expected: number,
		options: ApiOptions & { path?: Record<string, string>; query?: Record<string, string> } = {},
	): Promise<ApiResponse> => {
		const operation = operationAt(method, `/api${template}`);
		let path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
			encodeURIComponent(options.path?.[name] ?? ""),
		);
		if (options.query) path += `?${new URLSearchParams(options.query)}`;
		const response = await platform.api(method, path, options);
		exercised.add(operation.operationId);
		const violation = contractViolation(operation, response);
		if (violation) violations.push(violation);
		assert.equal(response.status, expected, `${method} ${path}: ${JSON.stringify(response.body)}`);
		return response;
	};

	const code = `wash-${randomUUID().slice(0, 8)}`;
	await call("GET", "/services", 200);
	/** A new service type `code`, called `name`. */
	const serviceType = (name: string) => ({
		code,
		name,
		currency: "EUR",
		durationsMinutes: { small: 30, medium: 30, large: 45, van: 60 },
		pricesMinor: { small: 1000, medium: 1200, large: 1500, van: 2000 },
	});
	await call("POST", "/services", 201, { as: "olga", body: serviceType("Contract wash") });
	await call("GET", "/services/{code}", 200, { as: "olga", path: { code } });
	await call("PATCH", "/services/{code}", 200, {
		as: "olga",
		path: { code },
		body: { name: "Contract wash 2" },
	});
	await call("POST", "/services", 409, { as: "olga", body: serviceType("Again") });

	const alice = (await call("GET", "/customers/me", 200, { as: "alice" })).body;
	await call("POST", "/customers/me", 200, {
		as: "alice",
		body: { displayName: "Alice Martin", email: "alice@example.com" },
	});
	await call("PATCH", "/customers/me", 200, { as: "alice", body: { phone: "+31612345678" } });
	await call("GET", "/customers", 200, { as: "olga", query: { q: "Alice" } });
	await call("GET", "/customers/{id}", 200, { as: "olga", path: { id: alice.id } });
	await call("GET", "/customers/{id}", 404, { as: "olga", path: { id: randomUUID() } });
	await call("GET", "/customers/me", 401, {});

	const vehicle = (
		await call("POST", "/vehicles", 201, {
			as: "alice",
			body: {
				plate: `C${randomUUID().slice(0, 6)}`,
				make: "Volvo",
				model: "V60",
				year: 2021,
				sizeClass: "small",
			},
		})
	).body;
	await call("GET", "/vehicles", 200, { as: "alice" });
	await call("GET", "/vehicles/{id}", 200, { as: "alice", path: { id: vehicle.id } });
	await call("GET", "/vehicles/{id}", 404, { as: "bob", path: { id: vehicle.id } });
	await call("PATCH", "/vehicles/{id}", 200, {
		as: "alice",
		path: { id: vehicle.id },
		body: { colour: "red" },
	});
	await call("POST", "/vehicles", 422, { as: "alice", body: { plate: "" } });
	// Conditional requests: the tag of a read, 304 while it holds, 412 for a change based on a stale read.
	const read = await call("GET", "/vehicles/{id}", 200, { as: "alice", path: { id: vehicle.id } });
	const tag = read.headers.get("etag") ?? "";
	assert.match(tag, /^"[\w-]+"$/);
	await call("GET", "/vehicles/{id}", 304, {
		as: "alice",
		path: { id: vehicle.id },
		headers: { "If-None-Match": tag },
	});
	await call("PATCH", "/vehicles/{id}", 200, {
		as: "alice",
		path: { id: vehicle.id },
		headers: { "If-Match": tag },
		body: { colour: "green" },
	});
	await call("PATCH", "/vehicles/{id}", 412, {
		as: "alice",
		path: { id: vehicle.id },
		headers: { "If-Match": tag },
		body: { colour: "blue" },
	});

	const area = freshArea();
	const weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];
	const cleaner = (
		await call("POST", "/cleaners", 201, {
			as: "olga",
			body: {
				subject: `contract-${randomUUID()}`,
				displayName: "Contract Cleaner",
				skills: ["exterior-wash"],
				homeBase: area,
				radiusKm: 5,
				weeklyHours: Object.fromEntries(weekdays.map((day) => [day, [{ start: "08:00", end: "18:00" }]])),
			},
		})
	).body;
	await call("GET", "/cleaners", 200, { as: "olga", query: { active: "true" } });
	await call("GET", "/cleaners/{id}", 200, { as: "alice", path: { id: cleaner.id } });
	await call("GET", "/cleaners/{id}", 200, { as: "olga", path: { id: cleaner.id } });
	await call("PATCH", "/cleaners/{id}", 200, {
		as: "olga",
		path: { id: cleaner.id },
		body: { radiusKm: 6 },
	});
	await call("POST", "/cleaners/{id}/deactivate", 200, { as: "olga", path: { id: cleaner.id } });
	await call("POST", "/cleaners/{id}/activate", 200, { as: "olga", path: { id: cleaner.id } });
	await call("GET", "/cleaners/me", 200, { as: "carla" });
	await call("PATCH", "/cleaners/me", 200, { as: "carla", body: { radiusKm: 20 } });
	await call("GET", "/cleaners/me/agenda", 200, { as: "carla" });
	await call("GET", "/cleaners/me", 403, { as: "alice" });

	const day = nextWeekday(3, 10);
	await call("GET", "/availability", 200, {
		as: "alice",
		query: { serviceType: "exterior-wash", vehicleId: vehicle.id, date: day, ...asQuery(area) },
	});
	const booking = (
		await call("POST", "/bookings", 201, {
			as: "alice",
			headers: { "Idempotency-Key": randomUUID() },
			body: washBooking(vehicle.id, at(day, "09:00"), area, cleaner.id),
		})
	).body;
	await call("POST", "/bookings", 409, {
		as: "alice",
		body: washBooking(vehicle.id, at(day, "09:00"), area, cleaner.id),
	});
	await call("GET", "/bookings", 200, { as: "alice" });
	await call("GET", "/bookings/{id}", 200, { as: "alice", path: { id: booking.id } });
	await call("POST", "/bookings/{id}/reschedule", 200, {
		as: "alice",
		path: { id: booking.id },
		body: { start: at(day, "11:00") },
	});
	await call("POST", "/bookings/{id}/start", 200, { as: "olga", path: { id: booking.id } });
	await call("POST", "/bookings/{id}/cancel", 409, { as: "alice", path: { id: booking.id } });
	await call("POST", "/bookings/{id}/complete", 200, { as: "olga", path: { id: booking.id } });
	await call("POST", "/bookings/{id}/rating", 200, {
		as: "alice",
		path: { id: booking.id },
		body: { score: 5, comment: "Spotless" },
	});
	const second = (
		await call("POST", "/bookings", 201, {
			as: "alice",
			body: washBooking(vehicle.id, at(day, "14:00"), area, cleaner.id),
		})
	).body;
	await call("POST", "/bookings/{id}/cancel", 200, { as: "alice", path: { id: second.id } });

	// A public address literal (no DNS lookup), removed again before any partner booking could be sent to it.
	const endpoint = (
		await call("POST", "/webhooks/endpoints", 201, {
			as: "fleet-partner",
			body: { url: "https://93.184.216.34/cleaning-webhooks", eventTypes: ["booking.created.v1"] },
		})
	).body;
	await call("POST", "/webhooks/endpoints", 422, {
		as: "fleet-partner",
		body: { url: "https://169.254.169.254/latest", eventTypes: ["booking.created.v1"] },
	});
	await call("GET", "/webhooks/endpoints", 200, { as: "fleet-partner" });
	await call("GET", "/webhooks/endpoints", 403, { as: "alice" });
	await call("POST", "/webhooks/endpoints/{id}/enable", 200, {
		as: "fleet-partner",
		path: { id: endpoint.id },
	});
	await call("GET", "/webhooks/deliveries", 200, { as: "fleet-partner", query: { endpointId: endpoint.id } });
	await call("POST", "/webhooks/deliveries/{id}/resend", 404, {
		as: "fleet-partner",
		path: { id: randomUUID() },
	});
	await call("DELETE", "/webhooks/endpoints/{id}", 200, { as: "fleet-partner", path: { id: endpoint.id } });

	await call("GET", "/settings", 200, { as: "olga" });
	await call("PATCH", "/settings", 200, { as: "olga", body: { travelBufferMinutes: 15 } });
	await call("PATCH", "/settings", 422, { as: "olga", body: { travelBufferMinutes: 7 } });

	await call("GET", "/notifications/preferences", 200, { as: "alice" });
	await call("PATCH", "/notifications/preferences", 200, { as: "alice", body: { reminder: true } });
	await call("PATCH", "/notifications/preferences", 422, { as: "alice", body: { booked: false } });

	await call("DELETE", "/vehicles/{id}", 200, { as: "alice", path: { id: vehicle.id } });
	await call("DELETE", "/customers/me", 200, { as: "bob" });

	const notCalled = OPERATIONS.map((operation) => operation.operationId).filter((id) => !exercised.has(id));
	return { violations, notCalled };
}
