import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import {
	assertRejected,
	assertUnknownField,
	at,
	createCleaner,
	createVehicle,
	expectStatus,
	freshArea,
	nextWeekday,
} from "../support/fixtures.ts";
import { perFile } from "../support/per-file.ts";
import { metricValue, startPlatform } from "../support/platform.ts";

const OFFICE_HOURS = {
	monday: [
		{ start: "13:00", end: "17:00" },
		{ start: "08:00", end: "12:00" },
	],
};

function newCleaner(overrides: Record<string, unknown> = {}) {
	return {
		subject: `test-${randomUUID()}`,
		displayName: "Noor Jansen",
		email: "noor@example.com",
		phone: "+31612345678",
		skills: ["exterior-wash", "interior-clean"],
		homeBase: freshArea(),
		radiusKm: 10,
		weeklyHours: OFFICE_HOURS,
		...overrides,
	};
}

const platform = perFile(() => startPlatform());

describe("seeded cleaners and self-service (GET/PATCH /cleaners/me)", () => {
	test("the demo logins carla and dan have profiles with every skill, around Amsterdam", async () => {
		for (const name of ["carla", "dan"] as const) {
			const response = await platform.api("GET", "/cleaners/me", { as: name });
			expectStatus(response, 200, `${name}'s profile`);
			const cleaner = response.body;
			assert.equal(cleaner.subject, name);
			assert.deepEqual([...cleaner.skills].sort(), [
				"ceramic-coating",
				"exterior-wash",
				"full-valet",
				"interior-clean",
			]);
			assert.ok(Math.abs(cleaner.homeBase.latitude - 52.37) < 0.1);
			assert.ok(cleaner.radiusKm >= 15 && cleaner.radiusKm <= 25);
			assert.deepEqual(cleaner.weeklyHours.monday, [
				{ start: "08:00", end: "12:00" },
				{ start: "13:00", end: "17:00" },
			]);
			assert.deepEqual(cleaner.rating, { average: null, count: 0 });
			assert.equal(cleaner.active, true);
		}
		const all = await platform.api("GET", "/cleaners?limit=100", { as: "olga" });
		assert.equal(all.body.total, 6);
	});

	test("a cleaner updates their own hours and time off; the whole time off list is replaced", async () => {
		const danBefore = (await platform.api("GET", "/cleaners/me", { as: "dan" })).body;
		const first = await platform.api("PATCH", "/cleaners/me", {
			as: "carla",
			body: {
				weeklyHours: { tuesday: [{ start: "09:00", end: "15:00" }] },
				timeOff: [
					{ start: "2030-08-10T00:00:00+02:00", end: "2030-08-20T00:00:00+02:00", reason: "holiday" },
					{ start: "2030-07-01T08:00:00Z", end: "2030-07-01T12:00:00Z" },
				],
			},
		});
		expectStatus(first, 200, "update own profile");
		assert.deepEqual(first.body.weeklyHours.tuesday, [{ start: "09:00", end: "15:00" }]);
		assert.deepEqual(first.body.weeklyHours.monday, []);
		assert.deepEqual(
			first.body.timeOff.map((p: { start: string; reason: string | null }) => [p.start, p.reason]),
			[
				["2030-07-01T08:00:00.000Z", null],
				["2030-08-09T22:00:00.000Z", "holiday"],
			],
		);

		const [kept] = first.body.timeOff;
		const second = await platform.api("PATCH", "/cleaners/me", { as: "carla", body: { timeOff: [kept] } });
		assert.deepEqual(second.body.timeOff, [kept]);
		assert.deepEqual((await platform.api("GET", "/cleaners/me", { as: "dan" })).body, danBefore);
	});

	test("schedules that do not add up are refused, naming the interval", async () => {
		const update = (body: unknown) => platform.api("PATCH", "/cleaners/me", { as: "carla", body });
		assertRejected(
			await update({
				weeklyHours: {
					monday: [
						{ start: "08:00", end: "12:00" },
						{ start: "11:30", end: "14:00" },
					],
				},
			}),
			"weeklyHours.monday[1]",
		);
		assertRejected(
			await update({ weeklyHours: { friday: [{ start: "17:00", end: "09:00" }] } }),
			"weeklyHours.friday[0]",
		);
		assertRejected(
			await update({ weeklyHours: { friday: [{ start: "25:00", end: "26:00" }] } }),
			"weeklyHours.friday[0].start",
		);
		assertUnknownField(await update({ weeklyHours: { someday: [] } }), "someday");
		assertRejected(
			await update({
				timeOff: [
					{ start: "2030-07-01T00:00:00Z", end: "2030-07-05T00:00:00Z" },
					{ start: "2030-07-04T00:00:00Z", end: "2030-07-06T00:00:00Z" },
				],
			}),
			"timeOff[1]",
		);
		assertRejected(
			await update({ timeOff: [{ start: "2030-07-01 09:00", end: "2030-07-05T00:00:00Z" }] }),
			"timeOff[0].start",
		);
		assertRejected(
			await update({
				timeOff: [{ start: "2030-07-01T00:00:00Z", end: "2030-07-05T00:00:00Z", reason: "x".repeat(201) }],
			}),
			"timeOff[0].reason",
		);
	});

	test("skills must exist in the catalog; server-owned fields cannot be set", async () => {
		const update = (body: unknown) => platform.api("PATCH", "/cleaners/me", { as: "carla", body });
		const unknown = await update({ skills: ["exterior-wash", "window-polish"] });
		assertRejected(unknown, "skills[1]");
		assert.equal(unknown.body.error.type, "UNKNOWN_SERVICE_TYPE");
		assertRejected(await update({ skills: [] }), "skills");
		assertRejected(await update({ radiusKm: 101 }), "radiusKm");
		for (const key of ["rating", "jobsCompleted", "active", "subject", "id", "email"]) {
			assertUnknownField(await update({ [key]: key === "rating" ? { average: 5, count: 100 } : 1 }), key);
		}
		const me = (await platform.api("GET", "/cleaners/me", { as: "carla" })).body;
		assert.deepEqual(me.rating, { average: null, count: 0 });
	});

	test("only cleaners have a cleaner profile", async () => {
		assert.equal((await platform.api("GET", "/cleaners/me", { as: "alice" })).status, 403);
		assert.equal((await platform.api("PATCH", "/cleaners/me", { as: "olga", body: {} })).status, 403);
		assert.equal((await platform.api("GET", "/cleaners/me")).status, 401);
	});
});

