import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Admin } from "@platformatic/kafka";
import { infra, NAMESPACE, startCluster } from "../support/cluster.ts";
import { walkEveryOperation } from "../support/contract-walk.ts";
import { eventually } from "../support/eventually.ts";
import { at, bookable, expectStatus, nextWeekday, washBooking } from "../support/fixtures.ts";
import { platformaticConfig } from "../support/kafka.ts";
import { perFile } from "../support/per-file.ts";
import { metricValue } from "../support/platform.ts";

const cluster = perFile(() => startCluster());

const MONDAY = 1;

async function bookingScenario(sizeClass: "small" | "medium" = "small") {
	const { area, cleaner, vehicle } = await bookable(cluster, sizeClass);
	const day = nextWeekday(MONDAY);
	const query = new URLSearchParams({
		serviceType: "exterior-wash",
		vehicleId: vehicle.id,
		date: day,
		latitude: String(area.latitude),
		longitude: String(area.longitude),
	});
	return { area, cleaner, vehicle, day, searchPath: `/availability?${query}` };
}

describe("cluster: services in separate processes over Kafka, Redis and MariaDB", () => {
	it("runs the whole booking flow through the gateway", async () => {
		const { area, vehicle, searchPath } = await bookingScenario();
		const slots = await cluster.api("GET", searchPath, { as: "alice" });
		expectStatus(slots, 200, "availability");
		assert.ok(slots.body.slots.length > 0);
		const booked = await cluster.api("POST", "/bookings", {
			as: "alice",
			body: washBooking(vehicle.id, slots.body.slots[0].start, area),
		});
		expectStatus(booked, 201, "book");
		const again = await cluster.api("GET", searchPath, { as: "alice" });
		assert.notEqual(
			again.body.slots[0]?.start,
			slots.body.slots[0].start,
			"the booked slot is no longer offered",
		);
		const cancelled = await cluster.api("POST", `/bookings/${booked.body.id}/cancel`, { as: "alice" });
		expectStatus(cancelled, 200, "cancel");
	});

	it("a vehicle changed on its own node reaches the searches cached on the booking nodes", async () => {
		const { vehicle, searchPath } = await bookingScenario("small");
		const durationNow = async () => {
			const response = await cluster.api("GET", searchPath, { as: "alice" });
			expectStatus(response, 200, "availability");
			return response.body.durationMinutes as number;
		};
		// Twice: both booking instances may have cached the small size class.
		assert.equal(await durationNow(), 30);
		assert.equal(await durationNow(), 30);
		const resized = await cluster.api("PATCH", `/vehicles/${vehicle.id}`, {
			as: "alice",
			body: { sizeClass: "van" },
		});
		expectStatus(resized, 200, "resize");
		// The broadcast crosses Kafka after the answer; a second is far more than it takes.
		await eventually(
			"the new size class in the search",
			async () => ((await durationNow()) === 75 ? true : undefined),
			1_000,
		);
		for (let i = 0; i < 4; i++) assert.equal(await durationNow(), 75, "every instance answers the new size");
	});

	it("never double-books across two booking instances: 50 simultaneous requests, exactly one wins", async () => {
		// 45-minute jobs plus the 15-minute buffer: any two starts within the hour overlap.
		const { area, cleaner, vehicle, day } = await bookingScenario("medium");
		const starts = Array.from({ length: 50 }, (_, i) =>
			at(day, `10:${String((i % 12) * 5).padStart(2, "0")}`),
		);
		const responses = await Promise.all(
			starts.map((start) =>
				cluster.api("POST", "/bookings", {
					as: "alice",
					body: washBooking(vehicle.id, start, area, cleaner.id),
				}),
			),
		);
		const statuses = responses.map((r) => r.status);
		assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(","));
		assert.equal(statuses.filter((s) => s === 409).length, 49, statuses.join(","));
		const held = await cluster.api("GET", `/bookings?cleanerId=${cleaner.id}`, { as: "olga" });
		assert.equal(held.body.total, 1);
		const handled = await Promise.all(
			["booking-1", "booking-2"].map(async (name) =>
				metricValue(await cluster.metrics(name), "moleculer_request_total", { action: "bookings.create" }),
			),
		);
		assert.ok(
			handled.every((count) => count > 0),
			`both booking instances took requests: ${handled}`,
		);
	});

	it("balances calls between the instances of a service", async () => {
		const before = await Promise.all(
			["cleaner-1", "cleaner-2"].map(async (name) =>
				metricValue(await cluster.metrics(name), "moleculer_request_total", { action: "cleaners.me" }),
			),
		);
		for (let i = 0; i < 20; i++)
			expectStatus(await cluster.api("GET", "/cleaners/me", { as: "carla" }), 200, "me");
		const after = await Promise.all(
			["cleaner-1", "cleaner-2"].map(async (name) =>
				metricValue(await cluster.metrics(name), "moleculer_request_total", { action: "cleaners.me" }),
			),
		);
		const served = after.map((count, i) => count - before[i]);
		assert.equal(served[0] + served[1], 20);
		assert.ok(
			served.every((count) => count >= 5),
			`round robin: ${served}`,
		);
	});
});

