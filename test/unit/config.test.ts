import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { bool, ConfigError, type Env, int, list, oneOf, optionalStr, str, url } from "../../config/env.ts";
import {
	DATABASE_OWNERS,
	parseConfig,
	ConfigError as ReexportedConfigError,
	SERVICE_NAMES,
} from "../../config/index.ts";

/**
 * The variables that name the transporter and the cacher. They are not TRANSPORTER/CACHER because
 * moleculer-runner would apply those itself as broker options (see config/index.ts).
 */
const TRANSPORTER = "TRANSPORTER_URL";
const CACHER = "CACHER_URL";

/** A complete, valid cluster-mode environment for a process running booking and gateway. */
const CLUSTER: Env = {
	MODE: "cluster",
	SERVICES: "booking,gateway",
	[TRANSPORTER]: "kafka://kafka:9092",
	[CACHER]: "redis://redis:6379",
	BOOKING_DB_URL: "mysql://booking:secret@mysql-booking:3306/booking",
	EVENTS_KAFKA_URL: "kafka://events-kafka:9092",
};

/** Asserts that parsing `env` throws a ConfigError naming `variable`, in the form "VARIABLE: problem". */
function assertRejects(env: Env, variable: string, problem?: RegExp): void {
	assert.throws(
		() => parseConfig(env),
		(error: unknown) => {
			assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
			assert.equal(error.name, "ConfigError");
			assert.equal(error.variable, variable);
			assert.ok(error.message.startsWith(`${variable}: `), error.message);
			if (problem) assert.match(error.message, problem);
			return true;
		},
	);
}

