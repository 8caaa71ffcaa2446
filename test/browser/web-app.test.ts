import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createApiClient } from "../../clients/api/client.ts";
import {
	accessibilityProblems,
	launchBrowser,
	openSection,
	screenshot,
	signedInPhone,
} from "../support/browser.ts";
import { nextWeekday, workdayAhead, ZONE } from "../support/fixtures.ts";
import { type Caller, type EmbeddedPlatform, startPlatform } from "../support/platform.ts";

const [TUESDAY, WEDNESDAY, FRIDAY] = [2, 3, 5];
const ALICE_HOME = { latitude: 52.3676, longitude: 4.9041 };

let platform: EmbeddedPlatform;
let browser: Browser;
let origin: string;

before(async () => {
	platform = await startPlatform();
	origin = new URL(platform.baseUrl).origin;
	browser = await launchBrowser();
});
after(async () => {
	await browser?.close();
	await platform?.stop();
});

/** The typed client of the API (clients/api), as one of the demo people. */
function apiAs(caller: Caller) {
	return createApiClient({ baseUrl: origin, accessToken: () => platform.token(caller) });
}

/** How the app labels a day button (YYYY-MM-DD). */
function dayLabel(day: string): string {
	return new Intl.DateTimeFormat("en-GB", {
		timeZone: "UTC",
		weekday: "short",
		day: "numeric",
		month: "short",
	}).format(new Date(`${day}T00:00:00Z`));
}

/** A time of day in the platform's zone, as the app shows it. */
function zoneTime(iso: string): string {
	return new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, hour: "2-digit", minute: "2-digit" }).format(
		new Date(iso),
	);
}

function freeTimes(page: Page) {
	return page.getByRole("group", { name: "Free times" }).getByRole("button");
}

async function addVehicle(page: Page, plate: string): Promise<void> {
	await page.getByLabel("Plate").fill(plate);
	await page.getByLabel("Make").fill("Volvo");
	await page.getByLabel("Model").fill("V60");
	await page.getByLabel("Year").fill("2021");
	await page.getByRole("button", { name: "Add vehicle" }).click();
}

/** On the Book screen: a service and a day, then waits for the free times. */
async function chooseServiceAndDay(page: Page, service: string, day: string): Promise<void> {
	await page.getByRole("radio", { name: new RegExp(service) }).check();
	await page
		.getByRole("group", { name: "Day" })
		.getByRole("button", { name: dayLabel(day) })
		.click();
	await freeTimes(page).first().waitFor();
}

async function alicesBookings() {
	return (await apiAs("alice")("bookings.list", { query: { limit: 100 } })).data.items;
}

