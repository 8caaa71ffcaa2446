import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import type { Cluster } from "./cluster.ts";
import { kafkaEnv } from "./kafka.ts";
import { ROOT } from "./platform.ts";

const PROMPT = "ops $ ";

/** The ops node (`npm run ops`) as an operator uses it: commands typed on its stdin, answers read on stdout. */
export interface OpsRepl {
	/** Runs one command line and resolves with what it printed (prompt removed). */
	run(line: string): Promise<string>;
	/** What the node logged on stderr so far. */
	logs(): string;
	close(): Promise<number | null>;
}

/**
 * Starts `node scripts/ops.ts` as `npm run ops` does, joined to the test cluster with the ops principal's
 * Kafka credentials; it logs beside the cluster's nodes.
 */
export async function startOpsRepl(cluster: Pick<Cluster, "env" | "logDir">): Promise<OpsRepl> {
	const { NODE_ID: _id, SERVICES: _services, OPS_PORT: _port, ...clusterEnv } = cluster.env;
	const logFile = join(cluster.logDir, "ops.log");
	const child: ChildProcess = spawn(join(ROOT, "node_modules/.bin/node"), ["scripts/ops.ts"], {
		cwd: ROOT,
		env: { ...process.env, ...clusterEnv, ...kafkaEnv("ops"), NODE_ROLE: "ops", LOG_LEVEL: "info" },
		stdio: ["pipe", "pipe", "pipe"],
	});
	const log = createWriteStream(logFile, { flags: "a" });
	let stdout = "";
	let stderr = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		stdout += chunk.toString();
		log.write(chunk);
	});
	child.stderr?.on("data", (chunk: Buffer) => {
		stderr += chunk.toString();
		log.write(chunk);
	});

	const waitForPrompt = (from: number, timeoutMs: number) =>
		new Promise<string>((resolve, reject) => {
			const started = Date.now();
			const check = () => {
				const output = stdout.slice(from);
				if (output.endsWith(PROMPT)) return resolve(output.slice(0, -PROMPT.length));
				if (child.exitCode !== null)
					return reject(new Error(`ops node exited (${child.exitCode}): ${stderr}`));
				if (Date.now() - started > timeoutMs)
					return reject(new Error(`no prompt after ${timeoutMs} ms; printed: ${output}`));
				setTimeout(check, 20);
			};
			check();
		});

	await waitForPrompt(0, 60_000);
	let queue = Promise.resolve("");
	return {
		run(line: string) {
			queue = queue.then(() => {
				const from = stdout.length;
				child.stdin?.write(`${line}\n`);
				return waitForPrompt(from, 60_000);
			});
			return queue;
		},
		logs: () => stderr,
		close: () =>
			new Promise((resolve) => {
				if (child.exitCode !== null) return resolve(child.exitCode);
				child.once("exit", (code) => resolve(code));
				child.stdin?.end();
			}),
	};
}
