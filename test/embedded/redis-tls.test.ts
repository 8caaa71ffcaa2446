import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { freePort, metricValue, startPlatform } from "../support/platform.ts";

/**
 * The cacher over TLS to a real redis-server that accepts only TLS, with a certificate from a CA of the test's
 * own: the platform trusts the CA given in REDIS_TLS_CA_FILE, and without it refuses the server.
 */
const dir = mkdtempSync(join(tmpdir(), "redis-tls-"));
const path = (name: string) => join(dir, name);
let redis: ChildProcess;
let port: number;

before(async () => {
	const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		"ca.key",
		"-out",
		"ca.crt",
		"-days",
		"2",
		"-subj",
		"/CN=test-ca",
	);
	openssl(
		"req",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-keyout",
		"server.key",
		"-out",
		"server.csr",
		"-subj",
		"/CN=127.0.0.1",
	);
	writeFileSync(path("ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
	openssl(
		"x509",
		"-req",
		"-in",
		"server.csr",
		"-CA",
		"ca.crt",
		"-CAkey",
		"ca.key",
		"-CAcreateserial",
		"-out",
		"server.crt",
		"-days",
		"2",
		"-extfile",
		"ext.cnf",
	);
	port = await freePort();
	redis = spawn(
		"redis-server",
		[
			"--port",
			"0",
			"--tls-port",
			String(port),
			"--tls-cert-file",
			path("server.crt"),
			"--tls-key-file",
			path("server.key"),
			"--tls-ca-cert-file",
			path("ca.crt"),
			"--tls-auth-clients",
			"no",
			"--save",
			"",
			"--appendonly",
			"no",
			"--dir",
			dir,
		],
		{ stdio: "ignore" },
	);
	await eventually(
		"redis-server listening with TLS",
		async () => {
			try {
				execFileSync("redis-cli", ["--tls", "--cacert", path("ca.crt"), "-p", String(port), "ping"], {
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
			REDIS_TLS_CA_FILE: path("ca.crt"),
		});
		try {
			assert.equal((await cacherState(platform.opsUrl))?.ok, true);
			for (let i = 0; i < 3; i++) assert.equal((await platform.api("GET", "/services")).status, 200);
			assert.ok(
				metricValue(await platform.metrics(), "moleculer_cacher_found_total") > 0,
				"cache hits through TLS",
			);
			const keys = execFileSync(
				"redis-cli",
				["--tls", "--cacert", path("ca.crt"), "-p", String(port), "dbsize"],
				{ encoding: "utf8" },
			);
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
