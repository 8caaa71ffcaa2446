import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "./platform.ts";

/** Debian's chromium package (.ci/run installs it); playwright-core never downloads a browser here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The narrowest phone the app is made for. */
export const PHONE = { width: 360, height: 740 };
export const SCREENSHOTS = join(ROOT, "test-results/screenshots");

export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		// Without the background-networking flags, Chromium keeps dialling Google's hosts, which this closed
		// network refuses. playwright-core gives every launch a fresh, empty profile directory.
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--no-first-run",
		],
	});
}

/**
 * A person's own browser: a new context (no cookies, no provider session) at phone size. The device's time
 * zone is deliberately not the platform's, so times must come out in the platform's zone to pass.
 */
export async function phone(
	browser: Browser,
): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
	const context = await browser.newContext({
		viewport: PHONE,
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
		timezoneId: "America/New_York",
		locale: "en-GB",
	});
	const page = await context.newPage();
	const cspErrors: string[] = [];
	page.on("console", (message) => {
		if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspErrors.push(message.text());
	});
	return { context, page, cspErrors };
}

/** Through the development provider's own login and consent pages, as a person would. */
export async function signIn(page: Page, appOrigin: string, username: string): Promise<void> {
	await page.goto(`${appOrigin}/`);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.locator('input[name="login"]').fill(username);
	await page.locator('input[name="password"]').fill("demo");
	await page.locator('button[type="submit"]').click();
	// A first sign-in asks for consent; the provider remembers it for the session.
	const consent = page.locator('button[type="submit"]', { hasText: "Continue" });
	await Promise.race([
		consent.click({ timeout: 10_000 }).catch(() => undefined),
		page.waitForURL(`${appOrigin}/**`, { timeout: 10_000 }),
	]);
	await page.waitForURL(`${appOrigin}/`, { timeout: 10_000 });
	await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** A person's own browser (phone), signed in as `username`. */
export async function signedInPhone(
	browser: Browser,
	appOrigin: string,
	username: string,
): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
	const person = await phone(browser);
	await signIn(person.page, appOrigin, username);
	return person;
}

/** Opens a section of the app from its navigation bar. */
export async function openSection(page: Page, name: string): Promise<void> {
	await page.getByRole("navigation").getByRole("button", { name }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
	await mkdir(SCREENSHOTS, { recursive: true });
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page: Page): Promise<string[]> {
	const result = await new AxeBuilder({ page }).analyze();
	return result.violations
		.filter((violation) => violation.impact === "serious" || violation.impact === "critical")
		.map(
			(violation) =>
				`${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target).join(", ")})`,
		);
}
