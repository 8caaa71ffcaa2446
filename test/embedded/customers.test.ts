import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
	assertRejected,
	assertUnknownField,
	createVehicle,
	expectStatus,
	nextWeekday,
} from "../support/fixtures.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";

const HOME = {
	label: "Home",
	street: "Keizersgracht 1",
	postcode: "1015 CC",
	city: "Amsterdam",
	country: "nl",
	latitude: 52.3792,
	longitude: 4.8897,
};
const PROFILE = {
	displayName: "Alice Martin",
	email: "Alice@Example.com",
	phone: "+31612345678",
	language: "nl-nl",
};

// The seeded platform holds the demo customers; the empty one shows registration from scratch.
let platform: EmbeddedPlatform;
let empty: EmbeddedPlatform;

before(async () => {
	[platform, empty] = await Promise.all([startPlatform(), startPlatform({ SEED_DEMO_DATA: "false" })]);
});

after(async () => {
	await Promise.all([platform?.stop(), empty?.stop()]);
});

describe("registration (POST /customers/me)", () => {
	test("a customer has no profile until they register", async () => {
		const response = await empty.api("GET", "/customers/me", { as: "alice" });
		assert.equal(response.status, 404);
	});

	test("registering creates the profile: canonical language and email, server ids, first address default", async () => {
		const response = await empty.api("POST", "/customers/me", {
			as: "alice",
			body: { ...PROFILE, addresses: [HOME, { ...HOME, label: "Office", street: "Dam 1" }] },
		});
		expectStatus(response, 201, "register");
		const customer = response.body;
		assert.equal(customer.subject, "alice");
		assert.equal(customer.email, "alice@example.com");
		assert.equal(customer.language, "nl-NL");
		assert.equal(customer.deleted, false);
		assert.match(customer.id, /^[0-9a-f-]{36}$/);
		assert.deepEqual(
			customer.addresses.map((a: { country: string; isDefault: boolean }) => [a.country, a.isDefault]),
			[
				["NL", true],
				["NL", false],
			],
		);
		assert.ok(customer.addresses.every((a: { id: string }) => /^[0-9a-f-]{36}$/.test(a.id)));
		assert.ok(!Number.isNaN(Date.parse(customer.createdAt)) && customer.createdAt.endsWith("Z"));
	});

	test("registering again is idempotent: 200 with the existing profile, unchanged", async () => {
		const first = await empty.api("GET", "/customers/me", { as: "alice" });
		const again = await empty.api("POST", "/customers/me", {
			as: "alice",
			body: { displayName: "Someone Else", email: "else@example.com" },
		});
		assert.equal(again.status, 200);
		assert.deepEqual(again.body, first.body);
	});

	test("one customer's registration is not another's profile", async () => {
		const response = await empty.api("GET", "/customers/me", { as: "bob" });
		assert.equal(response.status, 404);
	});

	test("malformed and oversized bodies are refused, naming the field", async () => {
		const register = (body: unknown) => empty.api("POST", "/customers/me", { as: "bob", body });
		const valid = { displayName: "Bob Dubois", email: "bob@example.com" };
		assertRejected(await register({ ...valid, phone: "06 1234 5678" }), "phone");
		assertRejected(await register({ ...valid, email: "not-an-email" }), "email");
		assertRejected(await register({ ...valid, language: "english" }), "language");
		assertRejected(await register({ ...valid, displayName: "x".repeat(101) }), "displayName");
		assertRejected(await register({ displayName: "Bob" }), "email");
		assertRejected(
			await register({ ...valid, addresses: [{ ...HOME, latitude: 91 }] }),
			"addresses[0].latitude",
		);
		assertRejected(
			await register({ ...valid, addresses: [{ ...HOME, country: "XX" }] }),
			"addresses[0].country",
		);
		assertUnknownField(await register({ ...valid, addresses: [{ ...HOME, floor: 3 }] }), "floor");
		assertRejected(
			await register({
				...valid,
				addresses: [
					{ ...HOME, isDefault: true },
					{ ...HOME, isDefault: true },
				],
			}),
			"addresses[1].isDefault",
		);
		assertRejected(
			await register({ ...valid, addresses: Array.from({ length: 11 }, () => HOME) }),
			"addresses",
		);
		// Identity comes from the token, never from the body.
		assertUnknownField(await register({ ...valid, subject: "alice" }), "subject");
		assert.equal((await empty.api("GET", "/customers/me", { as: "bob" })).status, 404);
	});
});

