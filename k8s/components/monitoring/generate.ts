/**
 * npm run k8s:monitoring: writes the Prometheus Operator's objects beside this file from the project's own
 * Prometheus files, so that Kubernetes scrapes and alerts exactly as docker-compose does:
 * - the ServiceMonitor from infra/observability/prometheus.yml: its job's name, metrics path and the global
 *   scrape interval, and the same target labels (job, and instance = the process's name: the pod's);
 * - the PrometheusRule from infra/observability/alerts.yml: its rule groups as they are.
 * `--check` writes nothing and exits 1 when a committed file is stale; test/unit/deployment.test.ts fails then.
 * (Here, not in scripts/: the image carries scripts/ with production dependencies only, and this needs yaml.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { writeOrCheck } from "../../../scripts/generated-files.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SCRAPE_CONFIG = "infra/observability/prometheus.yml";
const ALERT_RULES = "infra/observability/alerts.yml";
export const SERVICE_MONITOR_FILE = join(ROOT, "k8s/components/monitoring/service-monitor.yaml");
export const PROMETHEUS_RULE_FILE = join(ROOT, "k8s/components/monitoring/prometheus-rule.yaml");

interface ScrapeConfig {
	global?: { scrape_interval?: string };
	scrape_configs: {
		job_name: string;
		metrics_path?: string;
		relabel_configs?: { source_labels?: string[]; target_label?: string }[];
	}[];
}

const header = (source: string) =>
	`# Generated from ${source} by \`npm run k8s:monitoring\`:\n# edit that file, not this one (a unit test fails when they differ).\n`;

/** The scrape job as a ServiceMonitor of every Service with an `ops` port in the namespace. */
function serviceMonitor(config: ScrapeConfig): object {
	const [job, ...more] = config.scrape_configs;
	if (!job || more.length > 0) throw new Error(`${SCRAPE_CONFIG}: expected one scrape job`);
	const relabels = job.relabel_configs ?? [];
	// compose's only relabelling names the instance after its container; here the pod is the process.
	if (relabels.length !== 1 || relabels[0].target_label !== "instance")
		throw new Error(
			`${SCRAPE_CONFIG}: its relabel_configs changed: translate them in scripts/k8s-monitoring.ts`,
		);
	return {
		apiVersion: "monitoring.coreos.com/v1",
		kind: "ServiceMonitor",
		metadata: { name: job.job_name },
		spec: {
			// The services' headless Services (k8s/base/<service>.yaml) are the ones with an `ops` port.
			selector: { matchLabels: { "app.kubernetes.io/part-of": "cleaning-platform" } },
			endpoints: [
				{
					port: "ops",
					path: job.metrics_path ?? "/metrics",
					interval: config.global?.scrape_interval ?? "1m",
					relabelings: [
						// The operator's own target labels: `service` and `namespace` would rename the metrics' labels
						// of those names (the Moleculer service and namespace) to exported_*.
						{ action: "labeldrop", regex: "namespace|service|pod|container|endpoint" },
						{ targetLabel: "job", replacement: job.job_name },
						{ sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "instance" },
					],
				},
			],
		},
	};
}

/** Both files as the sources describe them now, keyed by path. */
export function monitoringFiles(): Map<string, string> {
	const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
	const rules = parse(read(ALERT_RULES)) as { groups: unknown[] };
	const rule = {
		apiVersion: "monitoring.coreos.com/v1",
		kind: "PrometheusRule",
		metadata: { name: "cleaning-platform" },
		spec: { groups: rules.groups },
	};
	const yaml = (value: object) => stringify(value, { lineWidth: 0 });
	return new Map([
		[SERVICE_MONITOR_FILE, header(SCRAPE_CONFIG) + yaml(serviceMonitor(parse(read(SCRAPE_CONFIG))))],
		[PROMETHEUS_RULE_FILE, header(ALERT_RULES) + yaml(rule)],
	]);
}

if (import.meta.main) writeOrCheck(monitoringFiles(), "npm run k8s:monitoring");
