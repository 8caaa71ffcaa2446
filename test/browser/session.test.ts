import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createApiClient } from "../../clients/api/client.ts";
import {
	accessibilityProblems,
	launchBrowser,
	openSection,
	phone,
	screenshot,
	signedInPhone,
	signIn,
} from "../support/browser.ts";
import { dayAhead, workdayAhead } from "../support/fixtures.ts";
import { type Caller, type EmbeddedPlatform, startPlatform } from "../support/platform.ts";

/** Short-lived access tokens, so that the app's renewal (at three quarters of the lifetime) comes quickly. */
const TOKEN_TTL_SECONDS = 12;

let platform: EmbeddedPlatform;
let browser: Browser;
let origin: string;

before(async () => {
	platform = await startPlatform({ DEV_IDP_ACCESS_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS) });
	origin = new URL(platform.baseUrl).origin;
	browser = await launchBrowser();
});
after(async () => {
	await browser?.close();
	await platform?.stop();
});

/** Clicks a save button and waits for the PATCH and the read that follows it (the form is then redrawn). */
async function save(page: Page, button: string, path: string): Promise<void> {
	const url = `${origin}/api/${path}`;
	const written = page.waitForResponse((r) => r.url() === url && r.request().method() === "PATCH");
	const reread = page.waitForResponse((r) => r.url() === url && r.request().method() === "GET");
	await page.getByRole("button", { name: button }).click();
	assert.equal((await written).status(), 200, `${button}: ${await (await written).text()}`);
	await reread;
}

function apiAs(caller: Caller) {
	return createApiClient({ baseUrl: origin, accessToken: () => platform.token(caller) });
}