describe("the web app, in Debian's Chromium at 360 px, on the embedded platform", () => {
	it("is served at / with a CSP of its own, and the API keeps its own", async () => {
		const page = await fetch(`${origin}/`);
		assert.equal(page.status, 200);
		assert.match(page.headers.get("content-type") ?? "", /text\/html/);
		const csp = page.headers.get("content-security-policy") ?? "";
		assert.match(csp, /script-src 'self'/);
		assert.match(csp, new RegExp(`connect-src 'self' ${platform.issuer}`));
		assert.match(await page.text(), /<div id="root">/);
		// The app's own paths (the sign-in callback, a reload) get the page too; unknown files do not.
		assert.equal((await fetch(`${origin}/callback?code=x`)).status, 200);
		assert.equal((await fetch(`${origin}/missing.js`)).status, 404);
		const api = await fetch(`${origin}/api/services`);
		assert.equal(api.headers.get("content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
	});

	it("signs a customer in with PKCE, who adds a vehicle, books, sees it, reschedules it and cancels another", async () => {
		const { context, page, cspErrors } = await signedInPhone(browser, origin, "alice");
		await page.getByRole("heading", { name: "Book a cleaning" }).waitFor();
		await page.getByText("Add your vehicle first.").waitFor();
		assert.deepEqual(await accessibilityProblems(page), [], "book screen, empty");

		// A 422 shows beside the field it is about.
		await page.getByLabel("Make").fill("Volvo");
		await page.getByLabel("Model").fill("V60");
		await page.getByLabel("Year").fill("1700");
		await page.getByRole("button", { name: "Add vehicle" }).click();
		await page.getByText("Please check the highlighted fields.").waitFor();
		const yearError = page
			.locator(".field.invalid", { has: page.getByLabel("Year") })
			.locator(".field-error");
		assert.match(await yearError.innerText(), /1950/);
		assert.deepEqual(await accessibilityProblems(page), [], "field errors");
		await screenshot(page, "field-errors");

		await addVehicle(page, "WEB-001");
		await page.getByLabel("Vehicle").waitFor();

		// The price shown is the catalog's for the vehicle's size class.
		const catalog = (await apiAs("alice")("catalog.list", {})).data.items;
		const wash = catalog.find((service) => service.code === "exterior-wash");
		assert.ok(wash);
		const price = page
			.getByRole("radio", { name: /Exterior wash/ })
			.locator("xpath=..")
			.locator(".price");
		assert.equal(
			(await price.innerText()).replace(/\s/g, ""),
			`€${(wash.pricesMinor.medium / 100).toFixed(2)}`,
		);

		const tuesday = nextWeekday(TUESDAY);
		await chooseServiceAndDay(page, "Exterior wash", tuesday);
		const search = (
			await apiAs("alice")("availability.search", {
				query: { serviceType: "exterior-wash", vehicleId: (await alicesVehicle("WEB001")).id, date: tuesday },
			})
		).data;
		// Free times in the platform's zone (the browser's own zone is New York's).
		assert.deepEqual(
			await freeTimes(page).allInnerTexts(),
			search.slots.map((slot) => zoneTime(slot.start)),
		);
		assert.deepEqual(await accessibilityProblems(page), [], "book screen with free times");
		assert.ok(
			await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
			"nothing wider than the 360 px screen",
		);
		await screenshot(page, "book");

		// A double tap books once: the button is busy at once, and both taps carry the same Idempotency-Key.
		const first = search.slots[0];
		await freeTimes(page).first().click();
		await page.getByRole("button", { name: "Book this time" }).dblclick();
		await page.getByText(/^Booked: Exterior wash/).waitFor();
		let bookings = await alicesBookings();
		assert.equal(bookings.length, 1);
		assert.equal(bookings[0].start, first.start);

		// A second booking, to cancel later.
		await freeTimes(page).nth(3).click();
		const secondStart = search.slots[3].start;
		await page.getByRole("button", { name: "Book this time" }).click();
		await page.getByText(/^Booked: Exterior wash/).waitFor();
		bookings = await alicesBookings();
		assert.equal(bookings.length, 2);

		await page.getByRole("button", { name: "My bookings" }).click();
		const cards = page.locator(".card[data-booking]");
		await cards.nth(1).waitFor();
		const firstId = bookings.find((booking) => booking.start === first.start)?.id;
		assert.ok(firstId);
		const firstCard = page.locator(`.card[data-booking="${firstId}"]`);
		assert.match(await firstCard.innerText(), new RegExp(zoneTime(first.start)));
		assert.deepEqual(await accessibilityProblems(page), [], "my bookings");
		await screenshot(page, "my-bookings");

		// Reschedule the first to the Friday's first free time.
		const friday = nextWeekday(FRIDAY);
		await firstCard.getByRole("button", { name: "Reschedule" }).click();
		await firstCard.getByLabel("New day").selectOption({ label: dayLabel(friday) });
		const fridayFirst = firstCard.locator(`fieldset.slots[data-day="${friday}"] button`).first();
		const newTime = await fridayFirst.innerText();
		await fridayFirst.click();
		await firstCard.getByRole("button", { name: "Move booking" }).click();
		await firstCard.locator("strong", { hasText: `${dayLabel(friday)}, ${newTime}` }).waitFor();
		const moved = (await alicesBookings()).find((booking) => booking.id === firstId);
		assert.equal(moved && zoneTime(moved.start), newTime);
		assert.equal(moved && new Date(moved.start).toLocaleDateString("en-CA", { timeZone: ZONE }), friday);

		// Cancel the other one: it moves to the past list as cancelled.
		const other = bookings.find((booking) => booking.start === secondStart);
		assert.ok(other);
		const otherCard = page.locator(`.card[data-booking="${other.id}"]`);
		await otherCard.getByRole("button", { name: "Cancel" }).click();
		await otherCard.getByText("cancelled").waitFor();
		const cancelled = (await alicesBookings()).find((booking) => booking.id === other.id);
		assert.equal(cancelled?.status, "cancelled");

		assert.deepEqual(cspErrors, []);
		await context.close();
	});

	it("shows a slot taken meanwhile as a conflict, with fresh free times", async () => {
		const { context, page } = await signedInPhone(browser, origin, "alice");
		const vehicle = await alicesVehicle("WEB001");
		const wednesday = nextWeekday(WEDNESDAY);
		await chooseServiceAndDay(page, "Exterior wash", wednesday);
		const search = (
			await apiAs("alice")("availability.search", {
				query: { serviceType: "exterior-wash", vehicleId: vehicle.id, date: wednesday },
			})
		).data;
		const wanted = search.slots[2];
		await freeTimes(page).nth(2).click();

		// Meanwhile Bob takes that time from every cleaner who had it.
		const bob = apiAs("bob");
		const bobsCar = (
			await bob("vehicles.create", {
				body: { plate: "BOB-777", make: "Fiat", model: "500", sizeClass: "medium" },
			})
		).data;
		for (const cleanerId of wanted.cleanerIds) {
			await bob("bookings.create", {
				body: {
					vehicleId: bobsCar.id,
					serviceType: "exterior-wash",
					start: wanted.start,
					cleanerId,
					location: ALICE_HOME,
				},
			});
		}

		await page.getByRole("button", { name: "Book this time" }).click();
		const alert = page.getByRole("alert");
		await alert.waitFor();
		assert.match(
			await alert.innerText(),
			/That time was just taken by someone else\. The free times below are fresh\./,
		);
		await page.waitForFunction(
			(time) => ![...document.querySelectorAll("fieldset.slots button")].some((b) => b.textContent === time),
			zoneTime(wanted.start),
		);
		assert.equal(
			(await alicesBookings()).some((booking) => booking.start === wanted.start),
			false,
		);
		assert.ok((await freeTimes(page).count()) > 0, "other times are still offered");
		assert.equal(
			await page.getByRole("button", { name: "Book this time" }).isDisabled(),
			true,
			"no time chosen",
		);
		assert.deepEqual(await accessibilityProblems(page), [], "conflict");
		await screenshot(page, "conflict");
		await context.close();
	});

	it("lets a cleaner start and complete a job, and the customer rate it", async () => {
		const carla = (await apiAs("carla")("cleaners.me", {})).data;
		const vehicle = await alicesVehicle("WEB001");
		// Within the agenda's window (today and the week ahead): the first weekday from tomorrow.
		const day = workdayAhead(1);
		const slots = (
			await apiAs("alice")("availability.search", {
				query: { serviceType: "exterior-wash", vehicleId: vehicle.id, date: day },
			})
		).data.slots.filter((slot) => slot.cleanerIds.includes(carla.id));
		assert.ok(slots.length > 0, `Carla has free time on ${day}`);
		const job = (
			await apiAs("alice")("bookings.create", {
				body: {
					vehicleId: vehicle.id,
					serviceType: "exterior-wash",
					start: slots[0].start,
					cleanerId: carla.id,
				},
				headers: { "Idempotency-Key": `web-test-${day}` },
			})
		).data;

		const cleaner = await signedInPhone(browser, origin, "carla");
		const card = cleaner.page.locator(`.card[data-booking="${job.id}"]`);
		// The agenda is a read model fed by domain events: it has the job within a moment.
		for (let attempt = 0; !(await card.isVisible()) && attempt < 50; attempt++) {
			await cleaner.page.getByRole("button", { name: "Refresh" }).click();
			await cleaner.page.waitForTimeout(200);
		}
		assert.match(await card.innerText(), new RegExp(vehicle.plate));
		assert.deepEqual(await accessibilityProblems(cleaner.page), [], "agenda");
		await screenshot(cleaner.page, "agenda");
		await card.getByRole("button", { name: "Start" }).click();
		await card.getByRole("button", { name: "Complete" }).click();
		await card.getByText("completed").waitFor();
		assert.equal((await apiAs("alice")("bookings.get", { path: { id: job.id } })).data.status, "completed");
		await cleaner.context.close();

		const customer = await signedInPhone(browser, origin, "alice");
		await customer.page.getByRole("button", { name: "My bookings" }).click();
		const done = customer.page.locator(`.card[data-booking="${job.id}"]`);
		await done.getByLabel("Your rating").selectOption("4");
		await done.getByLabel("Comment").fill("Spotless");
		await done.getByRole("button", { name: "Rate" }).click();
		await done.getByText("Rated 4 of 5").waitFor();
		assert.equal((await apiAs("alice")("bookings.get", { path: { id: job.id } })).data.rating?.score, 4);
		await customer.context.close();
	});

	it("lets an admin change a price that the customer then sees", async () => {
		const admin = await signedInPhone(browser, origin, "olga");
		const form = admin.page.getByRole("form", { name: "Prices of Full valet" });
		await form.getByLabel("medium (EUR)").fill("123.45");
		await form.getByRole("button", { name: "Save prices" }).click();
		await admin.page.getByText("Prices of Full valet saved.").waitFor();
		assert.equal(
			(await apiAs("olga")("catalog.get", { path: { code: "full-valet" } })).data.pricesMinor.medium,
			12345,
		);
		assert.deepEqual(await accessibilityProblems(admin.page), [], "catalog");
		await screenshot(admin.page, "admin-catalog");
		for (const screen of ["Cleaners", "Settings", "Bookings"]) {
			await openSection(admin.page, screen);
			await admin.page.getByRole("heading", { name: screen }).waitFor();
			await admin.page.locator(".loading").waitFor({ state: "detached" });
			assert.deepEqual(await accessibilityProblems(admin.page), [], screen);
		}
		await admin.context.close();

		const customer = await signedInPhone(browser, origin, "alice");
		const price = customer.page
			.getByRole("radio", { name: /Full valet/ })
			.locator("xpath=..")
			.locator(".price");
		assert.equal((await price.innerText()).replace(/\s/g, ""), "€123.45");
		await customer.context.close();
	});

	it("signs out, ending the provider's session too", async () => {
		const { context, page } = await signedInPhone(browser, origin, "bob");
		await page.getByRole("button", { name: "Sign out" }).click();
		// The development provider asks to confirm; then it returns to the app, signed out.
		await page
			.locator('button[type="submit"]', { hasText: /yes|sign.?out/i })
			.first()
			.click();
		await page.waitForURL(`${origin}/`);
		await page.getByRole("button", { name: "Sign in" }).waitFor();
		await context.close();
	});
});

async function alicesVehicle(plate: string) {
	const vehicles = (await apiAs("alice")("vehicles.list", { query: { limit: 100 } })).data.items;
	const vehicle = vehicles.find((candidate) => candidate.plate === plate);
	assert.ok(vehicle, `Alice's ${plate}`);
	return vehicle;
}