describe("parseConfig: embedded mode defaults", () => {
	it("an empty environment gives the documented embedded defaults", () => {
		const sqlite = (owner: string) => ({ dialect: "sqlite", storage: `./data/${owner}.sqlite`, poolMax: 1 });
		assert.deepEqual(parseConfig({}), {
			mode: "embedded",
			role: "service",
			nodeId: `${hostname()}-all`,
			namespace: "cleaning",
			services: [
				"gateway",
				"customer",
				"vehicle",
				"cleaner",
				"booking",
				"configuration",
				"notification",
				"webhook",
				"identity",
			],
			logLevel: "info",
			transporter: null,
			requestTimeoutMs: 5000,
			drainDelayMs: 100,
			cacher: { kind: "memory" },
			kafkaSecurity: { tls: null, sasl: null },
			cacheTtlSeconds: 300,
			events: {
				kafkaBrokers: null,
				topicPrefix: "",
				topicPartitions: 3,
				retentionMs: 168 * 3_600_000,
				outboxPollMs: 200,
				handlerAttempts: 5,
				embeddedLogFile: "./data/events.sqlite",
			},
			databases: {
				customer: sqlite("customer"),
				vehicle: sqlite("vehicle"),
				cleaner: sqlite("cleaner"),
				booking: sqlite("booking"),
				configuration: sqlite("configuration"),
				notification: sqlite("notification"),
				webhook: sqlite("webhook"),
			},
			webhooks: {
				allowTestTargets: false,
				timeoutMs: 10_000,
				retryInitialMs: 30_000,
				retryMaxMs: 3_600_000,
				retryWindowMs: 86_400_000,
				disableAfterFailures: 50,
				pollMs: 1_000,
				retentionMs: 30 * 86_400_000,
				secretsKey: null,
				previousSecretsKey: null,
				embeddedKeyFile: "./data/webhook-secrets.key",
			},
			migrateOnStart: true,
			seedDemoData: true,
			http: {
				port: 3000,
				bodyLimit: "64kb",
				corsOrigins: ["http://localhost:5173"],
				rateLimitPerMinute: 300,
			},
			opsPort: 3001,
			oidc: {
				issuer: "http://127.0.0.1:4000",
				audience: "cleaning-platform-api",
				clockSkewSeconds: 30,
				rolesClaim: "realm_access.roles",
				devProviderPort: 4000,
				devProviderAccessTokenTtlSeconds: 3600,
			},
			platformTimeZone: "Europe/Amsterdam",
			zipkinUrl: null,
			mail: {
				smtp: null,
				from: "Cleaning Platform <no-reply@cleaning-platform.invalid>",
				defaultLanguage: "en",
				publicWebUrl: "http://localhost:3000",
				sendAttempts: 6,
				retryBaseMs: 30_000,
				pollMs: 1_000,
			},
		});
	});

	it("every service runs, and every database owner gets a database", () => {
		const config = parseConfig({});
		assert.deepEqual(config.services, [...SERVICE_NAMES]);
		assert.deepEqual(Object.keys(config.databases), [...DATABASE_OWNERS]);
	});

	it("the default issuer follows DEV_IDP_PORT", () => {
		const config = parseConfig({ DEV_IDP_PORT: "4100" });
		assert.equal(config.oidc.devProviderPort, 4100);
		assert.equal(config.oidc.issuer, "http://127.0.0.1:4100");
	});

	it("DATA_DIR moves the SQLite files", () => {
		assert.deepEqual(parseConfig({ DATA_DIR: "/var/lib/cp" }).databases.vehicle, {
			dialect: "sqlite",
			storage: "/var/lib/cp/vehicle.sqlite",
			poolMax: 1,
		});
	});

	it("a sqlite: URL names the file", () => {
		assert.deepEqual(parseConfig({ BOOKING_DB_URL: "sqlite::memory:" }).databases.booking, {
			dialect: "sqlite",
			storage: ":memory:",
			poolMax: 1,
		});
	});

	it("values are trimmed, and an empty value means the default", () => {
		const config = parseConfig({ PORT: " 8080 ", NAMESPACE: "", LOG_LEVEL: "  " });
		assert.equal(config.http.port, 8080);
		assert.equal(config.namespace, "cleaning");
		assert.equal(config.logLevel, "info");
	});

	it("explicit values override the defaults", () => {
		const config = parseConfig({
			NODE_ID: "node-a",
			NAMESPACE: "cleaning-staging",
			LOG_LEVEL: "debug",
			REQUEST_TIMEOUT_MS: "2500",
			DRAIN_DELAY_MS: "8000",
			CACHE_TTL_SECONDS: "30",
			DB_MIGRATE_ON_START: "no",
			SEED_DEMO_DATA: "off",
			PORT: "0",
			OPS_PORT: "9100",
			HTTP_BODY_LIMIT: "1mb",
			CORS_ORIGINS: "https://app.example.com, https://admin.example.com,,",
			RATE_LIMIT_PER_MINUTE: "1000",
			OIDC_ISSUER: "https://idp.example.com/realms/cleaning/",
			OIDC_AUDIENCE: "api",
			OIDC_CLOCK_SKEW_SECONDS: "0",
			OIDC_ROLES_CLAIM: "roles",
			DEV_IDP_ACCESS_TOKEN_TTL_SECONDS: "300",
			PLATFORM_TIME_ZONE: "America/New_York",
		});
		assert.equal(config.nodeId, "node-a");
		assert.equal(config.namespace, "cleaning-staging");
		assert.equal(config.logLevel, "debug");
		assert.equal(config.requestTimeoutMs, 2500);
		assert.equal(config.drainDelayMs, 8000);
		assert.equal(config.cacheTtlSeconds, 30);
		assert.equal(config.migrateOnStart, false);
		assert.equal(config.seedDemoData, false);
		assert.deepEqual(config.http, {
			port: 0,
			bodyLimit: "1mb",
			corsOrigins: ["https://app.example.com", "https://admin.example.com"],
			rateLimitPerMinute: 1000,
		});
		assert.equal(config.opsPort, 9100);
		assert.deepEqual(config.oidc, {
			issuer: "https://idp.example.com/realms/cleaning",
			audience: "api",
			clockSkewSeconds: 0,
			rolesClaim: "roles",
			devProviderPort: 4000,
			devProviderAccessTokenTtlSeconds: 300,
		});
		assert.equal(config.platformTimeZone, "America/New_York");
	});

	it("a subset of services names the node after them", () => {
		const config = parseConfig({ SERVICES: " booking , gateway " });
		assert.deepEqual(config.services, ["booking", "gateway"]);
		assert.equal(config.nodeId, `${hostname()}-booking+gateway`);
	});

	it("embedded mode may use Kafka and Redis when given", () => {
		const config = parseConfig({
			[TRANSPORTER]: "kafka://127.0.0.1:9092",
			[CACHER]: "redis://127.0.0.1:6379",
		});
		assert.equal(config.mode, "embedded");
		assert.equal(config.transporter, "kafka://127.0.0.1:9092");
		assert.deepEqual(config.cacher, { kind: "redis", url: "redis://127.0.0.1:6379" });
	});
});

