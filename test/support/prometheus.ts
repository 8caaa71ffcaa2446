import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT, stopNode, waitForReady } from "./platform.ts";

export interface Prometheus {
	url: string;
	/** An instant query; the result vector or matrix as Prometheus returns it. */
	query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
	api<T>(path: string): Promise<T>;
	stop(): Promise<void>;
}

/** Whether Debian's prometheus package (server and promtool) is installed here. */
export function prometheusInstalled(): boolean {
	return (
		(spawnSync("prometheus", ["--version"]).error as NodeJS.ErrnoException | undefined)?.code !== "ENOENT"
	);
}

/**
 * A real Prometheus server scraping the given nodes' /actuator/prometheus every second, with the platform's
 * alert rules loaded (infra/observability/alerts.yml), as infra/observability/prometheus.yml does in compose.
 */
export async function startPrometheus(targets: Array<{ name: string; port: number }>): Promise<Prometheus> {
	const dir = await mkdtemp(join(tmpdir(), "cleaning-prometheus-"));
	const port = await freePort();
	const config = {
		global: { scrape_interval: "1s", evaluation_interval: "1s" },
		rule_files: [join(ROOT, "infra/observability/alerts.yml")],
		scrape_configs: [
			{
				job_name: "cleaning-platform",
				metrics_path: "/actuator/prometheus",
				static_configs: targets.map(({ name, port: opsPort }) => ({
					targets: [`127.0.0.1:${opsPort}`],
					labels: { instance: name },
				})),
			},
		],
	};
	// JSON is YAML: no serializer needed for Prometheus's config file.
	await writeFile(join(dir, "prometheus.yml"), JSON.stringify(config, null, 2));
	const child: ChildProcess = spawn(
		"prometheus",
		[
			`--config.file=${join(dir, "prometheus.yml")}`,
			`--storage.tsdb.path=${join(dir, "data")}`,
			`--web.listen-address=127.0.0.1:${port}`,
			"--log.level=warn",
		],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	const log = createWriteStream(join(dir, "prometheus.log"));
	child.stdout?.pipe(log);
	child.stderr?.pipe(log);
	const url = `http://127.0.0.1:${port}`;
	await waitForReady(`${url}/-/ready`, 30_000, child);
	const api = async <T>(path: string): Promise<T> => {
		const response = await fetch(`${url}/api/v1/${path}`);
		const body = (await response.json()) as { status: string; data: T; error?: string };
		if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error}`);
		return body.data;
	};
	return {
		url,
		api,
		query: async (expr) =>
			(
				await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
					`query?query=${encodeURIComponent(expr)}`,
				)
			).result,
		stop: async () => {
			await stopNode(child);
		},
	};
}
