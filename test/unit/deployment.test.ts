import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import * as kubernetesModels from "kubernetes-models";
import { METRIC } from "moleculer";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import type { Env } from "../../config/env.ts";
import {
	type AppConfig,
	DATABASE_OWNERS,
	type DatabaseOwner,
	parseConfig,
	SERVICE_NAMES,
} from "../../config/index.ts";

/**
 * The deployment files (Dockerfile, docker-compose.yml and its infra/ configs, k8s/) checked against the code,
 * so that neither can drift silently: every variable they set is one config/index.ts reads and every value
 * passes its validation (a process would otherwise exit 78 at start), every deployable service runs somewhere,
 * probes and scrapes use the ops port and its real paths, and the dashboard asks for metrics that exist.
 * No Docker engine or cluster is needed: the files are read, and k8s/ is checked as `kubectl kustomize` renders
 * it (those checks are skipped, saying why, where kubectl is not installed).
 */

const ROOT = resolve(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** `identity` is the development OIDC provider: deployments use Keycloak. */
const DEPLOYED = SERVICE_NAMES.filter((name) => name !== "identity");
/** Names config/index.ts reads only to refuse them (moleculer-runner would apply them as broker options). */
const REFUSED = ["TRANSPORTER", "CACHER"];
const dbVariable = (owner: string) => `${owner.toUpperCase()}_DB_URL`;

/** Loads on first use, inside a test: a broken file fails the tests that need it, with its message. */
function lazy<T>(load: () => T): () => T {
	let value: T | undefined;
	return () => {
		value ??= load();
		return value;
	};
}

/** The environment variable names parseConfig reads for `env`, observed rather than copied from the source. */
function namesReadBy(env: Env): Set<string> {
	const names = new Set<string>();
	const spy = new Proxy(
		{ ...env },
		{
			get(target, key) {
				if (typeof key === "string") names.add(key);
				return Reflect.get(target, key);
			},
		},
	);
	parseConfig(spy);
	return names;
}

/** Embedded defaults plus a complete cluster environment: between them, every branch that reads a name. */
const CONFIG_VARIABLES = new Set(
	[
		...namesReadBy({}),
		...namesReadBy({
			MODE: "cluster",
			SERVICES: DEPLOYED.join(","),
			TRANSPORTER_URL: "kafka://kafka:9092",
			CACHER_URL: "redis://redis:6379",
			EVENTS_KAFKA_URL: "kafka://kafka:9092",
			...Object.fromEntries(
				DATABASE_OWNERS.map((owner) => [dbVariable(owner), `mysql://u:p@db:3306/${owner}`]),
			),
		}),
	].filter((name) => !REFUSED.includes(name)),
);

/** parseConfig, with the ConfigError message (what the process would print before exiting 78) in the failure. */
function acceptedConfig(env: Env, where: string): AppConfig {
	try {
		return parseConfig(env);
	} catch (error) {
		assert.fail(`${where}: the process would exit 78: ${(error as Error).message}`);
	}
}

function assertKnownVariables(names: Iterable<string>, where: string): void {
	for (const name of names) {
		assert.ok(CONFIG_VARIABLES.has(name), `${where} sets ${name}, which config/index.ts does not read`);
	}
}

function mebibytes(quantity: string): number {
	const match = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)?$/.exec(quantity);
	assert.ok(match, `unexpected memory quantity ${quantity}`);
	const factor = { Mi: 1, Gi: 1024, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 }[match[2] ?? ""] ?? 1 / 2 ** 20;
	return Number(match[1]) * factor;
}

/** Highest measured RSS of a service process (docs/deployment.md), in MiB. */
const MEASURED_RSS_MIB = 290;
/** The broker's graceful-shutdown window for in-flight requests (moleculer.config.ts). */
const shutdownTimeoutSeconds = lazy(() => {
	const match = /shutdownTimeout:\s*([\d_]+)/.exec(read("moleculer.config.ts"));
	assert.ok(match, "moleculer.config.ts: tracking.shutdownTimeout not found");
	return Number(match[1].replaceAll("_", "")) / 1000;
});
const DEFAULTS = parseConfig({});

// ------------------------------------------------------------------------------------------ docker compose

interface ComposeService {
	build?: unknown;
	image?: string;
	environment?: Record<string, unknown> | string[];
	depends_on?: Record<string, { condition?: string }> | string[];
	healthcheck?: { test: string[] | string };
	volumes?: string[];
	command?: string[] | string;
}

const compose = lazy(
	() =>
		parseYaml(read("docker-compose.yml"), { merge: true }) as { services: Record<string, ComposeService> },
);

/** Compose's own interpolation, for the forms used here: `${NAME:-default}`, `${NAME-default}`, `$$`. */
function interpolate(value: string, where: string): string {
	return value.replace(
		/\$\$|\$\{([A-Za-z0-9_]+)(?::?-([^}]*))?\}/g,
		(match, name: string, fallback?: string) => {
			if (match === "$$") return "$";
			assert.ok(
				fallback !== undefined,
				`${where}: \${${name}} has no default, so a bare \`docker compose up\` fails`,
			);
			return fallback;
		},
	);
}

function composeEnv(name: string, service: ComposeService): Record<string, string> {
	const raw = service.environment ?? {};
	const entries = Array.isArray(raw)
		? raw.map((item) => {
				const at = item.indexOf("=");
				return [item.slice(0, at), item.slice(at + 1)];
			})
		: Object.entries(raw).map(([key, value]) => [key, String(value ?? "")]);
	return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value, `${name}.${key}`)]));
}

/** The app containers: the ones built from this repository's Dockerfile. */
const apps = lazy(() =>
	Object.entries(compose().services)
		.filter(([, service]) => service.build !== undefined)
		.map(([name, service]) => {
			const env = composeEnv(name, service);
			return { name, service, env, config: acceptedConfig(env, `docker-compose.yml ${name}`) };
		}),
);

function composeService(name: string): ComposeService {
	const service = compose().services[name];
	assert.ok(service, `docker-compose.yml has no service ${name}`);
	return service;
}