describe("parseConfig: cluster mode", () => {
	it("a complete cluster environment parses", () => {
		const config = parseConfig(CLUSTER);
		assert.equal(config.mode, "cluster");
		assert.deepEqual(config.services, ["booking", "gateway"]);
		assert.equal(config.nodeId, `${hostname()}-booking+gateway`);
		assert.equal(config.transporter, "kafka://kafka:9092");
		assert.equal(config.drainDelayMs, 5000, "a stopping node drains before it refuses calls");
		assert.deepEqual(config.cacher, { kind: "redis", url: "redis://redis:6379" });
		assert.deepEqual(config.databases.booking, {
			dialect: "mysql",
			host: "mysql-booking",
			port: 3306,
			database: "booking",
			username: "booking",
			password: "secret",
			poolMax: 10,
		});
		assert.equal(config.seedDemoData, false);
		assert.equal(config.migrateOnStart, true);
	});

	it("databases of services the process does not run are not required", () => {
		const config = parseConfig(CLUSTER);
		assert.equal(config.databases.customer.dialect, "sqlite");
		assert.equal(config.databases.vehicle.dialect, "sqlite");
	});

	it("MySQL URLs: port default 3306, percent-encoded credentials decoded, mariadb accepted, pool size applied", () => {
		const config = parseConfig({
			...CLUSTER,
			BOOKING_DB_URL: "mariadb://bk%40ops:p%40ss%3Aw0rd%2F@db.internal/booking%2Dprod",
			DB_POOL_MAX: "25",
		});
		assert.deepEqual(config.databases.booking, {
			dialect: "mysql",
			host: "db.internal",
			port: 3306,
			database: "booking-prod",
			username: "bk@ops",
			password: "p@ss:w0rd/",
			poolMax: 25,
		});
		assert.equal(
			parseConfig({ ...CLUSTER, BOOKING_DB_URL: "mysql://u:p@db:3307/b" }).databases.booking.dialect,
			"mysql",
		);
	});

	it("a Redis URL with password and database passes through", () => {
		const config = parseConfig({ ...CLUSTER, [CACHER]: "redis://:p%40ss@redis:6380/2" });
		assert.deepEqual(config.cacher, { kind: "redis", url: "redis://:p%40ss@redis:6380/2" });
	});

	it("demo data can be switched on explicitly", () => {
		assert.equal(parseConfig({ ...CLUSTER, SEED_DEMO_DATA: "true" }).seedDemoData, true);
	});

	it("requires SERVICES", () => {
		const { SERVICES: _, ...env } = CLUSTER;
		assertRejects(env, "SERVICES", /required in cluster mode/);
		assertRejects({ ...CLUSTER, SERVICES: " , " }, "SERVICES", /required in cluster mode/);
	});

	it(`requires ${TRANSPORTER}`, () => {
		const { [TRANSPORTER]: _, ...env } = CLUSTER;
		assertRejects(env, TRANSPORTER, /required in cluster mode/);
	});

	it(`requires ${CACHER}`, () => {
		const { [CACHER]: _, ...env } = CLUSTER;
		assertRejects(env, CACHER, /required in cluster mode/);
	});

	it("requires the database URL of each service it runs", () => {
		const { BOOKING_DB_URL: _, ...env } = CLUSTER;
		assertRejects(env, "BOOKING_DB_URL", /required in cluster mode/);
		assertRejects(
			{ ...CLUSTER, SERVICES: "booking,customer" },
			"CUSTOMER_DB_URL",
			/required in cluster mode/,
		);
		assertRejects({ ...CLUSTER, SERVICES: "configuration" }, "CONFIGURATION_DB_URL");
		assertRejects({ ...CLUSTER, SERVICES: "vehicle" }, "VEHICLE_DB_URL");
		assertRejects({ ...CLUSTER, SERVICES: "cleaner" }, "CLEANER_DB_URL");
		assertRejects({ ...CLUSTER, SERVICES: "webhook" }, "WEBHOOK_DB_URL");
	});

	it("WEBHOOK_SECRETS_KEY: required in cluster mode by webhook, 32 bytes in base64, from the env or a file", async () => {
		const webhookNode = {
			...CLUSTER,
			SERVICES: "webhook",
			WEBHOOK_DB_URL: "mysql://webhook:secret@mysql-webhook:3306/webhook",
		};
		assertRejects(webhookNode, "WEBHOOK_SECRETS_KEY", /required in cluster mode by webhook/);
		assert.equal(parseConfig(CLUSTER).webhooks.secretsKey, null, "a node without webhook needs none");
		const key = Buffer.alloc(32, 7);
		assert.deepEqual(
			parseConfig({ ...webhookNode, WEBHOOK_SECRETS_KEY: key.toString("base64") }).webhooks.secretsKey,
			key,
		);
		for (const bad of ["c2hvcnQ=", Buffer.alloc(33).toString("base64")])
			assertRejects(
				{ ...webhookNode, WEBHOOK_SECRETS_KEY: bad },
				"WEBHOOK_SECRETS_KEY",
				/32 bytes in base64/,
			);
		const dir = await mkdtemp(join(tmpdir(), "webhook-key-"));
		const file = join(dir, "key");
		await writeFile(file, `${key.toString("base64")}\n`);
		assert.deepEqual(
			parseConfig({ ...webhookNode, WEBHOOK_SECRETS_KEY_FILE: file }).webhooks.secretsKey,
			key,
		);
		await rm(dir, { recursive: true });
	});

	it("WEBHOOK_SECRETS_PREVIOUS_KEY: the key being rotated out, optional, checked as the key is", () => {
		const key = Buffer.alloc(32, 7).toString("base64");
		const webhookNode = {
			...CLUSTER,
			SERVICES: "webhook",
			WEBHOOK_DB_URL: "mysql://webhook:secret@mysql-webhook:3306/webhook",
			WEBHOOK_SECRETS_KEY: key,
		};
		assert.equal(parseConfig(webhookNode).webhooks.previousSecretsKey, null, "none outside a rotation");
		const previous = Buffer.alloc(32, 9);
		assert.deepEqual(
			parseConfig({ ...webhookNode, WEBHOOK_SECRETS_PREVIOUS_KEY: previous.toString("base64") }).webhooks
				.previousSecretsKey,
			previous,
		);
		assertRejects(
			{ ...webhookNode, WEBHOOK_SECRETS_PREVIOUS_KEY: "c2hvcnQ=" },
			"WEBHOOK_SECRETS_PREVIOUS_KEY",
			/32 bytes in base64/,
		);
	});

	it("EVENTS_KAFKA_URL: required by booking, cleaner, vehicle and webhook; the event settings apply", () => {
		const { EVENTS_KAFKA_URL: _, ...env } = CLUSTER;
		assertRejects(env, "EVENTS_KAFKA_URL", /required in cluster mode/);
		assert.equal(parseConfig({ ...env, SERVICES: "gateway,identity" }).events.kafkaBrokers, null);
		assert.deepEqual(
			parseConfig({
				...CLUSTER,
				EVENTS_TOPIC_PREFIX: "staging.",
				EVENTS_TOPIC_PARTITIONS: "6",
				EVENTS_RETENTION_HOURS: "24",
				OUTBOX_POLL_MS: "50",
				EVENTS_HANDLER_ATTEMPTS: "3",
			}).events,
			{
				kafkaBrokers: ["events-kafka:9092"],
				topicPrefix: "staging.",
				topicPartitions: 6,
				retentionMs: 24 * 3_600_000,
				outboxPollMs: 50,
				handlerAttempts: 3,
				embeddedLogFile: "./data/events.sqlite",
			},
		);
	});

	it("services without a database need none", () => {
		const { BOOKING_DB_URL: _, ...env } = CLUSTER;
		assert.deepEqual(parseConfig({ ...env, SERVICES: "gateway,identity" }).services, ["gateway", "identity"]);
	});

	it("refuses SQLite in cluster mode", () => {
		assertRejects({ ...CLUSTER, BOOKING_DB_URL: "sqlite:./booking.sqlite" }, "BOOKING_DB_URL", /SQLite/);
	});

	it("refuses a database URL of another kind or without a database", () => {
		assertRejects(
			{ ...CLUSTER, BOOKING_DB_URL: "postgres://u:p@db:5432/booking" },
			"BOOKING_DB_URL",
			/"postgres"/,
		);
		assertRejects({ ...CLUSTER, BOOKING_DB_URL: "mysql://u:p@db:3306/" }, "BOOKING_DB_URL", /no database/);
		assertRejects({ ...CLUSTER, BOOKING_DB_URL: "mysql://u:p@db:3306" }, "BOOKING_DB_URL", /no database/);
		assertRejects({ ...CLUSTER, BOOKING_DB_URL: "not a url" }, "BOOKING_DB_URL", /not a valid URL/);
	});
});

