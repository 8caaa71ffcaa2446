import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it, type TestContext } from "node:test";
import * as prometheusOperatorModels from "@kubernetes-models/prometheus-operator";
import * as strimziModels from "@kubernetes-models/strimzi-kafka-operator";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import ipaddr from "ipaddr.js";
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
import { monitoringFiles } from "../../k8s/components/monitoring/generate.ts";
import { ALL_TOPICS, CONSUMER_GROUPS, deadLetterTopic, TOPICS } from "../../lib/events/contract.ts";
import { grants, readAclRules } from "../../lib/kafka-acls.ts";

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
			KAFKA_TLS: "true",
			KAFKA_SASL_MECHANISM: "scram-sha-512",
			KAFKA_SASL_USERNAME: "booking",
			KAFKA_SASL_PASSWORD: "secret",
			SMTP_URL: "smtp://mail:587",
			WEBHOOK_SECRETS_KEY: Buffer.alloc(32).toString("base64"),
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

/** Read by the runtime rather than config/index.ts: the REPL keeps its history file in $HOME. */
const RUNTIME_VARIABLES = new Set(["HOME"]);

function assertKnownVariables(names: Iterable<string>, where: string): void {
	for (const name of names) {
		assert.ok(
			CONFIG_VARIABLES.has(name) || RUNTIME_VARIABLES.has(name),
			`${where} sets ${name}, which config/index.ts does not read`,
		);
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

/**
 * The Compose Specification's JSON schema, vendored from compose-spec/compose-spec (schema/compose-spec.json
 * at commit 170098ba07d9f53c383a41bfd4c5166b0a4529a6; test/schemas/README.md).
 */
const composeSchema = lazy(() => {
	// Its $schema is draft-07 written without the trailing '#', which Ajv does not know: the schema itself is
	// not checked, the file is.
	const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
	addFormats.default(ajv);
	return ajv.compile(JSON.parse(read("test/schemas/compose-spec.json")));
});

describe("docker-compose.yml", () => {
	it("validates against the Compose Specification's JSON schema", () => {
		const validate = composeSchema();
		assert.ok(validate(compose()), `docker-compose.yml: ${JSON.stringify(validate.errors, null, 1)}`);
	});

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
	sidecar: "k8s/components/log-agent/alloy/sidecar.alloy",
	module: "k8s/components/log-agent/alloy/pino.alloy",
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

const NAMESPACE = "cleaning-platform";
/** Every overlay in k8s/overlays/: each must render, validate and pass every check below. */
const OVERLAYS = readdirSync(join(ROOT, "k8s/overlays")).sort();
/** An overlay's example of the Secrets it expects but never creates (prod's managed services). */
const exampleSecretsFile = (overlay: string) => `k8s/overlays/${overlay}/secrets.example.yaml`;

/** The label every platform service's pods and StatefulSet carry (k8s/base/service-pod.yaml). */
const MICROSERVICE = { "app.kubernetes.io/component": "microservice" };

type LabelSelector = {
	matchLabels?: Record<string, string>;
	matchExpressions?: { key: string; operator: string; values?: string[] }[];
};

function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
	if (!selector) return false;
	const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
	return (
		byLabels &&
		(selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
			if (operator === "In") return values.includes(labels[key]);
			if (operator === "NotIn") return !values.includes(labels[key]);
			if (operator === "Exists") return key in labels;
			assert.equal(operator, "DoesNotExist", `selector operator ${operator}`);
			return !(key in labels);
		})
	);
}

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
	selects({ matchLabels: selector }, labels);

/** A StatefulSet's pod: `<name>-<ordinal>`, kept across restarts and rollouts (the NODE_ID it gets). */
const podName = (set: Resource, ordinal: number) => `${set.metadata.name}-${ordinal}`;

function containerPort(container: any, port: string | number): number {
	if (typeof port === "number") return port;
	const named = (container.ports ?? []).find((candidate: any) => candidate.name === port);
	assert.ok(named, `${container.name}: no container port named ${port}`);
	return named.containerPort;
}

/** The kinds that run pods: the services run as StatefulSets only (stable pod names, so stable node ids). */
const WORKLOAD_KINDS = ["Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob", "Pod"];

/** A pod that a connection starts from or goes to: its namespace, labels and ports; or an address outside. */
type Peer =
	| {
			name: string;
			namespace: string;
			labels: Record<string, string>;
			ports?: Array<{ name?: string; containerPort: number }>;
	  }
	| { name: string; ip: string };
const isPod = (peer: Peer): peer is Extract<Peer, { namespace: string }> => "namespace" in peer;

/** An IPv4 address in a CIDR block. */
function inCidr(ip: string, cidr: string): boolean {
	const address = ipaddr.parse(ip);
	const range = ipaddr.parseCIDR(
		cidr.includes("/") ? cidr : `${cidr}/${address.kind() === "ipv4" ? 32 : 128}`,
	);
	return address.kind() === range[0].kind() && address.match(range);
}

/**
 * `kubectl kustomize k8s/overlays/<overlay>`: what `kubectl apply -k` would create, with lookups for the checks.
 * The pods that operators create from custom resources (Strimzi's Kafka brokers, the Prometheus Operator's
 * Prometheus) and the Secrets and NetworkPolicies they create are modelled from those resources, as their
 * operators document them.
 */
class Rendered {
	readonly #memo = new Map<string, unknown>();

	readonly overlay: string;
	readonly resources: Resource[];

	constructor(overlay: string, resources: Resource[]) {
		this.overlay = overlay;
		this.resources = resources;
	}

	/** A lookup computed once per overlay. */
	#once<T>(key: string, compute: () => T): T {
		if (!this.#memo.has(key)) this.#memo.set(key, compute());
		return this.#memo.get(key) as T;
	}

	ofKind(kind: string): Resource[] {
		return this.resources.filter((resource) => resource.kind === kind);
	}

	named(kind: string, name: string): Resource | undefined {
		return this.ofKind(kind).find((resource) => resource.metadata.name === name);
	}

	get kustomization(): { images?: { name: string; newName?: string; newTag?: string }[] } {
		return parseYaml(read(`k8s/overlays/${this.overlay}/kustomization.yaml`));
	}

	configMapData(name: string): Record<string, string> {
		const map = this.named("ConfigMap", name);
		assert.ok(map, `ConfigMap ${name} is not in k8s/overlays/${this.overlay}`);
		return map.data ?? {};
	}

	/** Secrets by name: rendered (generators), the overlay's example, and those operators create. */
	get secrets(): Map<string, Record<string, string>> {
		return this.#once("secrets", () => this.#secrets());
	}

	#secrets(): Map<string, Record<string, string>> {
		const secrets = new Map<string, Record<string, string>>();
		const add = (secret: Resource) =>
			secrets.set(secret.metadata.name, {
				...Object.fromEntries(
					Object.entries(secret.data ?? {}).map(([key, value]) => [
						key,
						Buffer.from(String(value), "base64").toString(),
					]),
				),
				...secret.stringData,
			});
		for (const secret of this.ofKind("Secret")) add(secret);
		if (existsSync(join(ROOT, exampleSecretsFile(this.overlay)))) {
			for (const secret of yamlDocuments(
				read(exampleSecretsFile(this.overlay)),
				exampleSecretsFile(this.overlay),
			))
				add(secret);
		}
		// Strimzi's User Operator: a Secret named like each KafkaUser; its Cluster Operator: the cluster's CA.
		for (const user of this.ofKind("KafkaUser"))
			secrets.set(user.metadata.name, { password: "operator-made" });
		for (const kafka of this.ofKind("Kafka"))
			secrets.set(`${kafka.metadata.name}-cluster-ca-cert`, { "ca.crt": "operator-made" });
		return secrets;
	}

	secretValue(name: string, key: string, where: string): string {
		const value = this.secrets.get(name)?.[key];
		assert.ok(
			value !== undefined,
			`${where}: Secret ${name} (key ${key}) is neither rendered, in ${exampleSecretsFile(this.overlay)}, nor made by an operator`,
		);
		return value;
	}

	/** The platform's own StatefulSets (label app.kubernetes.io/component: microservice), one per service. */
	get services(): ServicePod[] {
		return this.platformPods.filter((pod) => pod.config.role === "service");
	}

	/** The operators' REPL node (NODE_ROLE=ops), a StatefulSet like the services'. */
	get opsNodes(): ServicePod[] {
		return this.platformPods.filter((pod) => pod.config.role === "ops");
	}

	/** Every StatefulSet of the platform's own processes: the services and the ops node. */
	get platformPods(): ServicePod[] {
		return this.#once("platformPods", () =>
			this.ofKind("StatefulSet")
				.filter((set) => matches(MICROSERVICE, set.metadata.labels))
				.map((set) => servicePod(this, set)),
		);
	}

	/** Every pod the overlay runs in the namespace, operators' included. */
	get pods(): Array<Extract<Peer, { namespace: string }>> {
		return this.#once("pods", () => this.#pods());
	}

	#pods(): Array<Extract<Peer, { namespace: string }>> {
		const fromTemplates = this.resources
			.filter((resource) => WORKLOAD_KINDS.includes(resource.kind))
			.map((workload) => ({
				name: workload.metadata.name,
				namespace: NAMESPACE,
				labels: workload.spec.template.metadata.labels,
				ports: workload.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []),
			}));
		const brokers = this.ofKind("KafkaNodePool")
			.filter((pool) => pool.spec.roles.includes("broker"))
			.map((pool) => {
				const kafka = this.named("Kafka", pool.metadata.labels?.["strimzi.io/cluster"] ?? "");
				assert.ok(kafka, `KafkaNodePool ${pool.metadata.name}: no Kafka of its strimzi.io/cluster`);
				return {
					name: `${kafka.metadata.name}-${pool.metadata.name}`,
					namespace: NAMESPACE,
					labels: {
						"strimzi.io/cluster": kafka.metadata.name,
						"strimzi.io/kind": "Kafka",
						"strimzi.io/pool-name": pool.metadata.name,
						"strimzi.io/broker-role": "true",
					},
					ports: kafka.spec.kafka.listeners.map((listener: any) => ({
						name: listener.name,
						containerPort: listener.port,
					})),
				};
			});
		const prometheus = this.ofKind("Prometheus").map((p) => ({
			name: `prometheus-${p.metadata.name}`,
			namespace: NAMESPACE,
			labels: { ...p.spec.podMetadata?.labels, prometheus: p.metadata.name },
			ports: [{ name: "web", containerPort: 9090 }],
		}));
		return [...fromTemplates, ...brokers, ...prometheus];
	}

	/** The NetworkPolicies, with the one Strimzi generates for each listener from its networkPolicyPeers. */
	get networkPolicies(): Resource[] {
		return this.#once("networkPolicies", () => this.#networkPolicies());
	}

	#networkPolicies(): Resource[] {
		const strimzi = this.ofKind("Kafka").flatMap((kafka) =>
			kafka.spec.kafka.listeners.map((listener: any) => ({
				apiVersion: "networking.k8s.io/v1",
				kind: "NetworkPolicy",
				metadata: { name: `${kafka.metadata.name}-network-policy-kafka-${listener.name}` },
				spec: {
					podSelector: {
						matchLabels: { "strimzi.io/cluster": kafka.metadata.name, "strimzi.io/kind": "Kafka" },
					},
					policyTypes: ["Ingress"],
					ingress: [{ from: listener.networkPolicyPeers, ports: [{ port: listener.port }] }],
				},
			})),
		);
		return [...this.ofKind("NetworkPolicy"), ...strimzi];
	}

	/** The pods behind a host name of the namespace: a Service's, or the bootstrap Service Strimzi makes. */
	podsOfHost(host: string): Array<Extract<Peer, { namespace: string }>> | undefined {
		// `<service>.<namespace>.svc` of another namespace: its pods carry app.kubernetes.io/name (Loki's chart does).
		const elsewhere = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(host);
		if (elsewhere && elsewhere[2] !== NAMESPACE)
			return [{ name: host, namespace: elsewhere[2], labels: { "app.kubernetes.io/name": elsewhere[1] } }];
		const name = host.replace(new RegExp(`\\.${NAMESPACE}(\\.svc(\\.cluster\\.local)?)?$`), "");
		const service = this.named("Service", name);
		if (service)
			return this.pods.filter((pod) => selects({ matchLabels: service.spec.selector }, pod.labels));
		const kafka = this.ofKind("Kafka").find((k) => name === `${k.metadata.name}-kafka-bootstrap`);
		if (kafka) return this.pods.filter((pod) => pod.labels["strimzi.io/cluster"] === kafka.metadata.name);
		return undefined;
	}

	/** Whether a NetworkPolicy lets `from` open a connection to `to` on a port (both sides' policies). */
	allows(from: Peer, to: Peer, port: number, protocol = "TCP"): boolean {
		const policiesOf = (pod: Extract<Peer, { namespace: string }>, type: "Ingress" | "Egress") =>
			pod.namespace !== NAMESPACE
				? undefined
				: this.networkPolicies.filter(
						(policy) =>
							selects(policy.spec.podSelector, pod.labels) &&
							(policy.spec.policyTypes ?? ["Ingress", ...(policy.spec.egress ? ["Egress"] : [])]).includes(
								type,
							),
					);
		const peerMatches = (peer: any, other: Peer): boolean => {
			if (peer.ipBlock)
				return (
					!isPod(other) &&
					inCidr(other.ip, peer.ipBlock.cidr) &&
					!(peer.ipBlock.except ?? []).some((cidr: string) => inCidr(other.ip, cidr))
				);
			if (!isPod(other)) return false;
			const namespaceOk = peer.namespaceSelector
				? selects(peer.namespaceSelector, { "kubernetes.io/metadata.name": other.namespace })
				: other.namespace === NAMESPACE;
			return namespaceOk && (peer.podSelector ? selects(peer.podSelector, other.labels) : true);
		};
		const portMatches = (ports: any[] | undefined, target: Peer) =>
			!ports ||
			ports.length === 0 ||
			ports.some((rule) => {
				if ((rule.protocol ?? "TCP") !== protocol) return false;
				if (rule.port === undefined) return true;
				if (typeof rule.port === "number") return port >= rule.port && port <= (rule.endPort ?? rule.port);
				return isPod(target) && target.ports?.some((p) => p.name === rule.port && p.containerPort === port);
			});
		const permitted = (subject: Peer, other: Peer, type: "Ingress" | "Egress") => {
			if (!isPod(subject)) return true;
			const policies = policiesOf(subject, type);
			if (policies === undefined || policies.length === 0) return true;
			const target = type === "Ingress" ? subject : other;
			return policies.some((policy) =>
				(type === "Ingress" ? policy.spec.ingress : policy.spec.egress)?.some(
					(rule: any) =>
						// No peers listed: every peer.
						((rule.from ?? rule.to ?? []).length === 0 ||
							(rule.from ?? rule.to).some((peer: any) => peerMatches(peer, other))) &&
						portMatches(rule.ports, target),
				),
			);
		};
		return permitted(from, to, "Egress") && permitted(to, from, "Ingress");
	}
}