describe("the web app's session and failures, in Chromium", () => {
	it("renews the access token with the refresh token before it expires, and keeps working", async () => {
		const { context, page } = await phone(browser);
		const tokensUsed: string[] = [];
		const refreshGrants: number[] = [];
		page.on("request", (request) => {
			const authorization = request.headers().authorization;
			if (request.url().startsWith(`${origin}/api/`) && authorization) tokensUsed.push(authorization);
			if (
				request.url().startsWith(platform.issuer) &&
				/grant_type=refresh_token/.test(request.postData() ?? "")
			)
				refreshGrants.push(Date.now());
		});
		await signIn(page, origin, "alice");
		await page.getByRole("heading", { name: "Book a cleaning" }).waitFor();
		const first = tokensUsed[0];
		assert.ok(first, "the app called the API with a token");

		await page.waitForTimeout(TOKEN_TTL_SECONDS * 1000);
		assert.ok(refreshGrants.length >= 1, "a refresh-token grant was sent");
		await page.getByRole("button", { name: "My bookings" }).click();
		await page.getByRole("heading", { name: "Upcoming" }).waitFor();
		const last = tokensUsed.at(-1);
		assert.notEqual(last, first, "the renewed token is used");
		assert.equal(await page.getByRole("alert").count(), 0, "no error shown");
		await context.close();
	});

	it("offers a retry on a 503, and the retry reaches the platform", async () => {
		const { context, page } = await signedInPhone(browser, origin, "bob");
		// The one fault the embedded platform cannot make on demand: the network answers the first vehicle
		// list as the gateway does when a service is down. The retry goes to the real gateway.
		let faults = 0;
		await page.route(`${origin}/api/vehicles?*`, (route) => {
			if (faults++ > 0) return route.continue();
			return route.fulfill({
				status: 503,
				contentType: "application/json",
				headers: { "Retry-After": "1" },
				body: JSON.stringify({
					error: { status: 503, type: "SERVICE_UNAVAILABLE", message: "service unavailable", requestId: "x" },
				}),
			});
		});
		await page.getByRole("button", { name: "Vehicles" }).click();
		const alert = page.getByRole("alert");
		await alert.waitFor();
		assert.match(await alert.innerText(), /The service is unavailable right now\./);
		await alert.getByRole("button", { name: "Retry" }).click();
		await alert.waitFor({ state: "detached" });
		await page.getByText("No vehicles yet.").waitFor();
		assert.equal(faults, 2, "one faulty answer, then the real one");
		await context.close();
	});

	it("lets an admin change a setting (the cancellation cut-off), and a late cancellation then shows its fee", async () => {
		const admin = await signedInPhone(browser, origin, "olga");
		await openSection(admin.page, "Settings");
		await admin.page.getByLabel("Cancellation cut-off (hours)").fill("999");
		await admin.page.getByRole("button", { name: "Save settings" }).click();
		const error = admin.page.locator(".field.invalid", {
			has: admin.page.getByLabel("Cancellation cut-off (hours)"),
		});
		assert.match(await error.locator(".field-error").innerText(), /168/);
		await admin.page.getByLabel("Cancellation cut-off (hours)").fill("168");
		await admin.page.getByRole("button", { name: "Save settings" }).click();
		await admin.page.locator(".field.invalid").waitFor({ state: "detached" });
		await admin.page.getByLabel("Cancellation cut-off (hours)").waitFor();
		for (let attempt = 0; attempt < 50; attempt++) {
			const { settings } = (await apiAs("olga")("configuration.list", {})).data;
			if (settings.cancellationCutoffHours === 168) break;
			await admin.page.waitForTimeout(100);
		}
		const { settings } = (await apiAs("olga")("configuration.list", {})).data;
		assert.equal(settings.cancellationCutoffHours, 168);
		await admin.context.close();

		const alice = apiAs("alice");
		const car = (
			await alice("vehicles.create", {
				body: { plate: "LATE-1", make: "Kia", model: "Ceed", sizeClass: "medium" },
			})
		).data;
		// Inside the 168 h cut-off set above, on a day the seeded cleaners work (a Sunday has no free time).
		const day = workdayAhead(2);
		const slot = (
			await alice("availability.search", {
				query: { serviceType: "exterior-wash", vehicleId: car.id, date: day },
			})
		).data.slots[0];
		assert.ok(slot, `a free time on ${day}`);
		const booking = (
			await alice("bookings.create", {
				body: { vehicleId: car.id, serviceType: "exterior-wash", start: slot.start },
				headers: { "Idempotency-Key": "late-cancel" },
			})
		).data;
		const customer = await signedInPhone(browser, origin, "alice");
		await customer.page.getByRole("button", { name: "My bookings" }).click();
		const card = customer.page.locator(`.card[data-booking="${booking.id}"]`);
		await card.getByRole("button", { name: "Cancel" }).click();
		const fee = Math.round((booking.price.amountMinor * settings.lateCancellationFeePercent) / 100);
		await card.getByText(`Late cancellation: a fee of €${(fee / 100).toFixed(2)} applies.`).waitFor();
		await customer.context.close();
	});

	it("keeps a customer's profile, addresses and vehicles", async () => {
		const { context, page } = await signedInPhone(browser, origin, "bob");
		await openSection(page, "Profile");
		// A 422 shows beside its field.
		await page.getByLabel("Phone").fill("020 555 0101");
		await page.getByRole("button", { name: "Save details" }).click();
		const phoneError = page
			.locator(".field.invalid", { has: page.getByLabel("Phone") })
			.locator(".field-error");
		assert.match(await phoneError.innerText(), /E\.164/);
		await page.getByLabel("Phone").fill("+31205550101");
		await save(page, "Save details", "customers/me");
		const form = page.getByRole("form", { name: "Add an address" });
		await form.getByLabel("Label (home, office)").fill("Gym");
		await form.getByLabel("Street").fill("Overtoom 10");
		await form.getByLabel("Postcode").fill("1054 HK");
		await form.getByLabel("City").fill("Amsterdam");
		await form.getByLabel("Latitude").fill("52.3625");
		await form.getByLabel("Longitude").fill("4.8743");
		await save(page, "Add address", "customers/me");
		const gym = page.locator(".card", { hasText: "Gym" });
		await gym.getByRole("button", { name: "Make default" }).click();
		await gym.getByText("default").waitFor();
		assert.deepEqual(await accessibilityProblems(page), [], "profile");
		await screenshot(page, "profile");
		const me = (await apiAs("bob")("customers.me", {})).data;
		assert.equal(me.phone, "+31205550101");
		assert.deepEqual(
			me.addresses.map((address) => [address.label, address.isDefault]),
			[
				["Office", false],
				["Gym", true],
			],
		);

		await openSection(page, "Vehicles");
		await page.getByLabel("Plate").fill("VAN-42");
		await page.getByLabel("Make").fill("Ford");
		await page.getByLabel("Model").fill("Transit");
		await page.getByRole("button", { name: "Add vehicle" }).click();
		await page.getByLabel("Size class of VAN42").selectOption("van");
		await page.getByLabel("Size class of VAN42").waitFor();
		for (let attempt = 0; attempt < 50; attempt++) {
			const vehicles = (await apiAs("bob")("vehicles.list", {})).data.items;
			if (vehicles.some((vehicle) => vehicle.sizeClass === "van")) break;
			await page.waitForTimeout(100);
		}
		assert.deepEqual(
			(await apiAs("bob")("vehicles.list", {})).data.items.map((vehicle) => [
				vehicle.plate,
				vehicle.sizeClass,
			]),
			[["VAN42", "van"]],
		);
		assert.deepEqual(await accessibilityProblems(page), [], "vehicles");
		await page.locator(".card", { hasText: "VAN42" }).getByRole("button", { name: "Remove" }).click();
		await page.getByText("No vehicles yet.").waitFor();
		assert.equal((await apiAs("bob")("vehicles.list", {})).data.total, 0);
		await context.close();
	});

	it("keeps a cleaner's working hours and time off, and lets an admin add and deactivate a cleaner", async () => {
		const cleaner = await signedInPhone(browser, origin, "dan");
		await openSection(cleaner.page, "Schedule");
		await cleaner.page.getByLabel("saturday from").fill("09:00");
		await cleaner.page.getByLabel("saturday until").fill("12:30");
		await save(cleaner.page, "Save working hours", "cleaners/me");
		const away = cleaner.page.getByRole("form", { name: "Add time off" });
		const day = dayAhead(10);
		await away.getByLabel("Away from").fill(`${day}T08:00`);
		await away.getByLabel("Back at").fill(`${day}T18:00`);
		await away.getByLabel("Reason").fill("Dentist");
		await away.getByRole("button", { name: "Add time off" }).click();
		await cleaner.page.getByText("Dentist").waitFor();
		assert.deepEqual(await accessibilityProblems(cleaner.page), [], "schedule");
		await screenshot(cleaner.page, "schedule");
		const dan = (await apiAs("dan")("cleaners.me", {})).data;
		assert.deepEqual(dan.weeklyHours.saturday, [{ start: "09:00", end: "12:30" }]);
		// Entered in the platform's zone (Amsterdam), whatever the device's (New York).
		const amsterdamOffset = new Date(`${day}T12:00:00Z`).toLocaleString("en-GB", {
			timeZone: "Europe/Amsterdam",
			timeZoneName: "shortOffset",
		});
		const hours = /GMT\+(\d)/.exec(amsterdamOffset)?.[1] ?? "0";
		assert.equal(
			dan.timeOff.at(-1)?.start,
			new Date(Date.parse(`${day}T08:00:00Z`) - Number(hours) * 3_600_000).toISOString(),
		);
		await cleaner.context.close();

		const admin = await signedInPhone(browser, origin, "olga");
		await openSection(admin.page, "Cleaners");
		await admin.page.getByRole("button", { name: "New cleaner" }).click();
		const form = admin.page.getByRole("form", { name: "New cleaner" });
		await form.getByLabel("Name").fill("Eva Jansen");
		await form.getByLabel("Login subject (from the identity provider)").fill("eva");
		await form.getByLabel("Home base latitude").fill("52.37");
		await form.getByLabel("Home base longitude").fill("4.89");
		await form.getByRole("button", { name: "Create cleaner" }).click();
		await admin.page.getByRole("button", { name: "Deactivate Eva Jansen" }).click();
		await admin.page.getByRole("button", { name: "Activate Eva Jansen" }).waitFor();
		const eva = (await apiAs("olga")("cleaners.find", { query: { limit: 100 } })).data.items.find(
			(candidate) => candidate.displayName === "Eva Jansen",
		);
		assert.equal(eva?.active, false);
		assert.deepEqual(await accessibilityProblems(admin.page), [], "cleaners");
		await admin.context.close();
	});
});
