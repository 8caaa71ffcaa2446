import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { launchBrowser, phone, signIn } from "../support/browser.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";

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
		const { context, page } = await phone(browser);
		await signIn(page, origin, "bob");
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
});