describe("parseConfig: an ops node", () => {
	const { SERVICES: _services, ...withoutServices } = CLUSTER;
	const ops = { ...withoutServices, NODE_ROLE: "ops" };

	it("joins a cluster without services, named after its host, on any free ops port", () => {
		const config = parseConfig(ops);
		assert.equal(config.role, "ops");
		assert.deepEqual(config.services, []);
		assert.equal(config.nodeId, `ops-${hostname()}`);
		assert.equal(config.opsPort, 0);
		assert.equal(config.transporter, "kafka://kafka:9092");
	});

	it("refuses SERVICES", () => {
		assert.throws(
			() => parseConfig({ ...ops, SERVICES: "booking" }),
			/SERVICES: an ops node runs no service/,
		);
	});

	it("refuses an unknown role", () => {
		assert.throws(
			() => parseConfig({ ...ops, NODE_ROLE: "admin" }),
			/NODE_ROLE: expected one of service, ops/,
		);
	});
});

describe("parseConfig: tracing", () => {
	it("ZIPKIN_URL turns it on, without a trailing slash", () => {
		assert.equal(parseConfig({ ZIPKIN_URL: "http://zipkin:9411/" }).zipkinUrl, "http://zipkin:9411");
	});

	it("a ZIPKIN_URL that is not http(s) is refused", () => {
		assert.throws(
			() => parseConfig({ ZIPKIN_URL: "udp://zipkin:9411" }),
			/ZIPKIN_URL: unsupported URL scheme/,
		);
	});
});