describe("public profile (GET /cleaners/:id)", () => {
	test("any signed-in user sees a cleaner without contact details, home or time off", async () => {
		const carla = (await platform.api("GET", "/cleaners/me", { as: "carla" })).body;
		for (const caller of ["alice", "dan", "olga", "fleet-partner"] as const) {
			const response = await platform.api("GET", `/cleaners/${carla.id}`, { as: caller });
			expectStatus(response, 200, `public profile for ${caller}`);
			assert.equal(response.body.displayName, carla.displayName);
			for (const hidden of ["email", "phone", "subject", "homeBase", "timeOff"]) {
				assert.equal(hidden in response.body, false, `${hidden} must not be public`);
			}
		}
	});

	test("unknown ids are 404, malformed ones 422, anonymous callers 401", async () => {
		assert.equal((await platform.api("GET", `/cleaners/${randomUUID()}`, { as: "alice" })).status, 404);
		assertRejected(await platform.api("GET", "/cleaners/42", { as: "alice" }), "id");
		const carla = (await platform.api("GET", "/cleaners/me", { as: "carla" })).body;
		assert.equal((await platform.api("GET", `/cleaners/${carla.id}`)).status, 401);
	});
});

describe("admin (POST/GET/PATCH /cleaners, activate, deactivate)", () => {
	test("creates a cleaner with server-owned defaults and normalised hours", async () => {
		const body = newCleaner();
		const response = await platform.api("POST", "/cleaners", { as: "olga", body });
		expectStatus(response, 201, "create");
		const cleaner = response.body;
		assert.equal(cleaner.subject, body.subject);
		assert.equal(cleaner.active, true);
		assert.equal(cleaner.jobsCompleted, 0);
		assert.deepEqual(cleaner.rating, { average: null, count: 0 });
		assert.deepEqual(cleaner.timeOff, []);
		assert.deepEqual(cleaner.weeklyHours.monday, [
			{ start: "08:00", end: "12:00" },
			{ start: "13:00", end: "17:00" },
		]);
		assert.deepEqual(cleaner.weeklyHours.sunday, []);
	});

	test("a second profile for the same login is a conflict", async () => {
		const body = newCleaner();
		expectStatus(await platform.api("POST", "/cleaners", { as: "olga", body }), 201, "first");
		const again = await platform.api("POST", "/cleaners", {
			as: "olga",
			body: { ...body, displayName: "Other" },
		});
		assert.equal(again.status, 409);
		assert.equal(again.body.error.type, "DUPLICATE_SUBJECT");
		const carla = await platform.api("POST", "/cleaners", {
			as: "olga",
			body: newCleaner({ subject: "carla" }),
		});
		assert.equal(carla.status, 409);
	});

	test("malformed, oversized and server-owned values are refused", async () => {
		const create = (overrides: Record<string, unknown>) =>
			platform.api("POST", "/cleaners", { as: "olga", body: newCleaner(overrides) });
		assertRejected(await create({ skills: ["exterior-wash", "teleportation"] }), "skills[1]");
		assertRejected(await create({ skills: ["Exterior Wash"] }), "skills[0]");
		assertRejected(await create({ homeBase: { latitude: 95, longitude: 4.9 } }), "homeBase.latitude");
		assertRejected(await create({ radiusKm: 0 }), "radiusKm");
		assertRejected(await create({ displayName: "x".repeat(101) }), "displayName");
		assertRejected(await create({ subject: "s".repeat(256) }), "subject");
		assertRejected(await create({ phone: "0612345678" }), "phone");
		assertRejected(await create({ subject: undefined }), "subject");
		assertUnknownField(await create({ rating: { average: 5, count: 1 } }), "rating");
		assertUnknownField(await create({ active: false }), "active");
		assertUnknownField(await create({ id: randomUUID() }), "id");
	});

	test("find filters by skill and activity and pages (max 100)", async () => {
		const coating = await platform.api("GET", "/cleaners?skill=ceramic-coating&limit=100", { as: "olga" });
		expectStatus(coating, 200, "find by skill");
		assert.ok(coating.body.total >= 2);
		assert.ok(coating.body.items.every((c: { skills: string[] }) => c.skills.includes("ceramic-coating")));

		const page = await platform.api("GET", "/cleaners?limit=2&offset=1", { as: "olga" });
		assert.equal(page.body.items.length, 2);
		assert.equal(page.body.offset, 1);
		assertRejected(await platform.api("GET", "/cleaners?limit=101", { as: "olga" }), "limit");
		assertRejected(await platform.api("GET", "/cleaners?skill=%25", { as: "olga" }), "skill");
		assertRejected(await platform.api("GET", "/cleaners?active=maybe", { as: "olga" }), "active");
		assertUnknownField(await platform.api("GET", "/cleaners?sort=email", { as: "olga" }), "sort");
	});

	test("deactivate and activate switch a cleaner, visible in find", async () => {
		const { id } = await createCleaner(platform, { homeBase: freshArea() });
		const deactivated = await platform.api("POST", `/cleaners/${id}/deactivate`, { as: "olga" });
		expectStatus(deactivated, 200, "deactivate");
		assert.equal(deactivated.body.active, false);
		const inactive = await platform.api("GET", "/cleaners?active=false&limit=100", { as: "olga" });
		assert.ok(inactive.body.items.some((c: { id: string }) => c.id === id));
		const activated = await platform.api("POST", `/cleaners/${id}/activate`, { as: "olga" });
		assert.equal(activated.body.active, true);
		const inactiveAfter = await platform.api("GET", "/cleaners?active=false&limit=100", { as: "olga" });
		assert.ok(!inactiveAfter.body.items.some((c: { id: string }) => c.id === id));
		assert.equal(
			(await platform.api("POST", `/cleaners/${randomUUID()}/activate`, { as: "olga" })).status,
			404,
		);
	});

	test("the admin updates any profile, email included; unknown ids are 404", async () => {
		const { id } = await createCleaner(platform, { homeBase: freshArea() });
		const response = await platform.api("PATCH", `/cleaners/${id}`, {
			as: "olga",
			body: { email: "New@Example.com", radiusKm: 12.5, skills: ["full-valet"] },
		});
		expectStatus(response, 200, "admin update");
		assert.equal(response.body.email, "new@example.com");
		assert.equal(response.body.radiusKm, 12.5);
		assert.deepEqual(response.body.skills, ["full-valet"]);
		assertUnknownField(
			await platform.api("PATCH", `/cleaners/${id}`, { as: "olga", body: { jobsCompleted: 3 } }),
			"jobsCompleted",
		);
		const missing = await platform.api("PATCH", `/cleaners/${randomUUID()}`, {
			as: "olga",
			body: { radiusKm: 5 },
		});
		assert.equal(missing.status, 404);
	});

	test("admin actions are for admins only", async () => {
		const carla = (await platform.api("GET", "/cleaners/me", { as: "carla" })).body;
		for (const caller of ["alice", "carla", "fleet-partner"] as const) {
			assert.equal((await platform.api("POST", "/cleaners", { as: caller, body: newCleaner() })).status, 403);
			assert.equal((await platform.api("GET", "/cleaners", { as: caller })).status, 403);
			const update = await platform.api("PATCH", `/cleaners/${carla.id}`, {
				as: caller,
				body: { radiusKm: 1 },
			});
			assert.equal(update.status, 403);
			assert.equal(
				(await platform.api("POST", `/cleaners/${carla.id}/deactivate`, { as: caller })).status,
				403,
			);
		}
	});
});