describe("cluster faults", () => {
	it("keeps serving without Redis and resumes caching when it returns", async () => {
		await infraRedis("stop");
		try {
			for (let i = 0; i < 3; i++)
				expectStatus(await cluster.api("GET", "/services"), 200, "catalog without Redis");
			const skipped = metricValue(await cluster.metrics("booking-1"), "cacher_unavailable_total");
			const skipped2 = metricValue(await cluster.metrics("booking-2"), "cacher_unavailable_total");
			assert.ok(skipped + skipped2 > 0, "the outage is counted");
		} finally {
			await infraRedis("start");
		}
		await sleep(2500);
		const found = async () =>
			metricValue(await cluster.metrics("booking-1"), "moleculer_cacher_found_total") +
			metricValue(await cluster.metrics("booking-2"), "moleculer_cacher_found_total");
		const beforeHits = await found();
		for (let i = 0; i < 4; i++) expectStatus(await cluster.api("GET", "/services"), 200, "catalog");
		assert.ok((await found()) > beforeHits, "cache hits again after Redis returned");
	});

	it("answers 503 quickly while one service's database is unreachable, and recovers", async () => {
		await cluster.customerDbProxy.down();
		try {
			const started = Date.now();
			const response = await cluster.api("GET", "/customers/me", { as: "alice" });
			assert.equal(response.status, 503);
			assert.ok(Date.now() - started < 6000, "no hang");
			const ready = await cluster.ready("customer-1");
			assert.equal(ready.status, 503);
			expectStatus(await cluster.api("GET", "/services"), 200, "other services unaffected");
		} finally {
			await cluster.customerDbProxy.up();
		}
		await sleep(1000);
		expectStatus(await cluster.api("GET", "/customers/me", { as: "alice" }), 200, "recovered");
		assert.equal((await cluster.ready("customer-1")).status, 200);
	});

	it("survives a booking instance killed under load: the other takes over, no request hangs", async () => {
		const { searchPath } = await bookingScenario();
		const load = Array.from({ length: 40 }, async (_, i) => {
			await sleep(i * 25);
			const started = Date.now();
			const response = await cluster.api("GET", searchPath, { as: "alice" });
			return { status: response.status, ms: Date.now() - started };
		});
		await sleep(300);
		await cluster.kill("booking-2");
		const results = await Promise.all(load);
		for (const result of results) assert.ok(result.ms < 7000, `a request took ${result.ms} ms`);
		assert.ok(results.filter((r) => r.status === 200).length >= 30, results.map((r) => r.status).join(","));
		for (let i = 0; i < 5; i++)
			expectStatus(await cluster.api("GET", searchPath, { as: "alice" }), 200, "after the kill");

		// Restarting with the same node id reuses its topics and consumer group: nothing piles up.
		const before = await transporterFootprint();
		await cluster.restart("booking-2");
		assert.deepEqual(await transporterFootprint(), before);
		expectStatus(await cluster.api("GET", searchPath, { as: "alice" }), 200, "after the restart");
	});

	it("fails fast with 503 while Kafka is down, and recovers without restarting any service", async () => {
		await infra("kafka-stop");
		try {
			const started = Date.now();
			const response = await cluster.api("GET", "/vehicles", { as: "alice" });
			assert.ok([503, 504].includes(response.status), `got ${response.status}`);
			assert.ok(Date.now() - started < 7000, `took ${Date.now() - started} ms`);
			// Longer than the Kafka clients' default retries (3, 1 s apart): a consumer that gives up stays deaf.
			await sleep(8_000);
		} finally {
			await infra("kafka-start");
		}
		const deadline = Date.now() + 60_000;
		let status = 0;
		while (Date.now() < deadline) {
			status = (await cluster.api("GET", "/vehicles", { as: "alice" })).status;
			if (status === 200) break;
			await sleep(1000);
		}
		assert.equal(status, 200, "calls succeed again after Kafka returned");
	});
});

// Last in the file: the walk erases bob's profile.
describe("the API contract across the nodes", () => {
	it("every operation of docs/openapi.json answers as the document says", async () => {
		await cluster.settled();
		const { violations, notCalled } = await walkEveryOperation(cluster);
		assert.deepEqual(violations, []);
		assert.deepEqual(notCalled, [], "operations the walk did not call");
	});
});

/** The transporter's topics and consumer groups of this test namespace. */
async function transporterFootprint(): Promise<{ topics: string[]; groups: string[] }> {
	const admin = new Admin({ clientId: "cluster-test", ...platformaticConfig() });
	try {
		const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`MOL-${NAMESPACE}.`)).sort();
		const groups = [...(await admin.listGroups()).keys()]
			.filter((group) => group.startsWith(`MOL-${NAMESPACE}.`))
			.sort();
		return { topics, groups };
	} finally {
		await admin.close();
	}
}

async function infraRedis(action: "stop" | "start"): Promise<void> {
	const { execFile } = await import("node:child_process");
	const { promisify } = await import("node:util");
	const run = promisify(execFile);
	if (action === "stop") {
		await run("redis-cli", ["shutdown", "nosave"]).catch(() => undefined);
	} else {
		await run("redis-server", [
			"--daemonize",
			"yes",
			"--bind",
			"127.0.0.1",
			"-::1",
			"--port",
			"6379",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			"/var/lib/redis",
			"--logfile",
			"/var/log/redis/ci.log",
		]);
		await sleep(500);
	}
}