describe("parseConfig: bad values name their variable", () => {
	const cases: Array<[Env, string, RegExp]> = [
		[{ PORT: "abc" }, "PORT", /expected an integer, got "abc"/],
		[{ PORT: "80.5" }, "PORT", /expected an integer/],
		[{ PORT: "1e3" }, "PORT", /expected an integer/],
		[{ PORT: "65536" }, "PORT", /between 0 and 65535, got 65536/],
		[{ PORT: "-1" }, "PORT", /between 0 and 65535/],
		[{ OPS_PORT: "70000" }, "OPS_PORT", /between/],
		[{ DEV_IDP_PORT: "0" }, "DEV_IDP_PORT", /between 1 and 65535/],
		[{ [TRANSPORTER]: "amqp://x" }, TRANSPORTER, /unsupported URL scheme "amqp" \(expected kafka or nats\)/],
		[{ [TRANSPORTER]: "kafka" }, TRANSPORTER, /not a valid URL/],
		[{ [CACHER]: "memcached://x:11211" }, CACHER, /unsupported URL scheme "memcached"/],
		[{ NAMESPACE: "a.b" }, "NAMESPACE", /letters, digits and dashes only.*"a\.b"/],
		[{ NAMESPACE: "a b" }, "NAMESPACE", /letters, digits and dashes only/],
		[{ NAMESPACE: "a_b" }, "NAMESPACE", /letters, digits and dashes only/],
		[{ PLATFORM_TIME_ZONE: "Mars/Base" }, "PLATFORM_TIME_ZONE", /unknown IANA time zone "Mars\/Base"/],
		[{ SERVICES: "unknown" }, "SERVICES", /unknown service "unknown"/],
		[{ SERVICES: "booking,bookings" }, "SERVICES", /unknown service "bookings"/],
		[{ MODE: "swarm" }, "MODE", /expected one of embedded, cluster, got "swarm"/],
		[{ MODE: "Cluster" }, "MODE", /got "Cluster"/],
		[{ LOG_LEVEL: "verbose" }, "LOG_LEVEL", /expected one of fatal, error, warn, info, debug, trace/],
		[{ DB_MIGRATE_ON_START: "maybe" }, "DB_MIGRATE_ON_START", /expected true or false, got "maybe"/],
		[{ SEED_DEMO_DATA: "2" }, "SEED_DEMO_DATA", /expected true or false/],
		[{ DB_POOL_MAX: "0" }, "DB_POOL_MAX", /between 1 and 200/],
		[{ REQUEST_TIMEOUT_MS: "50" }, "REQUEST_TIMEOUT_MS", /between 100 and 120000/],
		[{ CACHE_TTL_SECONDS: "0" }, "CACHE_TTL_SECONDS", /between 1 and 86400/],
		[{ RATE_LIMIT_PER_MINUTE: "0" }, "RATE_LIMIT_PER_MINUTE", /between 1 and 1000000/],
		[{ OIDC_CLOCK_SKEW_SECONDS: "301" }, "OIDC_CLOCK_SKEW_SECONDS", /between 0 and 300/],
		[{ OIDC_ISSUER: "ftp://idp.example.com" }, "OIDC_ISSUER", /unsupported URL scheme "ftp"/],
		[{ OIDC_ISSUER: "idp.example.com" }, "OIDC_ISSUER", /not a valid URL/],
		[{ EVENTS_KAFKA_URL: "http://kafka:9092" }, "EVENTS_KAFKA_URL", /unsupported URL scheme "http"/],
		[{ EVENTS_TOPIC_PREFIX: "a/b" }, "EVENTS_TOPIC_PREFIX", /letters, digits/],
		[{ EVENTS_TOPIC_PARTITIONS: "0" }, "EVENTS_TOPIC_PARTITIONS", /between 1 and 100/],
		[{ EVENTS_RETENTION_HOURS: "0" }, "EVENTS_RETENTION_HOURS", /between 1 and 87600/],
		[{ OUTBOX_POLL_MS: "5" }, "OUTBOX_POLL_MS", /between 10 and 60000/],
		[{ EVENTS_HANDLER_ATTEMPTS: "0" }, "EVENTS_HANDLER_ATTEMPTS", /between 1 and 100/],
	];
	for (const [env, variable, problem] of cases) {
		it(`${Object.entries(env)
			.map(([k, v]) => `${k}=${v}`)
			.join(" ")} → ${variable}`, () => {
			assertRejects(env, variable, problem);
		});
	}

	it("the first bad variable is reported (MODE before PORT)", () => {
		assertRejects({ MODE: "swarm", PORT: "abc" }, "MODE");
	});

	it("index.ts re-exports the same ConfigError class", () => {
		assert.equal(ReexportedConfigError, ConfigError);
	});
});