interface ServicePod {
	set: Resource;
	names: string[];
	env: Record<string, string>;
	config: AppConfig;
	container: any;
	logAgent: any;
}

/** Placeholder contents for a mounted file the configuration reads (a certificate or a password). */
const mountedFiles = mkdtempSync(join(tmpdir(), "k8s-mounts-"));

/**
 * The environment of a StatefulSet's pod 0 as the kubelet would build it: ConfigMaps, Secrets (rendered, the
 * overlay's example, or an operator's), the downward API; a `*_FILE` variable must name a file mounted from a
 * Secret that holds its key, and gets a temporary file in its place so that parseConfig can read it.
 */
function podEnv(
	k: Rendered,
	set: Resource,
	container: any,
): { names: string[]; env: Record<string, string> } {
	const name = set.metadata.name;
	const spec = set.spec.template.spec;
	const names: string[] = [];
	const env: Record<string, string> = {};
	const add = (variable: string, value: string) => {
		names.push(variable);
		env[variable] = value;
	};
	for (const source of container.envFrom ?? []) {
		assert.ok(source.configMapRef, `${name}: envFrom only from ConfigMaps`);
		for (const [variable, value] of Object.entries(k.configMapData(source.configMapRef.name)))
			add(variable, String(value));
	}
	for (const variable of container.env ?? []) {
		const from = variable.valueFrom;
		const field = /^metadata\.labels\['([^']+)'\]$/.exec(from?.fieldRef?.fieldPath ?? "");
		if (from === undefined) add(variable.name, String(variable.value));
		else if (from.fieldRef?.fieldPath === "metadata.name") add(variable.name, podName(set, 0));
		else if (field) {
			const label = set.spec.template.metadata.labels?.[field[1]];
			assert.ok(label, `${name}: ${variable.name} reads the pod label ${field[1]}, which it lacks`);
			add(variable.name, label);
		} else if (from.secretKeyRef) {
			add(
				variable.name,
				k.secretValue(from.secretKeyRef.name, from.secretKeyRef.key, `${name} ${variable.name}`),
			);
		} else assert.fail(`${name}: unexpected valueFrom for ${variable.name}`);
	}
	for (const variable of names.filter((n) => n.endsWith("_FILE"))) {
		const path = env[variable];
		const mount = (container.volumeMounts ?? []).find((m: any) => path.startsWith(`${m.mountPath}/`));
		assert.ok(mount, `${name}: ${variable}=${path} is not in a mounted volume`);
		const volume = spec.volumes.find((v: any) => v.name === mount.name);
		assert.ok(volume?.secret, `${name}: ${variable} comes from volume ${mount.name}, which is no Secret`);
		const file = path.slice(mount.mountPath.length + 1);
		const key = volume.secret.items ? volume.secret.items.find((item: any) => item.path === file)?.key : file;
		assert.ok(key, `${name}: the volume ${mount.name} has no file ${file}`);
		const copy = join(mountedFiles, `${k.overlay}-${name}-${variable}`);
		writeFileSync(copy, k.secretValue(volume.secret.secretName, key, `${name} ${variable}`));
		env[variable] = copy;
	}
	return { names, env };
}

