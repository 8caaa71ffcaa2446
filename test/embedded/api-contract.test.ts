import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { walkEveryOperation } from "../support/contract-walk.ts";
import { perFile } from "../support/per-file.ts";
import { startPlatform } from "../support/platform.ts";

const platform = perFile(() => startPlatform());

describe("every operation answers as docs/openapi.json says (embedded)", () => {
	it("serves the document and its documentation page", async () => {
		const document = await fetch(`${platform.baseUrl}/openapi.json`);
		assert.equal(document.status, 200);
		assert.equal(((await document.json()) as { openapi: string }).openapi, "3.1.0");
		const page = await fetch(`${platform.baseUrl}/docs`);
		assert.equal(page.status, 200);
		assert.match(await page.text(), /swagger-ui-bundle\.js/);
		assert.equal((await fetch(`${platform.baseUrl}/docs/swagger-ui-bundle.js`)).status, 200);
	});

	it("catalog, customers, vehicles, cleaners, availability, bookings and settings: every operation, every answer", async () => {
		const { violations, notCalled } = await walkEveryOperation(platform);
		assert.deepEqual(violations, []);
		assert.deepEqual(notCalled, [], "operations the walk did not call");
	});
});