describe("caching", () => {
	const found = async () => metricValue(await platform.metrics(), "moleculer_cacher_found_total");

	test("a profile read twice is served from the cache the second time, and fresh after an update", async () => {
		const { id } = await createCleaner(platform, { homeBase: freshArea() });

		const before = await found();
		const first = await platform.api("GET", `/cleaners/${id}`, { as: "alice" });
		expectStatus(first, 200, "first read");
		assert.equal(await found(), before, "the first read is a miss");

		const second = await platform.api("GET", `/cleaners/${id}`, { as: "bob" });
		assert.deepEqual(second.body, first.body);
		assert.equal(await found(), before + 1, "the second read is a cache hit");

		const updated = await platform.api("PATCH", `/cleaners/${id}`, {
			as: "olga",
			body: { displayName: "Renamed Cleaner" },
		});
		expectStatus(updated, 200, "update");

		const afterUpdate = await found();
		const third = await platform.api("GET", `/cleaners/${id}`, { as: "alice" });
		assert.equal(third.body.displayName, "Renamed Cleaner");
		assert.equal(await found(), afterUpdate, "the update cleaned the cached profile");
	});

	test("an update cleans only that cleaner's profile entry", async () => {
		const [one, other] = [
			await createCleaner(platform, { homeBase: freshArea() }),
			await createCleaner(platform, { homeBase: freshArea() }),
		];
		await platform.api("GET", `/cleaners/${other.id}`, { as: "alice" });
		await platform.api("PATCH", `/cleaners/${one.id}`, { as: "olga", body: { radiusKm: 7 } });
		const before = await found();
		await platform.api("GET", `/cleaners/${other.id}`, { as: "alice" });
		assert.equal(await found(), before + 1, "the other cleaner's profile is still cached");
	});

	test("cached lists are cleaned when any cleaner changes", async () => {
		const { id } = await createCleaner(platform, { homeBase: freshArea(), skills: ["ceramic-coating"] });
		const list = () => platform.api("GET", "/cleaners?skill=ceramic-coating&limit=100", { as: "olga" });
		await list();
		const before = await found();
		await list();
		assert.equal(await found(), before + 1, "the list is cached");

		await platform.api("PATCH", `/cleaners/${id}`, { as: "olga", body: { displayName: "Coating Expert" } });
		const fresh = await list();
		assert.ok(fresh.body.items.some((c: { displayName: string }) => c.displayName === "Coating Expert"));
	});
});