function servicePod(k: Rendered, set: Resource): ServicePod {
	const containers = set.spec.template.spec.containers as Array<{ name: string }>;
	assert.deepEqual(
		containers.map((container) => container.name).sort(),
		["log-agent", "service"],
		`${set.metadata.name}: the service and its log agent (named like those in k8s/base/service-pod.yaml and k8s/components/log-agent/sidecar.yaml?)`,
	);
	// `kubectl logs|exec <pod>` picks this container without -c.
	assert.equal(
		set.spec.template.metadata.annotations?.["kubectl.kubernetes.io/default-container"],
		"service",
	);
	const container = containers.find((c) => c.name === "service") as any;
	const logAgent = containers.find((c) => c.name === "log-agent") as any;
	const { names, env } = podEnv(k, set, container);
	const config = acceptedConfig(env, `k8s/overlays/${k.overlay} StatefulSet ${set.metadata.name}`);
	return { set, names, env, config, container, logAgent };
}

/** kubectl kustomize, once per overlay; skipped (saying why) only where kubectl is not installed. */
const builds = new Map<string, Rendered | { missing: string }>();
function kustomizeBuild(overlay: string): Rendered | { missing: string } {
	const cached = builds.get(overlay);
	if (cached) return cached;
	const dir = join(ROOT, "k8s/overlays", overlay);
	const kubectl = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
	let build: Rendered | { missing: string };
	if ((kubectl.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
		// CI (.ci/run) has kubectl and sets REQUIRE_KUBECTL: there a missing kubectl fails instead of skipping.
		assert.ok(!process.env.REQUIRE_KUBECTL, "kubectl is required here (REQUIRE_KUBECTL) but not installed");
		build = { missing: "kubectl is not installed, so k8s/ cannot be rendered (kubectl kustomize)" };
	} else {
		assert.ifError(kubectl.error);
		assert.equal(kubectl.status, 0, `kubectl kustomize k8s/overlays/${overlay} failed: ${kubectl.stderr}`);
		build = new Rendered(overlay, yamlDocuments(kubectl.stdout, `kubectl kustomize k8s/overlays/${overlay}`));
	}
	builds.set(overlay, build);
	return build;
}

/** The checks below, each run on every overlay (the describe blocks at the end of this section). */
const renderedChecks: Array<[string, (k: Rendered, t: TestContext) => void]> = [];
function itRendered(name: string, check: (k: Rendered, t: TestContext) => void): void {
	renderedChecks.push([name, check]);
}

type KubernetesModel = new (data: unknown) => { validate(): void };
/** kubernetes-models (Kubernetes 1.36.0, pinned by package-lock.json) and the Strimzi and Prometheus Operator CRDs. */
const MODELS = { ...kubernetesModels, ...strimziModels, ...prometheusOperatorModels } as unknown as Record<
	string,
	Record<string, Record<string, KubernetesModel> | KubernetesModel>
>;

/** The model class of an object: `networking.k8s.io/v1` is networkingK8sIo.v1, core `v1` is v1. */
function kubernetesModel(resource: Resource): KubernetesModel | undefined {
	const [group, version] = resource.apiVersion.includes("/")
		? resource.apiVersion.split("/")
		: ["", resource.apiVersion];
	if (group === "") return (MODELS[version] as Record<string, KubernetesModel> | undefined)?.[resource.kind];
	const moduleName = group
		.split(".")
		.map((part, i) => (i === 0 ? part : part[0].toUpperCase() + part.slice(1)))
		.join("");
	return (MODELS[moduleName]?.[version] as Record<string, KubernetesModel> | undefined)?.[resource.kind];
}

/**
 * kustomize wraps a generated Secret's base64 values over several lines; the API server's decoder (Go's
 * base64) skips the line breaks, the schema's `byte` format does not.
 */
function apiServerView(resource: Resource): Resource {
	if (resource.kind !== "Secret" || !resource.data) return resource;
	const data = Object.fromEntries(
		Object.entries(resource.data).map(([key, value]) => [key, String(value).replace(/\s/g, "")]),
	);
	return { ...resource, data };
}

itRendered(
	"validate, every object, against the schemas of Kubernetes 1.36 and of the operators' CRDs",
	(k, t) => {
		const kinds = new Map<string, number>();
		for (const resource of k.resources) {
			const Model = kubernetesModel(resource);
			assert.ok(Model, `no schema for ${resource.apiVersion} ${resource.kind}`);
			assert.doesNotThrow(
				() => new Model(apiServerView(resource)).validate(),
				`${resource.kind}/${resource.metadata.name}`,
			);
			// Built-in kinds at their stable versions only (kubernetes-models also keeps removed beta APIs).
			if (!resource.apiVersion.includes(".") || resource.apiVersion.includes(".k8s.io/"))
				assert.match(
					resource.apiVersion,
					/(^|\/)v\d+$/,
					`${resource.kind}/${resource.metadata.name}: ${resource.apiVersion}`,
				);
			kinds.set(resource.kind, (kinds.get(resource.kind) ?? 0) + 1);
		}
		t.diagnostic(
			`${k.resources.length} objects validated: ${[...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ")}`,
		);
		for (const kind of [
			"StatefulSet",
			"Service",
			"Ingress",
			"NetworkPolicy",
			"HorizontalPodAutoscaler",
			"PodDisruptionBudget",
			"ServiceMonitor",
			"PrometheusRule",
		])
			assert.ok(kinds.has(kind), `renders no ${kind}`);
	},
);

itRendered("put everything in the namespace cleaning-platform", (k) => {
	assert.deepEqual(
		k.ofKind("Namespace").map((namespace) => namespace.metadata.name),
		[NAMESPACE],
	);
	for (const resource of k.resources) {
		if (resource.kind === "Namespace") continue;
		assert.equal(resource.metadata.namespace, NAMESPACE, `${resource.kind}/${resource.metadata.name}`);
	}
});

itRendered("have one StatefulSet per deployable service, none for the development identity provider", (k) => {
	const run = k.services.flatMap((pod) => pod.config.services);
	assert.deepEqual(
		[...run].sort(),
		[...DEPLOYED].sort(),
		"a new service: docs/deployment.md, Adding a service",
	);
	for (const pod of k.services) {
		assert.deepEqual(pod.config.services, [pod.set.metadata.name], "one service per StatefulSet");
		assert.equal(pod.config.mode, "cluster");
	}
});

itRendered(
	"run every service as a StatefulSet, started in parallel and rolled pod by pod, with no volumes",
	(k) => {
		const image = k.services[0]?.container.image;
		const others = k.resources.filter(
			(resource) =>
				WORKLOAD_KINDS.includes(resource.kind) &&
				resource.kind !== "StatefulSet" &&
				resource.spec.template.spec.containers.some((c: any) => c.image === image),
		);
		assert.deepEqual(
			others.map((resource) => `${resource.kind}/${resource.metadata.name}`),
			[],
			"a Deployment's pod names change at every restart: NODE_ID, and with it the node's Kafka topics and group",
		);
		// StatefulSetSpec's fields: anything else (a Deployment's strategy or progressDeadlineSeconds left in the
		// patch) renders fine but is refused by `kubectl apply`.
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
		for (const { set } of k.platformPods) {
			const name = set.metadata.name;
			for (const field of Object.keys(set.spec))
				assert.ok(specFields.includes(field), `${name}: spec.${field} is not a StatefulSet field`);
			assert.equal(set.spec.podManagementPolicy, "Parallel", `${name}: podManagementPolicy`);
			assert.equal(set.spec.updateStrategy?.type, "RollingUpdate", `${name}: updateStrategy`);
			assert.equal(set.spec.volumeClaimTemplates, undefined, `${name}: the services keep no state`);
			assert.equal(set.spec.ordinals, undefined, `${name}: pods numbered from 0`);
		}
	},
);

itRendered("govern each service's StatefulSet by a headless Service of its own, selecting its pods", (k) => {
	for (const { set } of k.platformPods) {
		const name = set.metadata.name;
		const service = k.named("Service", set.spec.serviceName);
		assert.ok(service, `${name}: serviceName ${set.spec.serviceName} is not a Service`);
		assert.equal(service.spec.clusterIP, "None", `${name}: Service ${service.metadata.name} is not headless`);
		assert.ok(matches(service.spec.selector ?? {}, set.spec.template.metadata.labels), `${name}: selector`);
		assert.ok(
			matches(set.spec.selector.matchLabels, set.spec.template.metadata.labels),
			`${name}: own selector`,
		);
		for (const port of service.spec.ports ?? [])
			containerPort(k.platformPods.find((p) => p.set === set)?.container, port.targetPort ?? port.port);
	}
	for (const service of k.ofKind("Service")) {
		const selected = k.pods.filter((pod) => selects({ matchLabels: service.spec.selector }, pod.labels));
		assert.ok(selected.length > 0, `Service ${service.metadata.name} selects no pod`);
		assert.equal(
			new Set(selected.map((pod) => pod.name)).size,
			1,
			`Service ${service.metadata.name}: one workload's pods`,
		);
	}
});

itRendered("set only variables that config/index.ts reads, with values it accepts", (k) => {
	for (const pod of k.platformPods) {
		assertKnownVariables(pod.names, `StatefulSet ${pod.set.metadata.name}`);
		assert.equal(new Set(pod.names).size, pod.names.length, `${pod.set.metadata.name}: a name set twice`);
	}
	const read = new Set(
		k.platformPods.flatMap((pod) =>
			(pod.container.envFrom ?? []).map((source: any) => source.configMapRef.name),
		),
	);
	for (const name of read) assertKnownVariables(Object.keys(k.configMapData(name)), `ConfigMap ${name}`);
});

itRendered("give each pod its stable name as NODE_ID, and only its own database URL and Kafka login", (k) => {
	for (const pod of k.platformPods) {
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
			const database = pod.config.databases[owner];
			assert.ok(database.dialect === "mysql" && database.database === `${owner}_db`, `${name}: database`);
		}
		// Its own Kafka principal, over TLS: the username is the service's name, the password its own Secret.
		assert.equal(pod.env.KAFKA_SASL_USERNAME, name, `${name}: Kafka principal`);
		assert.ok(
			pod.config.kafkaSecurity.tls && pod.config.kafkaSecurity.sasl?.mechanism === "scram-sha-512",
			name,
		);
		const volume = pod.set.spec.template.spec.volumes.find((v: any) => v.name === "kafka-user");
		assert.equal(volume?.secret?.secretName, name, `${name}: the Secret of its Kafka password`);
	}
});

