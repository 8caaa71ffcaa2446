import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { perFile } from "../support/per-file.ts";
import { metricValue, startPlatform } from "../support/platform.ts";

const platform = perFile(() => startPlatform({ LOG_LEVEL: "info" }));

describe("the embedded platform", () => {
	it("reports Node 24 and its URLs in the start-up log", async () => {
		const log = await readFile(platform.logFile, "utf8");
		assert.match(log, /Cleaning Platform node .* \(embedded mode\) on Node v24\./);
		assert.match(log, /Development OIDC provider at http:\/\/127\.0\.0\.1:\d+/);
	});

	it("serves health and metrics on the ops port, and health on the gateway port", async () => {
		const live = await fetch(`${platform.opsUrl}/health/live`);
		assert.equal(live.status, 200);
		const ready = await fetch(`${platform.opsUrl}/health/ready`);
		assert.equal(ready.status, 200);
		const body = (await ready.json()) as { components: Array<{ component: string; ok: boolean }> };
		for (const component of [
			"broker",
			"customer-db",
			"vehicle-db",
			"cleaner-db",
			"booking-db",
			"configuration-db",
			"events:cleaner-service",
			"events:vehicle-service",
			"outbox-relay",
			"identity-provider",
		]) {
			assert.ok(
				body.components.some((c) => c.component === component && c.ok),
				`${component} in ${JSON.stringify(body)}`,
			);
		}
		const gatewayReady = await fetch(new URL("/health/ready", platform.baseUrl));
		assert.equal(gatewayReady.status, 200);
		const metrics = await platform.metrics();
		assert.ok(metricValue(metrics, "moleculer_request_total") > 0);
		assert.ok(metricValue(metrics, "process_memory_rss") > 0);
	});

	it("stops on SIGTERM with exit code 0 after finishing what was in flight", async () => {
		const inFlight = Array.from({ length: 10 }, () => platform.api("GET", "/services"));
		const exitCode = await platform.stop();
		const answers = await Promise.allSettled(inFlight);
		assert.equal(exitCode, 0);
		for (const answer of answers) {
			if (answer.status === "fulfilled") assert.equal(answer.value.status, 200);
		}
	});
});