describe("availability candidates (cleaners.candidates, used by availability search)", () => {
	const monday = nextWeekday(1);

	async function search(area: { latitude: number; longitude: number }, serviceType = "exterior-wash") {
		const vehicle = await createVehicle(platform, "alice");
		const query = `serviceType=${serviceType}&vehicleId=${vehicle.id}&date=${monday}&latitude=${area.latitude}&longitude=${area.longitude}`;
		const response = await platform.api("GET", `/availability?${query}`, { as: "alice" });
		expectStatus(response, 200, "availability");
		return new Set(response.body.slots.flatMap((slot: { cleanerIds: string[] }) => slot.cleanerIds));
	}

	test("only active cleaners with the skill whose area contains the point, without their time off", async () => {
		const area = freshArea();
		const { id } = await createCleaner(platform, { homeBase: area, skills: ["exterior-wash"], radiusKm: 5 });
		assert.deepEqual([...(await search(area))], [id]);
		assert.deepEqual([...(await search({ latitude: area.latitude + 0.1, longitude: area.longitude }))], []);
		assert.deepEqual([...(await search(area, "full-valet"))], []);

		await platform.api("POST", `/cleaners/${id}/deactivate`, { as: "olga" });
		assert.deepEqual([...(await search(area))], [], "a deactivated cleaner is no candidate");
		await platform.api("POST", `/cleaners/${id}/activate`, { as: "olga" });
		assert.deepEqual([...(await search(area))], [id]);

		await platform.api("PATCH", `/cleaners/${id}`, {
			as: "olga",
			body: { timeOff: [{ start: at(monday, "00:00"), end: at(monday, "23:59"), reason: "ill" }] },
		});
		assert.deepEqual([...(await search(area))], [], "a cleaner on time off has no free slots");
	});
});