/** host:port of a URL the app is given, as a compose service name and port. */
function hostPort(value: string): { host: string; port: string } {
	const url = new URL(value);
	return { host: url.hostname, port: url.port };
}

describe("docker-compose.yml", () => {
	it("runs every deployable service in its own container, and never the development identity provider", () => {
		assert.ok(apps().length > 0, "no service builds the app image");
		const run = apps().flatMap((app) => app.config.services);
		assert.deepEqual([...new Set(run)].sort(), [...DEPLOYED].sort());
		assert.ok(!run.includes("identity"), "identity (the dev OIDC provider) is not deployed: Keycloak is");
		for (const app of apps()) {
			assert.equal(app.env.SERVICES, app.config.services.join(","), `${app.name}: SERVICES`);
			assert.equal(app.config.mode, "cluster", `${app.name}: MODE`);
		}
	});

	it("sets only variables that config/index.ts reads, with values it accepts", () => {
		for (const app of apps()) assertKnownVariables(Object.keys(app.env), `docker-compose.yml ${app.name}`);
	});

	it("gives every process its own explicit NODE_ID", () => {
		const ids = apps().map((app) => app.env.NODE_ID);
		for (const [i, id] of ids.entries()) assert.ok(id, `${apps()[i].name} has no NODE_ID`);
		assert.equal(new Set(ids).size, ids.length, `NODE_IDs repeat: ${ids.join(", ")}`);
	});

	it("points the app at the compose Kafka, Redis and MySQL, with the users and passwords MySQL is given", () => {
		const kafka = composeEnv("kafka", composeService("kafka"));
		const mysql = composeEnv("mysql", composeService("mysql"));
		const initScript = read("infra/mysql/init/01-service-databases.sh");
		const initOwners = /for svc in ([a-z ]+); do/.exec(initScript)?.[1].split(" ");
		assert.deepEqual(
			initOwners,
			[...DATABASE_OWNERS],
			"the MySQL init script creates one database per owner",
		);
		for (const app of apps()) {
			for (const variable of ["TRANSPORTER_URL", "EVENTS_KAFKA_URL"]) {
				if (app.env[variable] === undefined) continue;
				const { host, port } = hostPort(app.env[variable]);
				composeService(host);
				assert.match(
					kafka.KAFKA_ADVERTISED_LISTENERS,
					new RegExp(`//${host}:${port}\\b`),
					`${app.name}: ${variable}`,
				);
			}
			composeService(hostPort(app.env.CACHER_URL).host);
			if (app.config.services.some((name) => ["booking", "cleaner", "vehicle"].includes(name))) {
				assert.ok(app.config.events.kafkaBrokers, `${app.name} needs EVENTS_KAFKA_URL`);
			}
			for (const owner of DATABASE_OWNERS) {
				const database = app.config.databases[owner];
				if (!app.config.services.includes(owner)) {
					assert.equal(app.env[dbVariable(owner)], undefined, `${app.name} gets ${owner}'s database URL`);
					continue;
				}
				assert.equal(database.dialect, "mysql", `${app.name}: ${dbVariable(owner)}`);
				if (database.dialect !== "mysql") continue;
				composeService(database.host);
				assert.equal(database.database, `${owner}_db`, `${app.name}: database name`);
				assert.equal(database.username, `${owner}_svc`, `${app.name}: database user`);
				assert.equal(database.password, mysql[`${owner.toUpperCase()}_DB_PASSWORD`], `${app.name}: password`);
			}
		}
	});

	it("points the gateway at the imported Keycloak realm, as issuer and audience", () => {
		const realm = JSON.parse(read("infra/keycloak/cleaning-platform-realm.json"));
		const keycloak = composeService("keycloak");
		const keycloakEnv = composeEnv("keycloak", keycloak);
		assert.ok(
			keycloak.volumes?.some((volume) =>
				volume.startsWith("./infra/keycloak/cleaning-platform-realm.json:/opt/keycloak/data/import/"),
			),
			"keycloak imports infra/keycloak's realm",
		);
		const audiences = new Set(
			realm.clients.flatMap((client: any) =>
				(client.protocolMappers ?? []).map((mapper: any) => mapper.config?.["included.custom.audience"]),
			),
		);
		const gateways = apps().filter((app) => app.config.services.includes("gateway"));
		assert.ok(gateways.length > 0);
		for (const gateway of gateways) {
			assert.equal(gateway.config.oidc.issuer, `${keycloakEnv.KC_HOSTNAME}/realms/${realm.realm}`);
			assert.ok(audiences.has(gateway.config.oidc.audience), `audience ${gateway.config.oidc.audience}`);
		}
	});

	it("starts each process after Kafka, Redis and its database are healthy, and checks its readiness", () => {
		for (const app of apps()) {
			const dependsOn = app.service.depends_on;
			assert.ok(dependsOn && !Array.isArray(dependsOn), `${app.name}: depends_on with conditions`);
			const needed = ["kafka", "redis"];
			if (app.config.services.some((name) => (DATABASE_OWNERS as readonly string[]).includes(name))) {
				needed.push("mysql");
			}
			for (const dependency of needed) {
				assert.equal(dependsOn[dependency]?.condition, "service_healthy", `${app.name} → ${dependency}`);
			}
			for (const dependency of Object.keys(dependsOn)) {
				assert.ok(composeService(dependency).healthcheck, `${dependency} has no healthcheck to wait for`);
			}
			const test = [app.service.healthcheck?.test ?? []].flat().join(" ");
			assert.match(test, /\/health\/ready(?![\w-])/, `${app.name}: healthcheck path`);
			assert.ok(
				test.includes("process.env.OPS_PORT") || test.includes(`:${app.config.opsPort}/`),
				`${app.name}: healthcheck port`,
			);
		}
	});

	it("mounts only files and folders that exist", () => {
		for (const [name, service] of Object.entries(compose().services)) {
			for (const volume of service.volumes ?? []) {
				if (!volume.startsWith("./")) continue;
				assert.ok(existsSync(join(ROOT, volume.split(":")[0])), `${name} mounts ${volume}`);
			}
		}
	});

	it("has Prometheus scrape exactly every app container's ops port at the metrics path", () => {
		const prometheus = parseYaml(read("infra/observability/prometheus.yml"));
		const jobs = prometheus.scrape_configs as {
			metrics_path?: string;
			static_configs: { targets: string[] }[];
		}[];
		const targets = jobs.flatMap((job) => {
			assert.equal(job.metrics_path, "/actuator/prometheus");
			return job.static_configs.flatMap((group) => group.targets);
		});
		const expected = apps().map((app) => `${app.name}:${app.config.opsPort}`);
		assert.deepEqual([...targets].sort(), [...expected].sort());
	});
});

