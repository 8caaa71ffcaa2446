import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { after, describe, it } from "node:test";

/**
 * A wrong start-up setting must stop the real entry point (moleculer-runner-esm with moleculer.config.ts)
 * before anything starts: a non-zero exit and one line on stderr naming the variable, no stack trace.
 */
const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules", ".bin");
const dataDir = mkdtempSync(join(tmpdir(), "config-exit-"));

after(() => rmSync(dataDir, { recursive: true, force: true }));

interface Outcome {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

function runPlatform(env: Record<string, string>): Promise<Outcome> {
	return new Promise((resolvePromise, reject) => {
		const child = spawn(
			join(BIN, "moleculer-runner-esm"),
			["--config", "moleculer.config.ts", "--mask", "**/*.service.ts"],
			{
				cwd: ROOT,
				env: {
					// Node 24 from node_modules first: the machine's node is too old for Moleculer 0.15.
					PATH: `${BIN}${delimiter}${process.env.PATH ?? ""}`,
					HOME: process.env.HOME ?? tmpdir(),
					SERVICEDIR: "services",
					// Should a bad value slip through, the platform must not collide with anything running here.
					DATA_DIR: dataDir,
					PORT: "0",
					OPS_PORT: "0",
					...env,
				},
				stdio: ["ignore", "pipe", "pipe"],
			},
		);
		let stdout = "";
		let stderr = "";
		child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
			stdout += chunk;
		});
		child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
			stderr += chunk;
		});
		// A safety net only (the process normally exits in about a second): never leave a platform running.
		const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
		child.on("error", (error) => {
			clearTimeout(killer);
			reject(error);
		});
		child.on("close", (code, signal) => {
			clearTimeout(killer);
			resolvePromise({ code, signal, stdout, stderr });
		});
	});
}

function assertConfigExit(outcome: Outcome, variable: string, problem: RegExp): void {
	assert.equal(outcome.signal, null, `killed by ${outcome.signal}; stdout: ${outcome.stdout.slice(0, 500)}`);
	assert.notEqual(outcome.code, 0);
	assert.equal(outcome.code, 78, `exit code; stderr: ${outcome.stderr}`);
	const lines = outcome.stderr.split("\n").filter((line) => line.trim() !== "");
	assert.equal(lines.length, 1, `expected exactly one stderr line, got:\n${outcome.stderr}`);
	assert.ok(lines[0].startsWith(`Configuration error: ${variable}: `), lines[0]);
	assert.match(lines[0], problem);
	assert.equal(lines.filter((line) => line.includes(variable)).length, 1);
	assert.equal(outcome.stdout, "", "nothing started");
}

describe("start-up with a bad configuration", () => {
	it("PORT=abc stops the process with one line naming PORT", async () => {
		assertConfigExit(await runPlatform({ PORT: "abc" }), "PORT", /expected an integer, got "abc"/);
	});

	it("TRANSPORTER_URL=amqp://localhost stops the process with one line naming TRANSPORTER_URL", async () => {
		assertConfigExit(
			await runPlatform({ TRANSPORTER_URL: "amqp://localhost" }),
			"TRANSPORTER_URL",
			/unsupported URL scheme "amqp"/,
		);
	});

	it("cluster mode without the booking database URL stops the process with one line naming BOOKING_DB_URL", async () => {
		assertConfigExit(
			await runPlatform({
				MODE: "cluster",
				SERVICES: "booking",
				TRANSPORTER_URL: "kafka://127.0.0.1:9092",
				CACHER_URL: "redis://127.0.0.1:6379",
			}),
			"BOOKING_DB_URL",
			/required in cluster mode/,
		);
	});
});