describe("own profile (GET/PATCH /customers/me)", () => {
	test("the demo customers are seeded with a default address in Amsterdam", async () => {
		for (const name of ["alice", "bob"] as const) {
			const response = await platform.api("GET", "/customers/me", { as: name });
			expectStatus(response, 200, `${name}'s profile`);
			assert.equal(response.body.subject, name);
			const [address] = response.body.addresses;
			assert.equal(address.city, "Amsterdam");
			assert.equal(address.isDefault, true);
			assert.ok(Math.abs(address.latitude - 52.37) < 0.05 && Math.abs(address.longitude - 4.9) < 0.05);
		}
	});

	test("a partial update changes only the given fields, and only the caller's profile", async () => {
		const bobBefore = await platform.api("GET", "/customers/me", { as: "bob" });
		const response = await platform.api("PATCH", "/customers/me", {
			as: "alice",
			body: { phone: "+31687654321", language: "EN-gb" },
		});
		expectStatus(response, 200, "update");
		assert.equal(response.body.phone, "+31687654321");
		assert.equal(response.body.language, "en-GB");
		assert.equal(response.body.displayName, "Alice Martin");
		assert.equal(response.body.addresses.length, 1);
		assert.deepEqual((await platform.api("GET", "/customers/me", { as: "bob" })).body, bobBefore.body);
	});

	test("replacing the addresses keeps the ids the client sends back and moves the default", async () => {
		const current = (await platform.api("GET", "/customers/me", { as: "alice" })).body.addresses[0];
		const response = await platform.api("PATCH", "/customers/me", {
			as: "alice",
			body: {
				addresses: [
					{ ...current, isDefault: false },
					{ ...HOME, label: "Gym", isDefault: true },
				],
			},
		});
		expectStatus(response, 200, "replace addresses");
		const [kept, added] = response.body.addresses;
		assert.equal(kept.id, current.id);
		assert.equal(kept.isDefault, false);
		assert.equal(added.isDefault, true);
		assert.notEqual(added.id, current.id);
	});

	test("a phone can be removed; malformed and oversized values are refused", async () => {
		const removed = await platform.api("PATCH", "/customers/me", { as: "alice", body: { phone: null } });
		assert.equal(removed.body.phone, null);
		const update = (body: unknown) => platform.api("PATCH", "/customers/me", { as: "alice", body });
		assertRejected(await update({ displayName: "" }), "displayName");
		assertRejected(await update({ displayName: "x".repeat(101) }), "displayName");
		assertUnknownField(await update({ deletedAt: null }), "deletedAt");
		assertRejected(
			await update({ addresses: [{ ...HOME, street: "x".repeat(121) }] }),
			"addresses[0].street",
		);
	});

	test("only customers (and admins) have customer profiles", async () => {
		assert.equal((await platform.api("GET", "/customers/me", { as: "carla" })).status, 403);
		assert.equal((await platform.api("POST", "/customers/me", { as: "dan", body: PROFILE })).status, 403);
		assert.equal((await platform.api("GET", "/customers/me", { as: "fleet-partner" })).status, 403);
		assert.equal((await platform.api("GET", "/customers/me")).status, 401);
	});
});

describe("default location (customers.defaultLocation, used by availability search)", () => {
	test("a search without coordinates takes the customer's default address", async () => {
		const vehicle = await createVehicle(platform, "alice");
		const response = await platform.api(
			"GET",
			`/availability?serviceType=exterior-wash&vehicleId=${vehicle.id}&date=${nextWeekday(2)}`,
			{ as: "alice" },
		);
		expectStatus(response, 200, "availability at the default address");
		assert.ok(response.body.slots.length > 0, "seeded Amsterdam cleaners should have free slots");
	});

	test("without a default address the search needs coordinates", async () => {
		const registered = await platform.api("POST", "/customers/me", {
			as: "olga",
			body: { displayName: "Olga Petrova", email: "olga@example.com" },
		});
		expectStatus(registered, 201, "admin registers as a customer, without addresses");
		const vehicle = await createVehicle(platform, "olga");
		const response = await platform.api(
			"GET",
			`/availability?serviceType=exterior-wash&vehicleId=${vehicle.id}&date=${nextWeekday(2)}`,
			{ as: "olga" },
		);
		assertRejected(response, "latitude");

		// The search caches the default address (here: none); a new one is used by the next search.
		const withAddress = await platform.api("PATCH", "/customers/me", {
			as: "olga",
			body: { addresses: [HOME] },
		});
		expectStatus(withAddress, 200, "add a default address");
		const again = await platform.api(
			"GET",
			`/availability?serviceType=exterior-wash&vehicleId=${vehicle.id}&date=${nextWeekday(2)}`,
			{ as: "olga" },
		);
		expectStatus(again, 200, "availability at the new default address");
	});
});