itRendered("probe liveness and readiness, and announce metrics, on the ops port's real paths", (k) => {
	for (const pod of k.platformPods) {
		const name = pod.set.metadata.name;
		const { livenessProbe, readinessProbe } = pod.container;
		assert.equal(livenessProbe?.httpGet?.path, "/health/live", `${name}: liveness`);
		assert.equal(readinessProbe?.httpGet?.path, "/health/ready", `${name}: readiness`);
		for (const probe of [livenessProbe, readinessProbe, pod.container.startupProbe].filter(Boolean))
			assert.equal(
				containerPort(pod.container, probe.httpGet.port),
				pod.config.opsPort,
				`${name}: probe port`,
			);
		const annotations = pod.set.spec.template.metadata.annotations ?? {};
		assert.equal(annotations["prometheus.io/scrape"], "true", `${name}: scrape`);
		assert.equal(annotations["prometheus.io/port"], String(pod.config.opsPort), `${name}: scrape port`);
		assert.equal(annotations["prometheus.io/path"], "/actuator/prometheus", `${name}: scrape path`);
	}
});

itRendered(
	"run the services non-root, read-only, with memory from the measured RSS and time to shut down",
	(k) => {
		for (const pod of k.platformPods) {
			const name = pod.set.metadata.name;
			const spec = pod.set.spec.template.spec;
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
	},
);

itRendered("meet the restricted Pod Security Standard the namespace enforces, in every pod", (k) => {
	assert.equal(
		k.named("Namespace", NAMESPACE)?.metadata.labels?.["pod-security.kubernetes.io/enforce"],
		"restricted",
	);
	const templates = k.resources
		.filter((resource) => WORKLOAD_KINDS.includes(resource.kind))
		.map((workload) => ({
			name: `${workload.kind}/${workload.metadata.name}`,
			spec: workload.spec.template.spec,
		}))
		.concat(
			k
				.ofKind("Prometheus")
				.map((p) => ({ name: `Prometheus/${p.metadata.name}`, spec: { ...p.spec, containers: [] } })),
		);
	for (const { name, spec } of templates) {
		assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, `${name}: host namespaces`);
		assert.ok(!(spec.volumes ?? []).some((v: any) => v.hostPath), `${name}: hostPath`);
		for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
			const where = `${name} ${container.name}`;
			const context = { ...spec.securityContext, ...container.securityContext };
			assert.equal(context.runAsNonRoot, true, `${where}: runAsNonRoot`);
			assert.notEqual(context.runAsUser, 0, `${where}: runAsUser`);
			assert.ok(["RuntimeDefault", "Localhost"].includes(context.seccompProfile?.type), `${where}: seccomp`);
			assert.equal(
				container.securityContext?.allowPrivilegeEscalation,
				false,
				`${where}: allowPrivilegeEscalation`,
			);
			assert.ok(container.securityContext?.capabilities?.drop?.includes("ALL"), `${where}: capabilities`);
			assert.notEqual(container.securityContext?.privileged, true, `${where}: privileged`);
		}
		if (name.startsWith("Prometheus/")) {
			assert.equal(spec.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`);
			assert.equal(spec.securityContext?.seccompProfile?.type, "RuntimeDefault", `${name}: seccomp`);
		}
	}
});

itRendered(
	"run every service at least twice, under a PodDisruptionBudget; autoscale the gateway and booking",
	(k) => {
		for (const { set } of k.services) {
			const name = set.metadata.name;
			assert.ok(set.spec.replicas >= 2, `${name}: replicas (one would make every rollout an outage)`);
			const budgets = k
				.ofKind("PodDisruptionBudget")
				.filter((pdb) => selects(pdb.spec.selector, set.spec.template.metadata.labels));
			assert.equal(budgets.length, 1, `${name}: PodDisruptionBudget`);
			assert.ok(
				budgets[0].spec.minAvailable >= 1 && budgets[0].spec.minAvailable < set.spec.replicas,
				`${name}: minAvailable`,
			);
		}
		const autoscaled = k.ofKind("HorizontalPodAutoscaler").map((hpa) => {
			const target = k.services.find((pod) => pod.set.metadata.name === hpa.spec.scaleTargetRef.name);
			assert.ok(
				target && hpa.spec.scaleTargetRef.kind === "StatefulSet",
				`HPA ${hpa.metadata.name}: its target`,
			);
			assert.ok(
				hpa.spec.minReplicas >= target.set.spec.replicas && hpa.spec.maxReplicas > hpa.spec.minReplicas,
				hpa.metadata.name,
			);
			return hpa.spec.scaleTargetRef.name;
		});
		assert.deepEqual(autoscaled.sort(), ["booking", "gateway"]);
	},
);

itRendered("route the Ingress to the gateway Service, and the Service to the gateway's HTTP port", (k) => {
	const gateway = k.services.find((pod) => pod.config.services.includes("gateway"));
	assert.ok(gateway);
	const [ingress] = k.ofKind("Ingress");
	assert.ok(ingress, "an Ingress");
	assert.equal(ingress.spec.ingressClassName, "nginx");
	assert.ok(ingress.spec.tls?.[0]?.secretName, "TLS secret name");
	const backends = ingress.spec.rules.flatMap((rule: any) =>
		rule.http.paths.map((path: any) => path.backend),
	);
	assert.ok(backends.length > 0);
	for (const backend of backends) {
		const service = k.named("Service", backend.service.name);
		assert.ok(service, `Service ${backend.service.name}`);
		assert.notEqual(service.spec.clusterIP, "None", "the Ingress's Service balances over the gateway pods");
		assert.ok(matches(service.spec.selector, gateway.set.spec.template.metadata.labels), "selector");
		const port = service.spec.ports.find(
			(candidate: any) =>
				candidate.name === backend.service.port.name || candidate.port === backend.service.port.number,
		);
		assert.ok(port, `the Ingress names a port the Service lacks: ${JSON.stringify(backend.service.port)}`);
		assert.equal(containerPort(gateway.container, port.targetPort), gateway.config.http.port, "target port");
	}
});

itRendered("run the image the overlay names, in every service", (k) => {
	const [image, ...more] = k.kustomization.images ?? [];
	assert.ok(
		image?.newTag && more.length === 0,
		`k8s/overlays/${k.overlay}/kustomization.yaml sets the one image`,
	);
	for (const pod of k.platformPods)
		assert.equal(
			pod.container.image,
			`${image.newName ?? image.name}:${image.newTag}`,
			pod.set.metadata.name,
		);
});

itRendered("keep example Secrets out of the kustomization, with placeholders only", (k) => {
	const file = exampleSecretsFile(k.overlay);
	for (const overlay of OVERLAYS) {
		const listed = parseYaml(read(`k8s/overlays/${overlay}/kustomization.yaml`)).resources ?? [];
		assert.ok(
			!listed.some((entry: string) => entry.includes("example")),
			`${overlay}: applying it would overwrite real credentials`,
		);
	}
	if (!existsSync(join(ROOT, file))) return;
	for (const secret of yamlDocuments(read(file), file)) {
		assert.equal(secret.kind, "Secret");
		for (const value of Object.values(secret.stringData ?? {}))
			assert.match(String(value), /CHANGE_ME/, `${file}: ${secret.metadata.name}`);
	}
});

// The log agent (Grafana Alloy) in every service pod: one definition, k8s/components/log-agent.
itRendered(
	"run the log agent beside every service: its files, its environment, and the only token in the pod",
	(k) => {
		const roles = k.ofKind("Role");
		const bindings = k.ofKind("RoleBinding");
		for (const pod of k.platformPods) {
			const name = pod.set.metadata.name;
			const spec = pod.set.spec.template.spec;
			const agent = pod.logAgent;
			// Its configuration: the generated ConfigMap with exactly the repository's files, where it imports them.
			const configVolume = spec.volumes.find(
				(v: any) => v.name === agent.volumeMounts.find((m: any) => m.mountPath === "/etc/alloy")?.name,
			);
			const map = k.named("ConfigMap", configVolume?.configMap?.name);
			assert.ok(map, `${name}: the log agent's ConfigMap`);
			assert.ok(map.metadata.name.startsWith("cleaning-platform-log-agent-"), `${name}: its generated name`);
			assert.deepEqual(map.data, { "config.alloy": read(ALLOY.sidecar), "pino.alloy": read(ALLOY.module) });
			assert.equal(agent.args.at(-1), "/etc/alloy/config.alloy", `${name}: the configuration it runs`);
			assert.equal(alloyImport(ALLOY.sidecar), "/etc/alloy/pino.alloy");
			// Every variable the configuration reads is set.
			const env = new Set((agent.env ?? []).map((variable: any) => variable.name));
			for (const [, variable] of read(ALLOY.sidecar).matchAll(/sys\.env\("([A-Z_]+)"\)/g))
				assert.ok(env.has(variable), `${name}: the log agent's ${variable}`);
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
			assert.ok(mebibytes(agent.resources?.limits?.memory) >= 64, `${name}: the agent's memory limit`);
		}
	},
);

/** Hosts and ports a service pod connects to, from its configuration (and its log agent's). */
function destinations(k: Rendered, pod: ServicePod): Array<{ what: string; host: string; port: number }> {
	const url = (what: string, value: string | undefined, defaultPort: number) => {
		if (!value) return [];
		const parsed = new URL(value);
		return [{ what, host: parsed.hostname, port: Number(parsed.port || defaultPort) }];
	};
	const loki = k.configMapData(
		pod.logAgent.env.find((v: any) => v.name === "LOKI_PUSH_URL").valueFrom.configMapKeyRef.name,
	).LOKI_PUSH_URL;
	return [
		...url("Kafka", pod.env.TRANSPORTER_URL, 9092),
		...url("Kafka (events)", pod.env.EVENTS_KAFKA_URL, 9092),
		...url("Redis", pod.env.CACHER_URL, 6379),
		...pod.names
			.filter((n) => n.endsWith("_DB_URL"))
			.flatMap((n) => url(`its database (${n})`, pod.env[n], 3306)),
		...(pod.config.services.includes("gateway")
			? url("the identity provider", pod.config.oidc.issuer, 443)
			: []),
		...url("the SMTP relay", pod.env.SMTP_URL, 587),
		...url("Loki (its log agent)", loki, 80),
	];
}

/** Somewhere no service has any business with. */
const INTRUDER_ADDRESS = { name: "an address outside", ip: "203.0.113.9" };
/** Addresses no pod may reach, whatever it sends to the internet: the cluster's own ranges and cloud metadata. */
const INTERNAL_ADDRESSES = [
	{ name: "a private address", ip: "10.1.2.3" },
	{ name: "a private address", ip: "172.20.0.5" },
	{ name: "a private address", ip: "192.168.1.1" },
	{ name: "the cloud metadata endpoint", ip: "169.254.169.254" },
	{ name: "a loopback address", ip: "127.0.0.1" },
];
/** The webhooks service sends partners' webhooks to public addresses over HTTPS, and only there. */
const SENDS_TO_INTERNET = "webhook";

itRendered(
	"deny by default: the gateway from the Ingress controller, the ops ports from Prometheus only",
	(k) => {
		const intruders: Peer[] = [
			{
				name: "a pod of the namespace",
				namespace: NAMESPACE,
				labels: { "app.kubernetes.io/name": "intruder" },
			},
			{ name: "a pod of another namespace", namespace: "default", labels: {} },
		];
		for (const pod of k.pods) {
			const isolated = k.networkPolicies.some(
				(policy) =>
					selects(policy.spec.podSelector, pod.labels) &&
					(policy.spec.policyTypes ?? ["Ingress"]).includes("Ingress"),
			);
			assert.ok(isolated, `${pod.name}: no policy denies its ingress by default`);
			for (const intruder of intruders)
				for (const port of pod.ports ?? [])
					assert.ok(
						!k.allows(intruder, pod, port.containerPort),
						`${intruder.name} reaches ${pod.name}:${port.containerPort}`,
					);
		}
		const ingressController: Peer = { name: "ingress-nginx", namespace: "ingress-nginx", labels: {} };
		const prometheus: Peer = k.pods.find((pod) => pod.labels["app.kubernetes.io/name"] === "prometheus") ?? {
			name: "the cluster's Prometheus",
			namespace: "monitoring",
			labels: { "app.kubernetes.io/name": "prometheus" },
		};
		for (const pod of k.platformPods) {
			const self = k.pods.find((p) => p.name === pod.set.metadata.name);
			assert.ok(self);
			const isGateway = pod.config.services.includes("gateway");
			assert.ok(k.allows(prometheus, self, pod.config.opsPort), `${prometheus.name} scrapes ${self.name}`);
			assert.ok(
				!k.allows(ingressController, self, pod.config.opsPort),
				`the Ingress controller reaches ${self.name}'s ops port`,
			);
			if (isGateway) {
				assert.ok(
					k.allows(ingressController, self, pod.config.http.port),
					"the Ingress controller reaches the gateway",
				);
				assert.ok(
					!k.allows(prometheus, self, pod.config.http.port),
					"Prometheus reaches the gateway's HTTP port",
				);
			}
			// The services talk through Kafka only: no service reaches another's pods.
			for (const other of k.platformPods) {
				const otherPod = k.pods.find((p) => p.name === other.set.metadata.name);
				assert.ok(otherPod);
				assert.ok(!k.allows(self, otherPod, other.config.opsPort), `${self.name} reaches ${otherPod.name}`);
			}
		}
	},
);

itRendered(
	"let the services open connections only to Kafka, their own database, Redis, DNS, the identity provider and Loki",
	(k) => {
		const dns: Peer = { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
		const databases = k.pods.filter((pod) => pod.labels["app.kubernetes.io/component"] === "database");
		// Ports the policies open towards addresses outside the cluster (the managed services in prod).
		const outsidePorts = (self: Peer) =>
			k.networkPolicies
				.filter(
					(policy) => isPod(self) && selects(policy.spec.podSelector, self.labels) && policy.spec.egress,
				)
				.flatMap((policy) => policy.spec.egress)
				.filter((rule: any) => (rule.to ?? []).some((peer: any) => peer.ipBlock))
				.flatMap((rule: any) => rule.ports.map((port: any) => port.port));
		for (const pod of k.platformPods) {
			const name = pod.set.metadata.name;
			const self = k.pods.find((p) => p.name === name);
			assert.ok(self);
			assert.ok(k.allows(self, dns, 53, "UDP") && k.allows(self, dns, 53, "TCP"), `${name}: DNS`);
			const partnerHttps = pod.config.services.includes(SENDS_TO_INTERNET);
			assert.equal(
				k.allows(self, INTRUDER_ADDRESS, 443),
				partnerHttps,
				`${name} → ${INTRUDER_ADDRESS.ip}:443`,
			);
			assert.ok(!k.allows(self, INTRUDER_ADDRESS, 80), `${name} reaches ${INTRUDER_ADDRESS.ip}:80`);
			for (const internal of INTERNAL_ADDRESSES)
				if (partnerHttps)
					assert.ok(!k.allows(self, internal, 443), `${name} reaches ${internal.name} ${internal.ip}`);
			const allowedOutside = new Set(outsidePorts(self));
			for (const destination of destinations(k, pod)) {
				const where = `${name} → ${destination.what} ${destination.host}:${destination.port}`;
				const inside = k.podsOfHost(destination.host);
				if (inside) {
					assert.ok(inside.length > 0, `${where}: no pod behind it`);
					for (const target of inside)
						assert.ok(k.allows(self, target, destination.port), `${where}: denied`);
				} else assert.ok(allowedOutside.has(destination.port), `${where}: no egress policy opens the port`);
			}
			// The log agent reads its pod's log from the Kubernetes API server (outside the pod network).
			assert.ok(
				allowedOutside.has(443) || allowedOutside.has(6443),
				`${name}: the log agent's Kubernetes API`,
			);
			const own = pod.names.filter((n) => n.endsWith("_DB_URL")).map((n) => new URL(pod.env[n]).hostname);
			for (const database of databases) {
				const isOwn = own.some((host) => k.podsOfHost(host)?.includes(database));
				assert.equal(k.allows(self, database, 3306), isOwn, `${name} → ${database.name}`);
			}
			if (pod.names.every((n) => !n.endsWith("_DB_URL")))
				assert.ok(!allowedOutside.has(3306), `${name} owns no database but may reach MySQL's port`);
		}
	},
);

// ------------------------------------------------------------------------------------- in-namespace Kafka

/** Whether a KafkaUser's ACLs allow an operation on a resource (Kafka's simple authorizer: deny by default). */
function kafkaAllows(user: Resource, type: "topic" | "group", name: string, operation: string): boolean {
	return (user.spec.authorization?.acls ?? []).some(
		(acl: any) =>
			(acl.type ?? "allow") === "allow" &&
			acl.resource.type === type &&
			(acl.resource.patternType === "prefix"
				? name.startsWith(acl.resource.name)
				: acl.resource.name === name) &&
			(acl.operations.includes(operation) || acl.operations.includes("All")),
	);
}

/**
 * A KafkaUser's ACLs are exactly the rules of the one list, infra/kafka/acls.tsv, for its principal; Create on
 * the domain-event topics aside, since the KafkaTopics create them here.
 */
function assertAclsOfTheList(user: Resource, config: AppConfig): void {
	const scope = { namespace: config.namespace, eventsPrefix: config.events.topicPrefix };
	const expected = grants(readAclRules(), scope)
		.filter((grant) => grant.principal === user.metadata.name)
		.filter((grant) => !(grant.operation === "Create" && !grant.name.startsWith("MOL-")))
		.map(({ resource, pattern, name, operation }) => `${resource} ${pattern} ${name} ${operation}`);
	const actual = user.spec.authorization.acls.flatMap((acl: any) =>
		acl.operations.map((operation: string) => {
			const pattern = acl.resource.patternType === "prefix" ? "prefixed" : "literal";
			return `${acl.resource.type} ${pattern} ${acl.resource.name} ${operation}`;
		}),
	);
	assert.deepEqual(actual.sort(), expected.sort(), `${user.metadata.name}: the ACLs of infra/kafka/acls.tsv`);
}

itRendered(
	"give Strimzi's Kafka the domain-event topics and one principal per service, with the ACLs of docs/events.md",
	(k) => {
		const [kafka, ...more] = k.ofKind("Kafka");
		if (!kafka) return;
		assert.equal(more.length, 0, "one Kafka");
		assert.equal(kafka.spec.kafka.authorization?.type, "simple", "ACLs are enforced");
		for (const listener of kafka.spec.kafka.listeners)
			assert.ok(
				listener.tls && listener.authentication?.type === "scram-sha-512",
				`listener ${listener.name}: TLS and SCRAM`,
			);
		const cluster = kafka.metadata.name;
		for (const resource of [
			...k.ofKind("KafkaTopic"),
			...k.ofKind("KafkaUser"),
			...k.ofKind("KafkaNodePool"),
		])
			assert.equal(
				resource.metadata.labels?.["strimzi.io/cluster"],
				cluster,
				`${resource.kind}/${resource.metadata.name}: its cluster`,
			);
		// The topics the application would create, as it would create them.
		const events = k.services.find((pod) => pod.config.events.kafkaBrokers);
		assert.ok(events, "a service using the domain-event topics");
		const topics = k.ofKind("KafkaTopic");
		assert.deepEqual(topics.map((topic) => topic.spec.topicName).sort(), [...ALL_TOPICS].sort());
		for (const topic of topics) {
			assert.equal(
				topic.spec.partitions,
				events.config.events.topicPartitions,
				`${topic.spec.topicName}: partitions`,
			);
			assert.equal(
				Number(topic.spec.config["retention.ms"]),
				events.config.events.retentionMs,
				`${topic.spec.topicName}: retention`,
			);
		}
		// One principal per service; the transporter works for each.
		const users = new Map(k.ofKind("KafkaUser").map((user) => [user.metadata.name, user]));
		assert.deepEqual([...users.keys()].sort(), k.platformPods.map((pod) => pod.set.metadata.name).sort());
		for (const pod of k.platformPods) {
			const user = users.get(pod.env.KAFKA_SASL_USERNAME);
			assert.ok(user, `${pod.set.metadata.name}: a KafkaUser named ${pod.env.KAFKA_SASL_USERNAME}`);
			assert.equal(user.spec.authentication.type, "scram-sha-512");
			const transporterTopic = `MOL-${pod.config.namespace}.REQ.${podName(pod.set, 0)}`;
			for (const operation of ["Read", "Write", "Create", "Describe"])
				assert.ok(
					kafkaAllows(user, "topic", transporterTopic, operation),
					`${user.metadata.name}: ${operation} ${transporterTopic}`,
				);
			assert.ok(
				kafkaAllows(user, "group", `MOL-${pod.config.namespace}.${podName(pod.set, 0)}`, "Read"),
				`${user.metadata.name}: its group`,
			);
			assertAclsOfTheList(user, pod.config);
		}
		// Only booking writes the domain-event topics; each consumer group reads its topics and parks dead letters.
		const allowed = (type: "topic" | "group", name: string, operation: string) =>
			[...users.values()]
				.filter((user) => kafkaAllows(user, type, name, operation))
				.map((user) => user.metadata.name)
				.sort();
		for (const topic of Object.values(TOPICS)) {
			const consumers = Object.entries(CONSUMER_GROUPS)
				.filter(([, group]) => (group.topics as readonly string[]).includes(topic))
				.map(([service]) => service)
				.sort();
			assert.deepEqual(allowed("topic", topic, "Write"), ["booking"], `who writes ${topic}`);
			assert.deepEqual(allowed("topic", topic, "Read"), consumers, `who reads ${topic}`);
			assert.deepEqual(
				allowed("topic", deadLetterTopic(topic), "Write"),
				consumers,
				`who writes ${deadLetterTopic(topic)}`,
			);
		}
		for (const [service, { group }] of Object.entries(CONSUMER_GROUPS))
			assert.deepEqual(allowed("group", group, "Read"), [service], `who joins ${group}`);
		// The domain-event groups: read by their members, never deleted, altered or reset by anyone.
		for (const { group } of Object.values(CONSUMER_GROUPS))
			for (const operation of ["Delete", "Alter", "AlterConfigs", "All"])
				assert.deepEqual(allowed("group", group, operation), [], `who may ${operation} ${group}`);
		assert.deepEqual(allowed("topic", "some-other-topic", "Write"), [], "nothing else is writable");
		// The ops node inspects the groups and reads and purges the dead letters (docs/operations.md).
		for (const ops of k.opsNodes) {
			const user = users.get(ops.env.KAFKA_SASL_USERNAME);
			assert.ok(user, `${ops.set.metadata.name}: its KafkaUser`);
			for (const { group } of Object.values(CONSUMER_GROUPS))
				assert.ok(kafkaAllows(user, "group", group, "Describe"), `ops: Describe ${group}`);
			for (const topic of Object.values(TOPICS).map(deadLetterTopic)) {
				for (const operation of ["Read", "Describe", "Delete"])
					assert.ok(kafkaAllows(user, "topic", topic, operation), `ops: ${operation} ${topic}`);
			}
			assert.ok(
				kafkaAllows(user, "group", `${ops.config.events.topicPrefix}reader-${ops.config.nodeId}-x`, "Read"),
				"ops: its reader groups",
			);
			assertAclsOfTheList(user, ops.config);
		}
	},
);

itRendered("give dev one MySQL per database owner, with the database, user and password of its URL", (k) => {
	const databases = k.pods.filter((pod) => pod.labels["app.kubernetes.io/component"] === "database");
	if (databases.length === 0) return;
	assert.equal(databases.length, DATABASE_OWNERS.length, "one MySQL per database owner");
	for (const pod of k.services) {
		for (const variable of pod.names.filter((n) => n.endsWith("_DB_URL"))) {
			const url = new URL(pod.env[variable]);
			const set = k.named("StatefulSet", k.named("Service", url.hostname)?.metadata.name ?? "");
			assert.ok(set, `${variable}: host ${url.hostname} is a MySQL StatefulSet's Service`);
			const secret = set.spec.template.spec.containers[0].envFrom[0].secretRef.name;
			const value = (key: string) => k.secretValue(secret, key, `${set.metadata.name} ${key}`);
			assert.equal(value("MYSQL_DATABASE"), url.pathname.slice(1), `${variable}: database`);
			assert.equal(value("MYSQL_USER"), decodeURIComponent(url.username), `${variable}: user`);
			assert.equal(value("MYSQL_PASSWORD"), decodeURIComponent(url.password), `${variable}: password`);
		}
	}
});

// -------------------------------------------------------------------------------------------- monitoring

itRendered("scrape every service pod once through the ServiceMonitor, and load the alert rules", (k) => {
	const [monitor] = k.ofKind("ServiceMonitor");
	assert.ok(monitor, "a ServiceMonitor");
	const scraped = k
		.ofKind("Service")
		.filter((service) => selects(monitor.spec.selector, service.metadata.labels))
		.filter((service) =>
			service.spec.ports.some((port: any) => monitor.spec.endpoints.some((e: any) => e.port === port.name)),
		);
	const pods = scraped.flatMap((service) =>
		k.platformPods.filter((pod) => matches(service.spec.selector, pod.set.spec.template.metadata.labels)),
	);
	assert.deepEqual(
		pods.map((pod) => pod.set.metadata.name).sort(),
		k.platformPods.map((pod) => pod.set.metadata.name).sort(),
	);
	for (const endpoint of monitor.spec.endpoints)
		for (const pod of pods)
			assert.equal(containerPort(pod.container, endpoint.port), pod.config.opsPort, endpoint.port);
	const [rule] = k.ofKind("PrometheusRule");
	assert.deepEqual(rule?.spec.groups, parseYaml(read("infra/observability/alerts.yml")).groups);
	for (const prometheus of k.ofKind("Prometheus")) {
		assert.ok(
			selects(prometheus.spec.serviceMonitorSelector, monitor.metadata.labels),
			"Prometheus loads the ServiceMonitor",
		);
		assert.ok(selects(prometheus.spec.ruleSelector, rule.metadata.labels), "Prometheus loads the rules");
	}
});

itRendered(
	"provision dev's Grafana from infra/observability's files: data sources, dashboards, Loki's configuration",
	(k) => {
		const grafana = k.named("Deployment", "grafana");
		if (!grafana) return;
		const container = grafana.spec.template.spec.containers[0];
		const mountedAt = (path: string) => {
			const mount = container.volumeMounts.find((m: any) => m.mountPath === path);
			const volume = grafana.spec.template.spec.volumes.find((v: any) => v.name === mount?.name);
			assert.ok(volume?.configMap, `Grafana mounts no ConfigMap at ${path}`);
			return k.configMapData(volume.configMap.name);
		};
		const provider = parseYaml(read("infra/observability/grafana/provisioning/dashboards/dashboards.yml"));
		const dashboardDir = "infra/observability/grafana/dashboards";
		assert.deepEqual(
			mountedAt(provider.providers[0].options.path),
			Object.fromEntries(
				readdirSync(join(ROOT, dashboardDir)).map((file) => [file, read(join(dashboardDir, file))]),
			),
			"every dashboard, as the repository has it",
		);
		assert.deepEqual(mountedAt("/etc/grafana/provisioning/dashboards"), {
			"dashboards.yml": read("infra/observability/grafana/provisioning/dashboards/dashboards.yml"),
		});
		const datasources = read("infra/observability/grafana/provisioning/datasources/datasources.yml");
		assert.deepEqual(mountedAt("/etc/grafana/provisioning/datasources"), { "datasources.yml": datasources });
		for (const source of parseYaml(datasources).datasources.filter((s: any) => s.type !== "zipkin"))
			assert.ok(
				k.podsOfHost(new URL(source.url).hostname)?.length,
				`data source ${source.name}: no Service ${source.url}`,
			);
		const loki = k.named("StatefulSet", "loki");
		assert.deepEqual(k.configMapData(loki?.spec.template.spec.volumes[0].configMap.name), {
			"loki.yml": read("infra/observability/loki.yml"),
		});
	},
);

describe("k8s/components/monitoring", () => {
	it("holds the ServiceMonitor and PrometheusRule that infra/observability describes now (npm run k8s:monitoring)", () => {
		for (const [file, text] of monitoringFiles())
			assert.ok(readFileSync(file, "utf8") === text, `${file} is stale: run npm run k8s:monitoring`);
	});
});

for (const overlay of OVERLAYS) {
	describe(`k8s/overlays/${overlay}, as kubectl kustomize renders it`, () => {
		for (const [name, check] of renderedChecks) {
			it(name, (t) => {
				const build = kustomizeBuild(overlay);
				if ("missing" in build) t.skip(build.missing);
				else check(build, t);
			});
		}
	});
}

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
		const runtimeFiles = ["config", "lib", "mixins", "services", "demo", "scripts"]
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
		const start = /^SERVICEDIR=(\S+) node (.+)$/.exec(pkg.scripts.start);
		assert.ok(start, "package.json start script changed: update the Dockerfile CMD and this test");
		assert.match(dockerfile, new RegExp(`SERVICEDIR=${start[1]}\\b`));
		const cmd = JSON.parse(instructions("CMD").at(-1) ?? "[]") as string[];
		const runner = JSON.parse(read("node_modules/moleculer/package.json")).bin["moleculer-runner-esm"];
		const args = start[2].match(/"[^"]*"|\S+/g)?.map((arg) => arg.replace(/^"|"$/g, "")) ?? [];
		assert.ok(args.includes(join("node_modules/moleculer", runner)), "npm start runs moleculer-runner-esm");
		// The same node flags and arguments: the image runs what `npm start` runs, on the compiled modules
		// (tsconfig.build.json), and the REPL starts like `npm start`.
		const compiled = (arg: string) => arg.replace(/\.ts$/, ".js");
		assert.deepEqual(cmd, ["node", ...args.map(compiled)]);
		assert.equal(pkg.scripts.repl, `${pkg.scripts.start} --repl`, "npm run repl starts like npm start");
	});

	it("leaves tests and tooling out of the build context, but nothing the runtime loads", () => {
		const ignored = read(".dockerignore")
			.split("\n")
			.map((line) => line.trim())
			.filter((line) => line !== "" && !line.startsWith("#"));
		for (const needed of [
			"package.json",
			"package-lock.json",
			"tsconfig.json",
			"tsconfig.build.json",
			"moleculer.config.ts",
			"config",
			"lib",
			"mixins",
		]) {
			assert.ok(!ignored.includes(needed), `.dockerignore drops ${needed}`);
		}
		for (const needed of ["services", "demo", "scripts"]) assert.ok(!ignored.includes(needed), needed);
		for (const dropped of ["node_modules", ".git", "test"]) assert.ok(ignored.includes(dropped), dropped);
	});
});
