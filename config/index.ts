import { hostname } from "node:os";
import {
	type KafkaSecurity,
	parseDatabaseTls,
	parseKafkaSecurity,
	parseRedisTls,
	parseSmtpSecret,
	parseWebhookSecretsKey,
	type TlsConfig,
} from "./connection-security.ts";
import { bool, ConfigError, type Env, int, list, oneOf, optionalStr, str, url } from "./env.ts";

export { ConfigError } from "./env.ts";

/** Services that own a database; each gets its own connection settings. */
export const DATABASE_OWNERS = [
	"customer",
	"vehicle",
	"cleaner",
	"booking",
	"configuration",
	"notification",
	"webhook",
] as const;
export type DatabaseOwner = (typeof DATABASE_OWNERS)[number];

/** Every service folder under services/. `identity` is the development OIDC provider. */
export const SERVICE_NAMES = ["gateway", ...DATABASE_OWNERS, "identity"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type DatabaseConfig =
	| { dialect: "sqlite"; storage: string; poolMax: number }
	| {
			dialect: "mysql";
			host: string;
			port: number;
			database: string;
			username: string;
			password: string;
			poolMax: number;
			/** Present when the connection is encrypted. */
			tls?: TlsConfig;
	  };

/** `tls` is present when the connection is encrypted (a rediss:// URL). */
export type CacherConfig = { kind: "memory" } | { kind: "redis"; url: string; tls?: TlsConfig };

/** The durable domain-event topics (booking-events, cleaner-availability-updates): not the transporter's. */
export interface EventsConfig {
	/** Kafka bootstrap brokers (host:port); null: the SQLite log of embedded mode. */
	kafkaBrokers: string[] | null;
	/** Put before every topic and consumer group name, for environments sharing one Kafka cluster. */
	topicPrefix: string;
	topicPartitions: number;
	retentionMs: number;
	/** How often each booking instance looks for unsent outbox rows (a local commit wakes it at once). */
	outboxPollMs: number;
	/** Failed handler attempts before an event goes to the dead-letter topic. */
	handlerAttempts: number;
	/** Embedded mode: the SQLite file that holds the event log and the consumer groups' positions. */
	embeddedLogFile: string;
}

/** The notification service's outgoing e-mail. */
export interface MailConfig {
	/** null: no SMTP server (the embedded default): e-mails are recorded and wait, none is sent. */
	smtp: { host: string; port: number; secure: boolean; user?: string; password?: string } | null;
	/** The From header of every e-mail. */
	from: string;
	/** Language of e-mails to recipients without one (cleaners) or with one no template is written in. */
	defaultLanguage: string;
	/** Where the web app is, for the links in e-mails (rating a completed job). */
	publicWebUrl: string;
	/** Failed sends of one e-mail (with backoff) before it goes to the dead-letter list. */
	sendAttempts: number;
	/** The first retry's delay; each next one doubles, up to 64 times this. */
	retryBaseMs: number;
	/** How often each notification instance looks for e-mails and reminders that are due. */
	pollMs: number;
}

/** Partner webhooks (services/webhook/): delivery, retries and the SSRF rules. */
export interface WebhooksConfig {
	/** Tests only: endpoints may be http:// and on loopback addresses (private and link-local stay refused). */
	allowTestTargets: boolean;
	/** A delivery attempt that has no answer by then fails. */
	timeoutMs: number;
	/** The wait before the first retry; doubled with every attempt up to `retryMaxMs`, with jitter. */
	retryInitialMs: number;
	retryMaxMs: number;
	/** How long a delivery is retried from its first attempt before it fails for good (24 h). */
	retryWindowMs: number;
	/** Consecutive failed attempts (no success between) that disable an endpoint. */
	disableAfterFailures: number;
	/** How often each instance looks for due deliveries (a new one wakes it at once). */
	pollMs: number;
	/** Finished deliveries are listed to their partner this long, then deleted. */
	retentionMs: number;
	/** The key partners' signing secrets are sealed under (`WEBHOOK_SECRETS_KEY`); null: `embeddedKeyFile`'s. */
	secretsKey: Buffer | null;
	/**
	 * The key `secretsKey` replaced (`WEBHOOK_SECRETS_PREVIOUS_KEY`), while it is rotated: secrets sealed under it
	 * still open, and each node seals them again under the current key when it starts. Null outside a rotation.
	 */
	previousSecretsKey: Buffer | null;
	/** Embedded mode without `WEBHOOK_SECRETS_KEY`: the key kept in the data directory, made on first use. */
	embeddedKeyFile: string;
}

export interface AppConfig {
	mode: "embedded" | "cluster";
	/** `ops`: an operator's node (`npm run ops`) that joins the cluster, runs no service and opens the REPL. */
	role: "service" | "ops";
	nodeId: string;
	namespace: string;
	/** Services this process runs. */
	services: ServiceName[];
	logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
	/** null: in-process (embedded mode). */
	transporter: string | null;
	requestTimeoutMs: number;
	/**
	 * How long a stopping node goes on serving after it has told the cluster it is leaving (its services
	 * withdrawn, its readiness probe failing), before it refuses new calls: Moleculer's `registry.stopDelay`.
	 */
	drainDelayMs: number;
	cacher: CacherConfig;
	/** TLS and SASL of both Kafka clients: the transporter and the domain-event bus. */
	kafkaSecurity: KafkaSecurity;
	cacheTtlSeconds: number;
	events: EventsConfig;
	databases: Record<DatabaseOwner, DatabaseConfig>;
	webhooks: WebhooksConfig;
	migrateOnStart: boolean;
	seedDemoData: boolean;
	http: { port: number; bodyLimit: string; corsOrigins: string[]; rateLimitPerMinute: number };
	opsPort: number;
	oidc: {
		issuer: string;
		audience: string;
		clockSkewSeconds: number;
		rolesClaim: string;
		/** Port of the development identity provider (embedded mode and tests only). */
		devProviderPort: number;
		/** Lifetime of the development provider's access tokens (short ones exercise the apps' renewal). */
		devProviderAccessTokenTtlSeconds: number;
	};
	/** Default for the runtime business setting of the same name (see the configuration service). */
	platformTimeZone: string;
	/** Zipkin's base URL (spans go to `<url>/api/v2/spans`); null: tracing off. */
	zipkinUrl: string | null;
	mail: MailConfig;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

const withTls = (tls: TlsConfig | null) => (tls === null ? {} : { tls });

/** Where embedded mode keeps its SQLite files: one per service database, and the event log. */
function dataDir(env: Env): string {
	return str(env, "DATA_DIR", "./data");
}

function parseDatabase(
	env: Env,
	owner: DatabaseOwner,
	mode: AppConfig["mode"],
	needed: boolean,
): DatabaseConfig {
	const variable = `${owner.toUpperCase()}_DB_URL`;
	const poolMax = int(env, "DB_POOL_MAX", 10, { min: 1, max: 200 });
	const value = optionalStr(env, variable);
	if (value === undefined) {
		if (mode === "cluster" && needed) {
			throw new ConfigError(variable, "required in cluster mode (mysql://user:password@host:3306/database)");
		}
		return { dialect: "sqlite", storage: `${dataDir(env)}/${owner}.sqlite`, poolMax: 1 };
	}
	if (value.startsWith("sqlite:")) {
		if (mode === "cluster") throw new ConfigError(variable, "SQLite is only for embedded mode; use mysql://");
		return { dialect: "sqlite", storage: value.slice("sqlite:".length), poolMax: 1 };
	}
	const parsed = url(variable, value, ["mysql", "mariadb"]);
	const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
	if (database === "") throw new ConfigError(variable, "the URL names no database (…/database)");
	return {
		dialect: "mysql",
		host: parsed.hostname,
		port: parsed.port === "" ? 3306 : Number(parsed.port),
		database,
		username: decodeURIComponent(parsed.username),
		password: decodeURIComponent(parsed.password),
		poolMax,
	};
}

/** Services that produce or consume the domain-event topics. */
export const EVENT_SERVICES: readonly ServiceName[] = [
	"booking",
	"cleaner",
	"vehicle",
	"notification",
	"webhook",
];

function parseEvents(env: Env, mode: AppConfig["mode"], services: ServiceName[]): EventsConfig {
	const value = optionalStr(env, "EVENTS_KAFKA_URL");
	if (value === undefined && mode === "cluster" && services.some((name) => EVENT_SERVICES.includes(name))) {
		throw new ConfigError(
			"EVENTS_KAFKA_URL",
			"required in cluster mode by booking, cleaner, vehicle, notification and webhook (kafka://host:9092)",
		);
	}
	const topicPrefix = str(env, "EVENTS_TOPIC_PREFIX", "");
	if (!/^[a-zA-Z0-9._-]*$/.test(topicPrefix)) {
		throw new ConfigError(
			"EVENTS_TOPIC_PREFIX",
			`letters, digits, ".", "_" and "-" only, got "${topicPrefix}"`,
		);
	}
	return {
		kafkaBrokers: value === undefined ? null : [url("EVENTS_KAFKA_URL", value, ["kafka"]).host],
		topicPrefix,
		topicPartitions: int(env, "EVENTS_TOPIC_PARTITIONS", 3, { min: 1, max: 100 }),
		retentionMs: int(env, "EVENTS_RETENTION_HOURS", 168, { min: 1, max: 87_600 }) * 3_600_000,
		outboxPollMs: int(env, "OUTBOX_POLL_MS", 200, { min: 10, max: 60_000 }),
		handlerAttempts: int(env, "EVENTS_HANDLER_ATTEMPTS", 5, { min: 1, max: 100 }),
		embeddedLogFile: `${dataDir(env)}/events.sqlite`,
	};
}

function parseMail(env: Env, mode: AppConfig["mode"], services: ServiceName[]): MailConfig {
	const smtpValue = optionalStr(env, "SMTP_URL");
	if (smtpValue === undefined && mode === "cluster" && services.includes("notification")) {
		throw new ConfigError(
			"SMTP_URL",
			"required in cluster mode by notification (smtp://host:587 or smtps://host:465)",
		);
	}
	let smtp: MailConfig["smtp"] = null;
	if (smtpValue !== undefined) {
		const parsed = url("SMTP_URL", smtpValue, ["smtp", "smtps"]);
		if (parsed.username !== "" || parsed.password !== "") {
			throw new ConfigError("SMTP_URL", "no credentials in the URL: set SMTP_USER and SMTP_PASSWORD(_FILE)");
		}
		const secure = parsed.protocol === "smtps:";
		const user = optionalStr(env, "SMTP_USER");
		const password = parseSmtpSecret(env);
		if ((user === undefined) !== (password === undefined)) {
			throw new ConfigError(
				user === undefined ? "SMTP_USER" : "SMTP_PASSWORD",
				"SMTP authentication needs both SMTP_USER and SMTP_PASSWORD (or SMTP_PASSWORD_FILE)",
			);
		}
		smtp = {
			host: parsed.hostname,
			port: parsed.port === "" ? (secure ? 465 : 587) : Number(parsed.port),
			secure,
			...(user === undefined ? {} : { user, password }),
		};
	}
	const from = str(env, "MAIL_FROM", "Cleaning Platform <no-reply@cleaning-platform.invalid>");
	if (!/^[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+$|<[^<>@\s]+@[^<>@\s]+>$/.test(from)) {
		throw new ConfigError(
			"MAIL_FROM",
			`expected an address such as "Name <no-reply@example.com>", got "${from}"`,
		);
	}
	const language = str(env, "MAIL_DEFAULT_LANGUAGE", "en");
	if (!/^[a-z]{2,3}$/.test(language)) {
		throw new ConfigError(
			"MAIL_DEFAULT_LANGUAGE",
			`expected a language such as "en" or "nl", got "${language}"`,
		);
	}
	return {
		smtp,
		from,
		defaultLanguage: language,
		publicWebUrl: url("PUBLIC_WEB_URL", str(env, "PUBLIC_WEB_URL", "http://localhost:3000"), [
			"http",
			"https",
		]).href.replace(/\/$/, ""),
		sendAttempts: int(env, "MAIL_SEND_ATTEMPTS", 6, { min: 1, max: 50 }),
		retryBaseMs: int(env, "MAIL_RETRY_BASE_MS", 30_000, { min: 10, max: 3_600_000 }),
		pollMs: int(env, "MAIL_POLL_MS", 1_000, { min: 50, max: 60_000 }),
	};
}

function parseWebhooks(env: Env, mode: AppConfig["mode"], services: ServiceName[]): WebhooksConfig {
	const required =
		mode === "cluster" && services.includes("webhook") ? "required in cluster mode by webhook" : null;
	const secretsKey = parseWebhookSecretsKey(env, required);
	return {
		secretsKey,
		previousSecretsKey: parseWebhookSecretsKey(env, null, "WEBHOOK_SECRETS_PREVIOUS_KEY"),
		embeddedKeyFile: `${dataDir(env)}/webhook-secrets.key`,
		allowTestTargets: bool(env, "WEBHOOK_ALLOW_TEST_TARGETS", false),
		timeoutMs: int(env, "WEBHOOK_TIMEOUT_MS", 10_000, { min: 100, max: 60_000 }),
		retryInitialMs: int(env, "WEBHOOK_RETRY_INITIAL_MS", 30_000, { min: 10, max: 3_600_000 }),
		retryMaxMs: int(env, "WEBHOOK_RETRY_MAX_MS", 3_600_000, { min: 10, max: 86_400_000 }),
		retryWindowMs: int(env, "WEBHOOK_RETRY_WINDOW_SECONDS", 86_400, { min: 1, max: 7 * 86_400 }) * 1000,
		disableAfterFailures: int(env, "WEBHOOK_DISABLE_AFTER_FAILURES", 50, { min: 1, max: 10_000 }),
		pollMs: int(env, "WEBHOOK_POLL_MS", 1_000, { min: 10, max: 60_000 }),
		retentionMs: int(env, "WEBHOOK_RETENTION_DAYS", 30, { min: 1, max: 3_650 }) * 86_400_000,
	};
}

function parseServices(env: Env, mode: AppConfig["mode"], role: AppConfig["role"]): ServiceName[] {
	const names = list(env, "SERVICES", []);
	if (role === "ops") {
		if (names.length > 0) throw new ConfigError("SERVICES", "an ops node runs no service; unset it");
		return [];
	}
	if (names.length === 0) {
		if (mode === "cluster")
			throw new ConfigError("SERVICES", "required in cluster mode (e.g. SERVICES=booking)");
		return [...SERVICE_NAMES];
	}
	for (const name of names) {
		if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
			throw new ConfigError("SERVICES", `unknown service "${name}" (known: ${SERVICE_NAMES.join(", ")})`);
		}
	}
	return names as ServiceName[];
}

/**
 * Reads and validates the whole start-up configuration; throws ConfigError naming the first bad variable.
 * Names avoid moleculer-runner's own overrides (it replaces any broker option whose upper-cased name is set
 * in the environment, e.g. TRANSPORTER or CACHER), so that this module stays the only source of settings.
 */
export function parseConfig(env: Env): AppConfig {
	for (const [shadowing, meant] of [
		["TRANSPORTER", "TRANSPORTER_URL"],
		["CACHER", "CACHER_URL"],
	]) {
		if (optionalStr(env, shadowing) !== undefined) {
			throw new ConfigError(
				shadowing,
				`would override the broker behind this configuration's back; set ${meant}`,
			);
		}
	}
	const mode = oneOf(env, "MODE", ["embedded", "cluster"], "embedded");
	const role = oneOf(env, "NODE_ROLE", ["service", "ops"], "service");
	const services = parseServices(env, mode, role);

	const namespace = str(env, "NAMESPACE", "cleaning");
	if (!/^[a-z0-9-]+$/i.test(namespace)) {
		throw new ConfigError(
			"NAMESPACE",
			`letters, digits and dashes only (Kafka topic names), got "${namespace}"`,
		);
	}

	const transporterValue = optionalStr(env, "TRANSPORTER_URL");
	if (mode === "cluster" && transporterValue === undefined) {
		throw new ConfigError("TRANSPORTER_URL", "required in cluster mode (kafka://host:9092)");
	}
	// nats:// only for the benchmark's comparison (the nats client is a devDependency): Kafka is the transporter.
	const transporter =
		transporterValue === undefined ? null : url("TRANSPORTER_URL", transporterValue, ["kafka", "nats"]).href;

	const cacherValue = optionalStr(env, "CACHER_URL") ?? (mode === "cluster" ? undefined : "memory");
	if (cacherValue === undefined)
		throw new ConfigError("CACHER_URL", "required in cluster mode (redis://host:6379)");
	const cacherUrl = cacherValue === "memory" ? null : url("CACHER_URL", cacherValue, ["redis", "rediss"]);
	const cacher: CacherConfig =
		cacherUrl === null
			? { kind: "memory" }
			: { kind: "redis", url: cacherUrl.href, ...withTls(parseRedisTls(env, cacherUrl)) };

	const databaseTls = parseDatabaseTls(env);
	const databases = Object.fromEntries(
		DATABASE_OWNERS.map((owner) => {
			const database = parseDatabase(env, owner, mode, services.includes(owner));
			return [owner, database.dialect === "mysql" ? { ...database, ...withTls(databaseTls) } : database];
		}),
	) as Record<DatabaseOwner, DatabaseConfig>;

	const devProviderPort = int(env, "DEV_IDP_PORT", 4000, { min: 1, max: 65535 });

	const zipkin = optionalStr(env, "ZIPKIN_URL");

	return {
		mode,
		role,
		nodeId: str(env, "NODE_ID", role === "ops" ? `ops-${hostname()}` : defaultNodeId(services)),
		namespace,
		services,
		logLevel: oneOf(env, "LOG_LEVEL", LOG_LEVELS, "info"),
		transporter,
		requestTimeoutMs: int(env, "REQUEST_TIMEOUT_MS", 5000, { min: 100, max: 120_000 }),
		// In cluster mode other nodes (and the Ingress) need a moment to stop sending here; one process keeps
		// Moleculer's default.
		drainDelayMs: int(env, "DRAIN_DELAY_MS", mode === "cluster" ? 5000 : 100, { min: 0, max: 120_000 }),
		cacher,
		cacheTtlSeconds: int(env, "CACHE_TTL_SECONDS", 300, { min: 1, max: 86_400 }),
		events: parseEvents(env, mode, services),
		kafkaSecurity: parseKafkaSecurity(env),
		databases,
		webhooks: parseWebhooks(env, mode, services),
		migrateOnStart: bool(env, "DB_MIGRATE_ON_START", true),
		seedDemoData: bool(env, "SEED_DEMO_DATA", mode === "embedded"),
		http: {
			port: int(env, "PORT", 3000, { min: 0, max: 65535 }),
			bodyLimit: str(env, "HTTP_BODY_LIMIT", "64kb"),
			corsOrigins: list(env, "CORS_ORIGINS", ["http://localhost:5173"]),
			rateLimitPerMinute: int(env, "RATE_LIMIT_PER_MINUTE", 300, { min: 1, max: 1_000_000 }),
		},
		// An ops node beside a service node on one host must not take its port: any free one.
		opsPort: int(env, "OPS_PORT", role === "ops" ? 0 : 3001, { min: 0, max: 65535 }),
		oidc: {
			issuer: url("OIDC_ISSUER", str(env, "OIDC_ISSUER", `http://127.0.0.1:${devProviderPort}`), [
				"http",
				"https",
			]).href.replace(/\/$/, ""),
			audience: str(env, "OIDC_AUDIENCE", "cleaning-platform-api"),
			clockSkewSeconds: int(env, "OIDC_CLOCK_SKEW_SECONDS", 30, { min: 0, max: 300 }),
			rolesClaim: str(env, "OIDC_ROLES_CLAIM", "realm_access.roles"),
			devProviderPort,
			devProviderAccessTokenTtlSeconds: int(env, "DEV_IDP_ACCESS_TOKEN_TTL_SECONDS", 3600, {
				min: 10,
				max: 86_400,
			}),
		},
		platformTimeZone: timeZone(env, "PLATFORM_TIME_ZONE", "Europe/Amsterdam"),
		zipkinUrl:
			zipkin === undefined ? null : url("ZIPKIN_URL", zipkin, ["http", "https"]).href.replace(/\/$/, ""),
		mail: parseMail(env, mode, services),
	};
}

function defaultNodeId(services: readonly ServiceName[]): string {
	return `${hostname()}-${services.length === SERVICE_NAMES.length ? "all" : services.join("+")}`;
}

function timeZone(env: Env, name: string, fallback: string): string {
	const value = str(env, name, fallback);
	try {
		new Intl.DateTimeFormat("en", { timeZone: value });
	} catch {
		throw new ConfigError(name, `unknown IANA time zone "${value}"`);
	}
	return value;
}

/**
 * The process-wide configuration. A bad value ends the process here, before anything starts, with one line
 * on stderr naming the variable.
 */
function loadOrExit(): AppConfig {
	try {
		return parseConfig(process.env);
	} catch (error) {
		if (error instanceof ConfigError) {
			process.stderr.write(`Configuration error: ${error.message}\n`);
			process.exit(78);
		}
		throw error;
	}
}

export const config: AppConfig = loadOrExit();