// ----------------------------------------------------------------------------------------- observability

/** Every metric name a node can expose: Moleculer's own (with histogram series) and the project's counters. */
const knownMetrics = lazy(() => {
	const names = new Set<string>();
	const add = (name: string) => {
		for (const suffix of ["", "_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
	};
	for (const value of Object.values(METRIC)) {
		if (typeof value === "string" && value.includes(".")) add(value.replace(/[.-]/g, "_"));
	}
	const sources = (dir: string): string[] =>
		readdirSync(join(ROOT, dir)).flatMap((entry) => {
			const path = join(dir, entry);
			if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
			return path.endsWith(".ts") ? [path] : [];
		});
	let project = 0;
	for (const file of ["lib", "services", "mixins"].flatMap(sources)) {
		// `X_METRIC = "name"`, or the names in a `X_METRICS = { … }` table.
		for (const match of read(file).matchAll(/_METRICS? = ("[^"]*"|\{[^}]*\})/g)) {
			for (const [, name] of match[1].matchAll(/"([a-z_:][a-z0-9_:]*)"/g)) {
				add(name);
				project++;
			}
		}
	}
	assert.ok(project >= 3, "the project's own metric names were not found in lib/ and services/");
	// Series that Prometheus itself records from them (infra/observability/alerts.yml).
	for (const [, name] of read("infra/observability/alerts.yml").matchAll(/- record: ([a-z_:][a-z0-9_:]*)/g))
		add(name);
	return names;
});

/** Metric names in a PromQL expression: identifiers left after removing strings, matchers, ranges, groupings. */
function metricNames(expr: string): string[] {
	const stripped = expr
		.replace(/"[^"]*"/g, "")
		.replace(/\{[^}]*\}/g, "")
		.replace(/\[[^\]]*\]/g, "")
		.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
	const keywords = new Set(["and", "or", "unless", "bool", "offset"]);
	return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
		.map((match) => match[1])
		.filter((name) => !keywords.has(name));
}

describe("Grafana provisioning", () => {
	const dashboardDir = "infra/observability/grafana/dashboards";
	const dashboards = readdirSync(join(ROOT, dashboardDir)).map((file) => ({
		file,
		json: JSON.parse(read(join(dashboardDir, file))),
	}));
	const datasources = parseYaml(read("infra/observability/grafana/provisioning/datasources/datasources.yml"))
		.datasources as { uid: string; type: string }[];
	const targets = dashboards.flatMap(({ file, json }) =>
		(json.panels as any[]).flatMap((panel) =>
			(panel.targets ?? []).map((target: any) => ({ file, panel, target })),
		),
	);

	it("has a dashboard with request rate, errors, p95 latency, cache hit ratio and logs", () => {
		const exprs = targets.map(({ target }) => String(target.expr));
		assert.ok(
			exprs.some((expr) => /rate\(moleculer_request_total/.test(expr)),
			"request rate",
		);
		assert.ok(
			exprs.some((expr) => /moleculer_request_error_total/.test(expr)),
			"error rate",
		);
		assert.ok(
			exprs.some((expr) => /histogram_quantile\(0\.95,.*moleculer_request_time_bucket/.test(expr)),
			"p95",
		);
		assert.ok(
			exprs.some((expr) => /moleculer_cacher_found_total.*\/.*moleculer_cacher_get_total/.test(expr)),
		);
		assert.ok(
			targets.some(({ panel }) => panel.type === "logs"),
			"logs panel",
		);
	});

	it("queries only data sources that are provisioned, and only metrics the nodes expose", () => {
		const uids = new Map(datasources.map((source) => [source.uid, source.type]));
		for (const { file, panel, target } of targets) {
			const datasource = target.datasource ?? panel.datasource;
			assert.equal(uids.get(datasource?.uid), datasource?.type, `${file} "${panel.title}": data source`);
			if (datasource.type !== "prometheus") continue;
			for (const name of metricNames(target.expr)) {
				assert.ok(
					knownMetrics().has(name),
					`${file} "${panel.title}" queries ${name}, which no node exposes`,
				);
			}
		}
	});

	it("selects log streams by labels that both log agents (compose and the k8s sidecars) set", () => {
		for (const file of [ALLOY.compose, ALLOY.sidecar]) {
			const labels = alloyLabels(file);
			for (const { file: dashboard, panel, target } of targets) {
				if ((target.datasource ?? panel.datasource)?.type !== "loki") continue;
				const selector = /^\{([^}]*)\}/.exec(target.expr)?.[1] ?? "";
				for (const [, label] of selector.matchAll(/([a-z_]+)\s*(?:=~|!~|!=|=)/g)) {
					assert.ok(labels.has(label), `${dashboard} "${panel.title}": ${file} sets no label ${label}`);
				}
			}
		}
	});
});

// ------------------------------------------------------------------------------------ log agent (Alloy)

/** The Grafana Alloy configuration files: compose's agent, the k8s sidecar, and the module both import. */
const ALLOY = {
	compose: "infra/observability/alloy/compose.alloy",
	sidecar: "k8s/common/alloy/sidecar.alloy",
	module: "k8s/common/alloy/pino.alloy",
} as const;

/** The file without comments and with every string emptied, for counting braces and finding blocks. */
function alloyCode(path: string): string {
	return read(path)
		.replace(/"(?:[^"\\]|\\.)*"/g, '""')
		.replace(/\/\/[^\n]*/g, "");
}

/** `type "label" {` blocks: the components (and imports and declarations) the file defines. */
function alloyBlocks(path: string): Array<{ type: string; label: string }> {
	return [...read(path).matchAll(/^\s*([a-z_]+(?:\.[a-z_]+)*) "([a-z0-9_]+)" \{/gm)].map((m) => ({
		type: m[1],
		label: m[2],
	}));
}

/** What the file refers to: `<component>.receiver|targets|output|rules`. */
function alloyReferences(path: string): string[] {
	return [
		...alloyCode(path).matchAll(/\b([a-z_]+(?:\.[a-z_]+){2,})\.(?:receiver|targets|output|rules)\b/g),
	].map((m) => m[1]);
}

/** The labels the pipeline sets: relabel targets, static `format`, and stage.labels (from the module). */
function alloyLabels(path: string): Set<string> {
	const labels = new Set<string>();
	for (const file of [path, ALLOY.module]) {
		for (const m of read(file).matchAll(/target_label\s*=\s*"([a-z_]+)"/g)) labels.add(m[1]);
		for (const m of read(file).matchAll(/stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}/g)) {
			for (const key of m[1].matchAll(/([a-z_]+)\s*=/g)) labels.add(key[1]);
		}
	}
	return labels;
}

/** The file an `import.file` block loads, as the agent sees it. */
function alloyImport(path: string): string {
	const filename = /import\.file "[a-z_]+" \{\s*filename\s*=\s*"([^"]+)"/.exec(read(path))?.[1];
	assert.ok(filename, `${path} imports the platform's module`);
	return filename;
}