describe("admin (GET /customers, GET /customers/:id)", () => {
	test("search matches name or email, case-insensitively", async () => {
		const byName = await platform.api("GET", "/customers?q=ALICE", { as: "olga" });
		expectStatus(byName, 200, "search by name");
		assert.deepEqual(
			byName.body.items.map((c: { subject: string }) => c.subject),
			["alice"],
		);
		const byEmail = await platform.api("GET", "/customers?q=bob%40example", { as: "olga" });
		assert.deepEqual(
			byEmail.body.items.map((c: { subject: string }) => c.subject),
			["bob"],
		);
		const none = await platform.api("GET", "/customers?q=%25", { as: "olga" });
		assert.equal(none.body.total, 0, "a % in q is a character, not a wildcard");
	});

	test("search pages (max 100) and refuses bad paging", async () => {
		const page = await platform.api("GET", "/customers?limit=1&offset=1", { as: "olga" });
		expectStatus(page, 200, "page");
		assert.equal(page.body.items.length, 1);
		assert.ok(page.body.total >= 2);
		assertRejected(await platform.api("GET", "/customers?limit=101", { as: "olga" }), "limit");
		assertRejected(await platform.api("GET", "/customers?offset=-1", { as: "olga" }), "offset");
		assertRejected(await platform.api("GET", `/customers?q=${"x".repeat(101)}`, { as: "olga" }), "q");
	});

	test("an admin reads any profile by id; unknown ids are 404, malformed ones 422", async () => {
		const alice = (await platform.api("GET", "/customers/me", { as: "alice" })).body;
		const response = await platform.api("GET", `/customers/${alice.id}`, { as: "olga" });
		expectStatus(response, 200, "get by id");
		assert.deepEqual(response.body, alice);
		assert.equal((await platform.api("GET", `/customers/${randomUUID()}`, { as: "olga" })).status, 404);
		assertRejected(await platform.api("GET", "/customers/not-a-uuid", { as: "olga" }), "id");
	});

	test("customers cannot search or read other customers", async () => {
		const bob = (await platform.api("GET", "/customers/me", { as: "bob" })).body;
		assert.equal((await platform.api("GET", `/customers/${bob.id}`, { as: "alice" })).status, 403);
		assert.equal((await platform.api("GET", "/customers?q=bob", { as: "alice" })).status, 403);
		assert.equal((await platform.api("GET", "/customers", { as: "carla" })).status, 403);
	});
});

describe("deletion (DELETE /customers/me)", () => {
	test("erases the personal data, keeps the row, and is idempotent", async () => {
		const before = (await platform.api("GET", "/customers/me", { as: "bob" })).body;
		const deleted = await platform.api("DELETE", "/customers/me", { as: "bob" });
		expectStatus(deleted, 200, "delete");
		assert.equal(deleted.body.id, before.id);
		assert.equal(deleted.body.deleted, true);
		assert.equal(deleted.body.displayName, "Deleted customer");
		assert.equal(deleted.body.email, null);
		assert.equal(deleted.body.phone, null);
		assert.deepEqual(deleted.body.addresses, []);
		assert.ok(deleted.body.deletedAt.endsWith("Z"));

		const me = await platform.api("GET", "/customers/me", { as: "bob" });
		assert.deepEqual(me.body, deleted.body);
		const again = await platform.api("DELETE", "/customers/me", { as: "bob" });
		assert.equal(again.status, 200);
		assert.equal(again.body.deletedAt, deleted.body.deletedAt);
	});

	test("a deleted profile cannot be changed or registered again", async () => {
		const update = await platform.api("PATCH", "/customers/me", { as: "bob", body: { displayName: "Bob" } });
		assert.equal(update.status, 409);
		assert.equal(update.body.error.type, "CUSTOMER_DELETED");
		const register = await platform.api("POST", "/customers/me", { as: "bob", body: PROFILE });
		assert.equal(register.status, 409);
	});

	test("the admin finds nothing personal left; other profiles are untouched", async () => {
		const search = await platform.api("GET", "/customers?q=dubois", { as: "olga" });
		assert.equal(search.body.total, 0);
		const alice = await platform.api("GET", "/customers/me", { as: "alice" });
		assert.equal(alice.body.deleted, false);
	});
});
