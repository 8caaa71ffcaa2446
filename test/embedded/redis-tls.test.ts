import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { freePort, metricValue, startPlatform } from "../support/platform.ts";
import { makeTestCa } from "../support/test-ca.ts";

/**
 * The cacher over TLS to a real redis-server that accepts only TLS, with a certificate from a CA of the test's
 * own: the platform trusts the CA given in REDIS_TLS_CA_FILE, and without it refuses the server.
 */
const ca = makeTestCa("redis-tls");
let redis: ChildProcess;
let port: number;

before(async () => {
	port = await freePort();
	redis = spawn(
		"redis-server",
		[
			"--port",
			"0",
			"--tls-port",
			String(port),
			"--tls-cert-file",
			ca.certFile,
			"--tls-key-file",
			ca.keyFile,
			"--tls-ca-cert-file",
			ca.caFile,
			"--tls-auth-clients",
			"no",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			ca.dir,
		],
		{ stdio: "ignore" },
	);
	await eventually(
		"redis-server listening with TLS",
		async () => {
			try {
				execFileSync("redis-cli", ["--tls", "--cacert", ca.caFile, "-p", String(port), "ping"], {
					stdio: "pipe",
				});
				return true;
			} catch {
				return undefined;
			}
		},
		10_000,
		100,
	);
});
after(() => {
	redis?.kill();
});

async function cacherState(opsUrl: string) {
	const body = (await (await fetch(`${opsUrl}/health/ready`)).json()) as {
		components: Array<{ component: string; ok: boolean }>;
	};
	return body.components.find((component) => component.component === "cacher");
}

describe("Redis over TLS (rediss://)", () => {
	it("caches through a TLS-only Redis when its CA is trusted", async () => {
		const platform = await startPlatform({
			CACHER_URL: `rediss://127.0.0.1:${port}/0`,
			REDIS_TLS_CA_FILE: ca.caFile,
		});
		try {
			assert.equal((await cacherState(platform.opsUrl))?.ok, true);
			for (let i = 0; i < 3; i++) assert.equal((await platform.api("GET", "/services")).status, 200);
			assert.ok(
				metricValue(await platform.metrics(), "moleculer_cacher_found_total") > 0,
				"cache hits through TLS",
			);
			const keys = execFileSync("redis-cli", ["--tls", "--cacert", ca.caFile, "-p", String(port), "dbsize"], {
				encoding: "utf8",
			});
			assert.ok(Number(keys.trim()) > 0, "the platform's keys are in the TLS Redis");
		} finally {
			await platform.stop();
		}
	});

	it("refuses the server without its CA: the cache is reported unavailable, the API still answers", async () => {
		const platform = await startPlatform({ CACHER_URL: `rediss://127.0.0.1:${port}/0` });
		try {
			const cacher = await cacherState(platform.opsUrl);
			assert.equal(cacher?.ok, false);
			assert.equal((await platform.api("GET", "/services")).status, 200);
		} finally {
			await platform.stop();
		}
	});
});