describe("config/env readers", () => {
	it("str and optionalStr trim and treat empty as absent", () => {
		assert.equal(str({ A: "  x  " }, "A", "d"), "x");
		assert.equal(str({ A: "   " }, "A", "d"), "d");
		assert.equal(str({}, "A", "d"), "d");
		assert.equal(optionalStr({ A: "" }, "A"), undefined);
		assert.equal(optionalStr({ A: " y" }, "A"), "y");
	});

	it("int parses whole numbers in range, else throws naming the variable", () => {
		assert.equal(int({ N: "-5" }, "N", 1, { min: -10, max: 10 }), -5);
		assert.equal(int({}, "N", 7, { min: 0, max: 1 }), 7); // the fallback is not range-checked
		assert.throws(() => int({ N: "0x10" }, "N", 1, { min: 0, max: 100 }), {
			name: "ConfigError",
			variable: "N",
		});
		assert.throws(() => int({ N: "11" }, "N", 1, { min: 0, max: 10 }), {
			message: "N: expected an integer between 0 and 10, got 11",
		});
	});

	it("bool accepts the usual spellings in any case", () => {
		for (const value of ["1", "true", "TRUE", "yes", "On"])
			assert.equal(bool({ B: value }, "B", false), true, value);
		for (const value of ["0", "false", "No", "OFF"])
			assert.equal(bool({ B: value }, "B", true), false, value);
		assert.equal(bool({}, "B", true), true);
		assert.throws(() => bool({ B: "y" }, "B", true), { message: 'B: expected true or false, got "y"' });
	});

	it("oneOf checks the fallback too", () => {
		assert.equal(oneOf({}, "X", ["a", "b"], "a"), "a");
		assert.equal(oneOf({ X: "b" }, "X", ["a", "b"], "a"), "b");
		assert.throws(() => oneOf({ X: "c" }, "X", ["a", "b"], "a"), {
			message: 'X: expected one of a, b, got "c"',
		});
	});

	it("list splits on commas, trims and drops empty items", () => {
		assert.deepEqual(list({ L: " a ,b,, c ," }, "L", ["d"]), ["a", "b", "c"]);
		assert.deepEqual(list({}, "L", ["d"]), ["d"]);
	});

	it("url checks the scheme without its colon", () => {
		assert.equal(url("U", "https://x.example/a", ["http", "https"]).hostname, "x.example");
		assert.throws(() => url("U", "http://x", ["https"]), {
			message: 'U: unsupported URL scheme "http" (expected https)',
		});
		assert.throws(() => url("U", "::", ["https"]), { message: 'U: not a valid URL: "::"' });
	});
});