/**
 * Memory cachers are per node: a change on one node must clean the others' entries too. Two brokers in this
 * process, each running the cleaner service with its own memory cacher, joined by Moleculer's in-process
 * transporter and sharing one SQLite file.
 */
describe("cache cleaning across nodes", () => {
	const nodes: ServiceBroker[] = [];
	const asAdmin = { meta: { user: { id: "olga", roles: ["admin"], scopes: [] } } };

	before(async () => {
		process.env.DATA_DIR = await mkdtemp(join(tmpdir(), "cleaner-nodes-"));
		process.env.SEED_DEMO_DATA = "true";
		const serviceUrl = new URL("../../services/cleaner/cleaner.service.ts", import.meta.url).href;
		for (const nodeID of ["node-a", "node-b"]) {
			// A module instance per node: each gets its own database adapter, as separate processes would.
			const { default: schema } = (await import(`${serviceUrl}?node=${nodeID}`)) as {
				default: ServiceSchema;
			};
			const broker = new ServiceBroker({ nodeID, transporter: "Fake", cacher: "Memory", logger: false });
			broker.createService(schema);
			await broker.start();
			nodes.push(broker);
		}
		while (!nodes[0].registry.getNodeList({ onlyAvailable: true }).some((node) => node.id === "node-b")) {
			await sleep(50);
		}
	});

	after(async () => {
		for (const node of nodes) await node.stop();
	});

	test("an update on one node cleans the profile another node has cached", async () => {
		const [a, b] = nodes;
		const page = (await b.call("cleaners.find", { limit: 1 }, asAdmin)) as { items: Array<{ id: string }> };
		const [first] = page.items;
		const readOnB = async () => {
			const cleaner = await b.call("cleaners.get", { id: first.id }, { nodeID: "node-b" });
			return (cleaner as { displayName: string }).displayName;
		};
		await readOnB();
		await readOnB();

		await a.call(
			"cleaners.update",
			{ id: first.id, displayName: "Changed On A" },
			{ nodeID: "node-a", ...asAdmin },
		);
		let displayName = await readOnB();
		for (let attempt = 0; displayName !== "Changed On A" && attempt < 20; attempt++) {
			await sleep(25);
			displayName = await readOnB();
		}
		assert.equal(displayName, "Changed On A");
	});
});