describe("the log agent: Grafana Alloy (Promtail reached end of life on 2026-03-02)", () => {
	it("has well-formed configurations: balanced blocks, and every component they refer to defined", () => {
		for (const path of Object.values(ALLOY)) {
			const code = alloyCode(path);
			assert.equal(code.split("{").length, code.split("}").length, `${path}: balanced braces`);
		}
		const declared = alloyBlocks(ALLOY.module)
			.filter((block) => block.type === "declare")
			.map((block) => block.label);
		assert.deepEqual(declared, ["pino_logs"]);
		// Inside the module: its own components.
		const inModule = new Set(alloyBlocks(ALLOY.module).map((b) => `${b.type}.${b.label}`));
		for (const reference of alloyReferences(ALLOY.module))
			assert.ok(inModule.has(reference), `${ALLOY.module}: ${reference}`);
		for (const path of [ALLOY.compose, ALLOY.sidecar]) {
			const blocks = alloyBlocks(path);
			const namespace = blocks.find((block) => block.type === "import.file")?.label;
			const defined = new Set(blocks.map((block) => `${block.type}.${block.label}`));
			for (const reference of alloyReferences(path))
				assert.ok(defined.has(reference), `${path}: ${reference} is not defined`);
			// Every use of the imported module names a component it declares.
			for (const block of blocks.filter((b) => b.type.startsWith(`${namespace}.`))) {
				assert.ok(declared.includes(block.type.slice(`${namespace}.`.length)), `${path}: ${block.type}`);
			}
			assert.ok(
				blocks.some((b) => b.type === "loki.write"),
				`${path} pushes to Loki`,
			);
			assert.ok(
				blocks.some((b) => b.type === `${namespace}.pino_logs`),
				`${path} parses pino lines`,
			);
		}
	});

	it("runs in compose in place of Promtail, with its configuration and module where it reads them", () => {
		assert.equal(compose().services.promtail, undefined, "no Promtail");
		const alloy = composeService("alloy");
		const command = ([] as string[]).concat(alloy.command ?? []);
		const mounts = new Map(
			(alloy.volumes ?? []).map((volume) => [
				volume.split(":")[1],
				volume.split(":")[0].replace(/^\.\//, ""),
			]),
		);
		assert.equal(mounts.get(command.at(-1) ?? ""), ALLOY.compose, "the configuration it runs");
		assert.equal(mounts.get(alloyImport(ALLOY.compose)), ALLOY.module, "the module it imports");
		assert.ok(
			(alloy.volumes ?? []).includes("/var/run/docker.sock:/var/run/docker.sock:ro"),
			"Docker socket, read-only",
		);
		assert.match(read(ALLOY.compose), /url = "http:\/\/loki:3100\/loki\/api\/v1\/push"/);
		assert.ok(compose().services.loki, "the Loki it pushes to");
	});

	itRendered(
		"runs beside every service in k8s: its files, its environment, and the only token in the pod",
		() => {
			const roles = ofKind("Role");
			const bindings = ofKind("RoleBinding");
			for (const pod of pods()) {
				const name = pod.set.metadata.name;
				const spec = pod.set.spec.template.spec;
				const agent = pod.logAgent;
				// Its configuration: the generated ConfigMap with exactly the repository's files, where it imports them.
				const configVolume = spec.volumes.find(
					(v: any) => v.name === agent.volumeMounts.find((m: any) => m.mountPath === "/etc/alloy")?.name,
				);
				const map = ofKind("ConfigMap").find((m) => m.metadata.name === configVolume?.configMap?.name);
				assert.ok(map && isLogAgentConfig(map), `${name}: the log agent's ConfigMap`);
				assert.deepEqual(map.data, { "config.alloy": read(ALLOY.sidecar), "pino.alloy": read(ALLOY.module) });
				assert.equal(agent.args.at(-1), "/etc/alloy/config.alloy", `${name}: the configuration it runs`);
				assert.equal(alloyImport(ALLOY.sidecar), "/etc/alloy/pino.alloy");
				// Every variable the configuration reads is set.
				const env = new Set((agent.env ?? []).map((variable: any) => variable.name));
				for (const [, variable] of read(ALLOY.sidecar).matchAll(/sys\.env\("([A-Z_]+)"\)/g)) {
					assert.ok(env.has(variable), `${name}: the log agent's ${variable}`);
				}
				// The token: the pod automounts none, the agent mounts a projected one; the service sees none.
				assert.equal(spec.automountServiceAccountToken, false, `${name}: no automounted token`);
				const tokenMount = "/var/run/secrets/kubernetes.io/serviceaccount";
				assert.ok(
					agent.volumeMounts.some((m: any) => m.mountPath === tokenMount),
					`${name}: the agent's token`,
				);
				assert.ok(
					!(pod.container.volumeMounts ?? []).some((m: any) => m.mountPath === tokenMount),
					`${name}: service has no token`,
				);
				// Allowed to read pod logs in this namespace, and nothing more.
				const binding = bindings.find((b) =>
					b.subjects?.some((s: any) => s.kind === "ServiceAccount" && s.name === spec.serviceAccountName),
				);
				const role = roles.find((r) => r.metadata.name === binding?.roleRef?.name);
				assert.deepEqual(
					role?.rules?.map((rule: any) => [rule.resources.join(","), rule.verbs.join(",")]),
					[
						["pods", "get,list,watch"],
						["pods/log", "get"],
					],
					`${name}: the log agent's Role`,
				);
				// Hardened like the service, with memory of its own.
				assert.equal(agent.securityContext?.readOnlyRootFilesystem, true, `${name}: read-only`);
				assert.equal(agent.securityContext?.allowPrivilegeEscalation, false, `${name}`);
				assert.ok(mebibytes(agent.resources?.limits?.memory) >= 64, `${name}: the agent's memory limit`);
			}
		},
	);
});

// ---------------------------------------------------------------------------------------------------- k8s

interface Resource {
	apiVersion: string;
	kind: string;
	metadata: { name: string; namespace?: string; labels?: Record<string, string> };
	[field: string]: any;
}

function yamlDocuments(text: string, where: string): Resource[] {
	return parseAllDocuments(text).map((document) => {
		assert.equal(document.errors.length, 0, `${where}: ${document.errors.join("; ")}`);
		return document.toJS() as Resource;
	});
}

const kustomization = lazy(
	() =>
		parseYaml(read("k8s/kustomization.yaml")) as {
			namespace: string;
			resources: string[];
			images?: { name: string; newName?: string; newTag?: string }[];
			configMapGenerator?: { name: string }[];
		},
);
const exampleSecret = lazy(() => yamlDocuments(read("k8s/secret.example.yaml"), "secret.example.yaml")[0]);

/**
 * What `kubectl apply -k k8s/` would create: `kubectl kustomize k8s/`, which merges the settings every service
 * shares (k8s/common/service-pod.yaml) into each StatefulSet. The files alone are not what runs, so the
 * checks below read this; where kubectl is not installed they are skipped, saying so.
 */
const kustomizeBuild = lazy((): { resources: Resource[] } | { missing: string } => {
	const kubectl = spawnSync("kubectl", ["kustomize", join(ROOT, "k8s")], { encoding: "utf8" });
	if ((kubectl.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
		// CI (.ci/run) has kubectl and sets REQUIRE_KUBECTL: there a missing kubectl fails instead of skipping.
		assert.ok(!process.env.REQUIRE_KUBECTL, "kubectl is required here (REQUIRE_KUBECTL) but not installed");
		return { missing: "kubectl is not installed, so k8s/ cannot be rendered (kubectl kustomize k8s/)" };
	}
	assert.ifError(kubectl.error);
	assert.equal(kubectl.status, 0, `kubectl kustomize k8s/ failed: ${kubectl.stderr}`);
	return { resources: yamlDocuments(kubectl.stdout, "kubectl kustomize k8s/") };
});

/** A check on the rendered manifests: skipped, with the reason, only where kubectl is not installed. */
function itRendered(name: string, check: () => void): void {
	it(name, (t) => {
		const build = kustomizeBuild();
		if ("missing" in build) t.skip(build.missing);
		else check();
	});
}

const resources = (): Resource[] => {
	const build = kustomizeBuild();
	assert.ok("resources" in build, "missing" in build ? build.missing : "");
	return build.resources;
};
const ofKind = (kind: string) => resources().filter((resource) => resource.kind === kind);

/** The log agent's ConfigMap holds its configuration files, not environment variables. */
const isLogAgentConfig = (map: Resource) => map.metadata.name.startsWith("cleaning-platform-log-agent-");

function configMapData(name: string): Record<string, string> {
	const map = ofKind("ConfigMap").find((resource) => resource.metadata.name === name);
	assert.ok(map, `ConfigMap ${name} is not in k8s/`);
	return map.data ?? {};
}

/** A StatefulSet's pod: `<name>-<ordinal>`, kept across restarts and rollouts (the NODE_ID it gets). */
const podName = (set: Resource, ordinal: number) => `${set.metadata.name}-${ordinal}`;

/** The environment of a StatefulSet's pod 0 as the kubelet would build it (the example Secret's values). */
function podEnv(set: Resource): { names: string[]; env: Record<string, string> } {
	const container = set.spec.template.spec.containers[0];
	const names: string[] = [];
	const env: Record<string, string> = {};
	const add = (name: string, value: string) => {
		names.push(name);
		env[name] = value;
	};
	for (const source of container.envFrom ?? []) {
		assert.ok(source.configMapRef, `${set.metadata.name}: envFrom only from ConfigMaps`);
		for (const [name, value] of Object.entries(configMapData(source.configMapRef.name)))
			add(name, String(value));
	}
	for (const variable of container.env ?? []) {
		const from = variable.valueFrom;
		if (from === undefined) add(variable.name, String(variable.value));
		else if (from.fieldRef?.fieldPath === "metadata.name") add(variable.name, podName(set, 0));
		else if (from.secretKeyRef) {
			assert.equal(from.secretKeyRef.name, exampleSecret().metadata.name, `${variable.name}: Secret name`);
			const value = exampleSecret().stringData?.[from.secretKeyRef.key];
			assert.ok(
				value !== undefined,
				`${variable.name}: the example Secret has no key ${from.secretKeyRef.key}`,
			);
			add(variable.name, value);
		} else assert.fail(`${set.metadata.name}: unexpected valueFrom for ${variable.name}`);
	}
	return { names, env };
}

/** The kinds that run pods: the services run as StatefulSets only (stable pod names, so stable node ids). */
const WORKLOAD_KINDS = ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod"];

const pods = lazy(() =>
	ofKind("StatefulSet").map((set) => {
		const containers = set.spec.template.spec.containers as Array<{ name: string }>;
		assert.deepEqual(
			containers.map((container) => container.name),
			["service", "log-agent"],
			`${set.metadata.name}: the service and its log agent (are they named like those in k8s/common/service-pod.yaml?)`,
		);
		const { names, env } = podEnv(set);
		const config = acceptedConfig(env, `k8s StatefulSet ${set.metadata.name}`);
		return { set, names, env, config, container: containers[0] as any, logAgent: containers[1] as any };
	}),
);

function containerPort(container: any, port: string | number): number {
	if (typeof port === "number") return port;
	const named = (container.ports ?? []).find((candidate: any) => candidate.name === port);
	assert.ok(named, `${container.name}: no container port named ${port}`);
	return named.containerPort;
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
	Object.entries(selector).every(([key, value]) => labels[key] === value);

type KubernetesModel = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an object: `networking.k8s.io/v1` is networkingK8sIo.v1, core `v1` is v1. */
function kubernetesModel(resource: Resource): KubernetesModel | undefined {
	const [group, version] = resource.apiVersion.includes("/")
		? resource.apiVersion.split("/")
		: ["", resource.apiVersion];
	const catalog = kubernetesModels as unknown as Record<string, Record<string, unknown>>;
	if (group === "") return catalog[version]?.[resource.kind] as KubernetesModel | undefined;
	const moduleName = group
		.split(".")
		.map((part, i) => (i === 0 ? part : part[0].toUpperCase() + part.slice(1)))
		.join("");
	return (catalog[moduleName]?.[version] as Record<string, KubernetesModel> | undefined)?.[resource.kind];
}

describe("k8s manifests, as kubectl kustomize renders them", () => {
	itRendered(
		"validate against the Kubernetes schemas (kubernetes-models), NetworkPolicies and autoscalers included",
		() => {
			const kinds = new Set<string>();
			for (const resource of resources()) {
				const Model = kubernetesModel(resource);
				assert.ok(Model, `no Kubernetes schema for ${resource.apiVersion} ${resource.kind}`);
				assert.doesNotThrow(
					() => new Model(resource).validate(),
					`${resource.kind}/${resource.metadata.name}`,
				);
				kinds.add(resource.kind);
			}
			for (const kind of [
				"StatefulSet",
				"Service",
				"Ingress",
				"NetworkPolicy",
				"HorizontalPodAutoscaler",
				"PodDisruptionBudget",
			]) {
				assert.ok(kinds.has(kind), `k8s/ renders no ${kind}`);
			}
		},
	);

	itRendered("put everything in the namespace cleaning-platform", () => {
		assert.equal(kustomization().namespace, "cleaning-platform");
		assert.deepEqual(
			ofKind("Namespace").map((namespace) => namespace.metadata.name),
			["cleaning-platform"],
		);
		for (const resource of resources()) {
			if (resource.kind === "Namespace") continue;
			assert.equal(
				resource.metadata.namespace,
				"cleaning-platform",
				`${resource.kind}/${resource.metadata.name}`,
			);
		}
	});

	itRendered(
		"have one StatefulSet per deployable service, none for the development identity provider",
		() => {
			const run = pods().flatMap((pod) => pod.config.services);
			assert.deepEqual([...run].sort(), [...DEPLOYED].sort());
			for (const pod of pods()) {
				assert.deepEqual(pod.config.services, [pod.set.metadata.name], "one service per StatefulSet");
				assert.equal(pod.config.mode, "cluster");
			}
		},
	);

	itRendered(
		"run every service as a StatefulSet, started in parallel and rolled pod by pod, with no volumes",
		() => {
			const others = resources().filter(
				(resource) => WORKLOAD_KINDS.includes(resource.kind) && resource.kind !== "StatefulSet",
			);
			assert.deepEqual(
				others.map((resource) => `${resource.kind}/${resource.metadata.name}`),
				[],
				"a Deployment's pod names change at every restart: NODE_ID, and with it the node's Kafka topics and group",
			);
			assert.ok(pods().length > 0, "no StatefulSet");
			// StatefulSetSpec's fields: anything else (a Deployment's strategy or progressDeadlineSeconds left in
			// the patch) renders fine but is refused by `kubectl apply`.
			const specFields = [
				"replicas",
				"selector",
				"template",
				"serviceName",
				"podManagementPolicy",
				"updateStrategy",
				"revisionHistoryLimit",
				"minReadySeconds",
				"volumeClaimTemplates",
				"persistentVolumeClaimRetentionPolicy",
				"ordinals",
			];
			for (const { set } of pods()) {
				const name = set.metadata.name;
				assert.equal(set.apiVersion, "apps/v1", `${name}: apiVersion`);
				for (const field of Object.keys(set.spec)) {
					assert.ok(specFields.includes(field), `${name}: spec.${field} is not a StatefulSet field`);
				}
				assert.equal(set.spec.podManagementPolicy, "Parallel", `${name}: podManagementPolicy`);
				assert.equal(set.spec.updateStrategy?.type, "RollingUpdate", `${name}: updateStrategy`);
				assert.equal(set.spec.volumeClaimTemplates, undefined, `${name}: the services keep no state`);
				assert.equal(set.spec.ordinals, undefined, `${name}: pods numbered from 0`);
			}
		},
	);

	itRendered("govern each StatefulSet by a headless Service of its own, selecting its pods", () => {
		const services = ofKind("Service");
		for (const { set } of pods()) {
			const name = set.metadata.name;
			assert.ok(set.spec.serviceName, `${name}: serviceName`);
			const service = services.find((candidate) => candidate.metadata.name === set.spec.serviceName);
			assert.ok(service, `${name}: serviceName ${set.spec.serviceName} is not a Service in k8s/`);
			assert.equal(
				service.spec.clusterIP,
				"None",
				`${name}: Service ${service.metadata.name} is not headless`,
			);
			assert.ok(
				matches(service.spec.selector ?? {}, set.spec.template.metadata.labels),
				`${name}: Service ${service.metadata.name} does not select its pods`,
			);
			assert.equal(
				pods().filter((other) => other.set.spec.serviceName === set.spec.serviceName).length,
				1,
				`${name}: Service ${service.metadata.name} governs more than one StatefulSet`,
			);
		}
		for (const service of services) {
			const selected = pods().filter((pod) =>
				matches(service.spec.selector ?? {}, pod.set.spec.template.metadata.labels),
			);
			assert.equal(
				selected.length,
				1,
				`Service ${service.metadata.name} selects the pods of one StatefulSet`,
			);
			for (const port of service.spec.ports ?? []) {
				containerPort(selected[0].container, port.targetPort ?? port.port);
			}
		}
	});

	itRendered("set only variables that config/index.ts reads, with values it accepts", () => {
		for (const pod of pods()) {
			assertKnownVariables(pod.names, `k8s StatefulSet ${pod.set.metadata.name}`);
			assert.equal(new Set(pod.names).size, pod.names.length, `${pod.set.metadata.name}: a name set twice`);
		}
		// The ConfigMaps the services read as environment (the log agent's holds its configuration files).
		for (const map of ofKind("ConfigMap").filter((m) => !isLogAgentConfig(m)))
			assertKnownVariables(Object.keys(map.data ?? {}), map.metadata.name);
	});

	itRendered("give each pod its stable name as NODE_ID and only its own database URL", () => {
		for (const pod of pods()) {
			const name = pod.set.metadata.name;
			const nodeId = pod.container.env.find((variable: any) => variable.name === "NODE_ID");
			assert.equal(nodeId?.valueFrom?.fieldRef?.fieldPath, "metadata.name", name);
			for (let ordinal = 0; ordinal < (pod.set.spec.replicas ?? 1); ordinal++) {
				const nodeIdOf = { ...pod.env, NODE_ID: podName(pod.set, ordinal) };
				assert.equal(acceptedConfig(nodeIdOf, name).nodeId, podName(pod.set, ordinal), `${name}: NODE_ID`);
			}
			const urls = pod.names.filter((variable) => variable.endsWith("_DB_URL"));
			const own = pod.config.services.filter((service) =>
				(DATABASE_OWNERS as readonly string[]).includes(service),
			) as DatabaseOwner[];
			assert.deepEqual(urls, own.map(dbVariable), `${name}: database URLs`);
			for (const owner of own) {
				const variable = pod.container.env.find((candidate: any) => candidate.name === dbVariable(owner));
				assert.equal(variable?.valueFrom?.secretKeyRef?.key, dbVariable(owner), `${name}: the Secret's key`);
				const database = pod.config.databases[owner];
				assert.ok(database.dialect === "mysql" && database.database === `${owner}_db`, `${name}: database`);
			}
		}
	});

	itRendered("probe liveness and readiness, and announce metrics, on the ops port's real paths", () => {
		for (const pod of pods()) {
			const name = pod.set.metadata.name;
			const { livenessProbe, readinessProbe } = pod.container;
			assert.equal(livenessProbe?.httpGet?.path, "/health/live", `${name}: liveness`);
			assert.equal(readinessProbe?.httpGet?.path, "/health/ready", `${name}: readiness`);
			for (const probe of [livenessProbe, readinessProbe, pod.container.startupProbe].filter(Boolean)) {
				assert.equal(
					containerPort(pod.container, probe.httpGet.port),
					pod.config.opsPort,
					`${name}: probe port`,
				);
			}
			const annotations = pod.set.spec.template.metadata.annotations ?? {};
			assert.equal(annotations["prometheus.io/scrape"], "true", `${name}: scrape`);
			assert.equal(annotations["prometheus.io/port"], String(pod.config.opsPort), `${name}: scrape port`);
			assert.equal(annotations["prometheus.io/path"], "/actuator/prometheus", `${name}: scrape path`);
		}
	});

	itRendered("run non-root, read-only, with memory sized from the measured RSS and time to shut down", () => {
		for (const pod of pods()) {
			const name = pod.set.metadata.name;
			const spec = pod.set.spec.template.spec;
			assert.equal(spec.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`);
			assert.notEqual(spec.securityContext?.runAsUser, 0, `${name}: runAsUser`);
			assert.equal(pod.container.securityContext?.allowPrivilegeEscalation, false, `${name}`);
			assert.equal(pod.container.securityContext?.readOnlyRootFilesystem, true, `${name}`);
			assert.ok(
				spec.terminationGracePeriodSeconds > shutdownTimeoutSeconds(),
				`${name}: terminationGracePeriodSeconds`,
			);
			const { requests, limits } = pod.container.resources ?? {};
			assert.ok(
				mebibytes(requests?.memory) >= MEASURED_RSS_MIB,
				`${name}: memory request below measured RSS`,
			);
			assert.ok(mebibytes(limits?.memory) > mebibytes(requests.memory), `${name}: memory limit`);
		}
	});

	itRendered("run the gateway, booking and cleaner twice, under a PodDisruptionBudget", () => {
		for (const name of ["gateway", "booking", "cleaner"]) {
			const pod = pods().find((candidate) => candidate.set.metadata.name === name);
			assert.ok(pod, name);
			assert.ok(pod.set.spec.replicas >= 2, `${name}: replicas`);
			const labels = pod.set.spec.template.metadata.labels;
			const budgets = ofKind("PodDisruptionBudget").filter((pdb) =>
				matches(pdb.spec.selector.matchLabels, labels),
			);
			assert.equal(budgets.length, 1, `${name}: PodDisruptionBudget`);
			assert.ok(budgets[0].spec.minAvailable >= 1 || budgets[0].spec.maxUnavailable !== undefined);
		}
		for (const pod of pods()) {
			assert.ok(matches(pod.set.spec.selector.matchLabels, pod.set.spec.template.metadata.labels));
		}
	});

	itRendered("route the Ingress to the gateway Service, and the Service to the gateway's HTTP port", () => {
		const gateway = pods().find((pod) => pod.config.services.includes("gateway"));
		assert.ok(gateway);
		const [ingress] = ofKind("Ingress");
		assert.ok(ingress, "an Ingress");
		assert.equal(ingress.spec.ingressClassName, "nginx");
		assert.ok(ingress.spec.tls?.[0]?.secretName, "TLS secret name");
		const backends = ingress.spec.rules.flatMap((rule: any) =>
			rule.http.paths.map((path: any) => path.backend),
		);
		assert.ok(backends.length > 0);
		for (const backend of backends) {
			const service = ofKind("Service").find((candidate) => candidate.metadata.name === backend.service.name);
			assert.ok(service, `Service ${backend.service.name}`);
			assert.notEqual(service.spec.clusterIP, "None", "the Ingress's Service balances over the gateway pods");
			assert.ok(matches(service.spec.selector, gateway.set.spec.template.metadata.labels), "selector");
			const port = service.spec.ports.find(
				(candidate: any) =>
					candidate.name === backend.service.port.name || candidate.port === backend.service.port.number,
			);
			assert.ok(port, `the Ingress names a port the Service lacks: ${JSON.stringify(backend.service.port)}`);
			assert.equal(
				containerPort(gateway.container, port.targetPort),
				gateway.config.http.port,
				"target port",
			);
		}
	});

	itRendered("hold every resource the listed files define, and run the configured image", () => {
		const listed = kustomization().resources.flatMap((file) => yamlDocuments(read(join("k8s", file)), file));
		const generated = (kustomization().configMapGenerator ?? []).map(
			(generator) => `ConfigMap/${generator.name}`,
		);
		// A generated ConfigMap's name ends in a hash of its content.
		const ids = (list: Resource[]) =>
			list
				.map((resource) => `${resource.kind}/${resource.metadata.name}`)
				.map((id) => generated.find((name) => id.startsWith(`${name}-`)) ?? id)
				.sort();
		assert.deepEqual(ids(resources()), [...ids(listed), ...generated].sort());
		const [image, ...more] = kustomization().images ?? [];
		assert.ok(image?.newName && more.length === 0, "kustomization.yaml sets the one image");
		for (const pod of pods()) {
			assert.equal(pod.container.image, `${image.newName}:${image.newTag}`, pod.set.metadata.name);
		}
	});

	it("ship an example Secret with one placeholder URL per database owner, kept out of the kustomization", () => {
		assert.equal(exampleSecret().kind, "Secret");
		const namespace = exampleSecret().metadata.namespace;
		assert.ok(namespace === undefined || namespace === "cleaning-platform", "the example Secret's namespace");
		assert.deepEqual(Object.keys(exampleSecret().stringData).sort(), DATABASE_OWNERS.map(dbVariable).sort());
		for (const value of Object.values(exampleSecret().stringData)) assert.match(String(value), /CHANGE_ME/);
		assert.ok(
			!kustomization().resources.includes("secret.example.yaml"),
			"applying it would overwrite real URLs",
		);
	});
});

// ------------------------------------------------------------------------------------------------- image

describe("Dockerfile", () => {
	const dockerfile = read("Dockerfile");
	const pkg = JSON.parse(read("package.json"));
	const instructions = (keyword: string) =>
		[...dockerfile.matchAll(new RegExp(`^${keyword}\\s+(.+)$`, "gm"))].map((match) => match[1].trim());

	it("builds on Node 24 with production dependencies only, which are all the runtime imports", () => {
		assert.match(dockerfile, /^ARG NODE_IMAGE=node:24[-.\w]*$/m);
		assert.equal(read(".nvmrc").trim(), "24");
		assert.ok(
			instructions("FROM").every((from) => /^\$\{NODE_IMAGE\}(\s|$)/.test(from)),
			"every stage on Node 24",
		);
		assert.match(dockerfile, /npm ci --omit=dev/);
		const runtimeFiles = ["config", "lib", "mixins", "services", "identity", "scripts"]
			.flatMap((dir) =>
				readdirSync(join(ROOT, dir), { recursive: true }).map((entry) => join(dir, String(entry))),
			)
			.filter((file) => file.endsWith(".ts"))
			.concat("moleculer.config.ts");
		for (const file of runtimeFiles) {
			for (const [, specifier] of read(file).matchAll(/^import (?!type )[^"]*from "([^".][^"]*)"/gm)) {
				if (specifier.startsWith("node:")) continue;
				const name = specifier.startsWith("@")
					? specifier.split("/").slice(0, 2).join("/")
					: specifier.split("/")[0];
				assert.ok(pkg.dependencies[name], `${file} imports ${name}, which --omit=dev leaves out`);
			}
		}
	});

	it("runs as a non-root user, exposes the HTTP and ops ports, and starts like `npm start`", () => {
		const users = instructions("USER");
		assert.ok(users.length > 0 && !/^(root|0)(:|$)/.test(users.at(-1) ?? ""), "USER is not root");
		const exposed = instructions("EXPOSE")
			.flatMap((line) => line.split(/\s+/))
			.map(Number);
		assert.ok(exposed.includes(DEFAULTS.http.port) && exposed.includes(DEFAULTS.opsPort), "EXPOSE 3000 3001");
		const start = /^SERVICEDIR=(\S+) moleculer-runner-esm (.+)$/.exec(pkg.scripts.start);
		assert.ok(start, "package.json start script changed: update the Dockerfile CMD and this test");
		assert.match(dockerfile, new RegExp(`SERVICEDIR=${start[1]}\\b`));
		const cmd = JSON.parse(instructions("CMD").at(-1) ?? "[]") as string[];
		const runner = JSON.parse(read("node_modules/moleculer/package.json")).bin["moleculer-runner-esm"];
		assert.deepEqual(cmd.slice(0, 2), ["node", join("node_modules/moleculer", runner)]);
		assert.deepEqual(
			cmd.slice(2),
			start[2].match(/"[^"]*"|\S+/g)?.map((arg) => arg.replace(/^"|"$/g, "")),
		);
	});

	it("leaves tests and tooling out of the build context, but nothing the runtime loads", () => {
		const ignored = read(".dockerignore")
			.split("\n")
			.map((line) => line.trim())
			.filter((line) => line !== "" && !line.startsWith("#"));
		for (const needed of [
			"package.json",
			"package-lock.json",
			"moleculer.config.ts",
			"config",
			"lib",
			"mixins",
		]) {
			assert.ok(!ignored.includes(needed), `.dockerignore drops ${needed}`);
		}
		for (const needed of ["services", "identity", "scripts"]) assert.ok(!ignored.includes(needed), needed);
		for (const dropped of ["node_modules", ".git", "test"]) assert.ok(ignored.includes(dropped), dropped);
	});
});
