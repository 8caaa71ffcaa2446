import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import CleanerService from "../../services/cleaner/cleaner.service.ts";
import type { Cleaner, PublicCleaner } from "../../services/cleaner/contract.ts";
import ConfigurationService from "../../services/configuration/configuration.service.ts";
import type { BusinessSettings, SettingsView } from "../../services/configuration/contract.ts";
import type { Address, Customer } from "../../services/customer/contract.ts";
import CustomerService from "../../services/customer/customer.service.ts";
import { as, testBroker } from "../support/service-broker.ts";

const PROFILE = {
	displayName: "Erin",
	email: "erin@example.com",
	addresses: [
		{
			street: "Damrak 1",
			postcode: "1012 LG",
			city: "Amsterdam",
			country: "nl",
			latitude: 52.37,
			longitude: 4.89,
		},
	],
};

describe("customers service (broker-level)", () => {
	const { broker, withDatabase, listener, stop } = testBroker();
	const changed = listener(
		"availability",
		"customers.changed",
		(params: { subject: string }) => params.subject,
	);

	before(async () => {
		broker.createService(withDatabase(CustomerService, "customer"));
		await broker.start();
	});
	after(stop);

	it("registers the caller once: 201, then 200 with the same profile", async () => {
		const first = { meta: { ...as("erin", "customer").meta } as Record<string, unknown> };
		const created = await broker.call<Customer, object>("customers.registerMe", PROFILE, first);
		assert.equal(first.meta.$statusCode, 201);
		assert.equal(created.addresses[0].country, "NL");
		assert.equal(created.addresses[0].isDefault, true);
		const again = { meta: { ...as("erin", "customer").meta } as Record<string, unknown> };
		const existing = await broker.call<Customer, object>("customers.registerMe", PROFILE, again);
		assert.equal(existing.id, created.id);
		assert.equal(again.meta.$statusCode, undefined);
	});

	it("answers the caller's default address to the booking services, and tells them of changes", async () => {
		const address = await broker.call<Address | null, object>("customers.defaultLocation", {}, as("erin"));
		assert.equal(address?.street, "Damrak 1");
		await broker.call("customers.updateMe", { displayName: "Erin B." }, as("erin", "customer"));
		assert.ok(changed.includes("erin"));
	});
});

describe("cleaners service (broker-level)", () => {
	const { broker, withDatabase, stop } = testBroker();

	before(async () => {
		broker.createService(withDatabase(CleanerService, "cleaner"));
		// The booking service's catalog, as far as skills are concerned.
		broker.createService({
			name: "catalog",
			actions: { list: () => ({ items: [{ code: "exterior-wash" }, { code: "full-valet" }] }) },
		});
		await broker.start();
	});
	after(stop);

	const newCleaner = (subject: string, skills: string[]) =>
		broker.call<Cleaner, object>(
			"cleaners.create",
			{ subject, displayName: subject, skills, homeBase: { latitude: 10, longitude: 10 }, radiusKm: 5 },
			as("olga", "admin"),
		);

	it("creates a cleaner with skills of the catalog only, and one profile per subject", async () => {
		const cleaner = await newCleaner("frank", ["full-valet"]);
		assert.equal(cleaner.active, true);
		await assert.rejects(newCleaner("gina", ["teleport"]), { code: 422, type: "UNKNOWN_SERVICE_TYPE" });
		await assert.rejects(newCleaner("frank", ["full-valet"]), { code: 409, type: "DUPLICATE_SUBJECT" });
	});

	it("shows others the public profile only, and finds candidates by skill and area", async () => {
		const cleaner = await newCleaner("hank", ["exterior-wash"]);
		const seen = await broker.call<PublicCleaner & { homeBase?: unknown }, object>("cleaners.get", {
			id: cleaner.id,
		});
		assert.equal(seen.homeBase, undefined);
		const params = {
			latitude: 10,
			longitude: 10.01,
			from: "2030-01-01T00:00:00Z",
			to: "2030-01-02T00:00:00Z",
		};
		const found = await broker.call<{ items: Array<{ id: string }> }, object>("cleaners.candidates", {
			serviceType: "exterior-wash",
			...params,
		});
		assert.deepEqual(
			found.items.map((item) => item.id),
			[cleaner.id],
		);
	});
});

describe("configuration service (broker-level)", () => {
	const { broker, withDatabase, listener, stop } = testBroker();
	const pushed = listener("bookings", "configuration.changed", (params: BusinessSettings) => params);

	before(async () => {
		broker.createService(withDatabase(ConfigurationService, "configuration"));
		await broker.start();
	});
	after(stop);

	it("starts from the defaults, and pushes a change to every node", async () => {
		const current = await broker.call<BusinessSettings>("configuration.current");
		assert.equal(current.travelBufferMinutes, 15);
		const view = await broker.call<SettingsView, object>(
			"configuration.update",
			{ travelBufferMinutes: 20 },
			as("olga", "admin"),
		);
		assert.equal(view.settings.travelBufferMinutes, 20);
		assert.equal(pushed.at(-1)?.travelBufferMinutes, 20);
		await assert.rejects(
			broker.call("configuration.update", { travelBufferMinutes: 7 }, as("olga", "admin")),
			{
				code: 422,
			},
		);
	});
});
