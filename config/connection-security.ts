import { readFileSync } from "node:fs";
import { bool, ConfigError, type Env, oneOf, optionalStr } from "./env.ts";

/**
 * Encryption and authentication of the connections to Kafka, MySQL and Redis, for managed services that demand
 * them. Certificates and passwords come from files (`*_FILE`, e.g. mounted Kubernetes Secrets) or, for
 * passwords, the environment; they are read here, once, and never logged: errors name the variable only.
 */

/** PEM contents for a TLS connection: the CA to trust, and optionally a client certificate and key. */
export interface TlsConfig {
	ca?: string;
	cert?: string;
	key?: string;
}

export const SASL_MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"] as const;

export interface KafkaSecurity {
	/** null: plaintext. */
	tls: TlsConfig | null;
	/** null: no authentication. */
	sasl: { mechanism: (typeof SASL_MECHANISMS)[number]; username: string; password: string } | null;
}

function fileContents(env: Env, name: string): string | undefined {
	const path = optionalStr(env, name);
	if (path === undefined) return undefined;
	try {
		return readFileSync(path, "utf8");
	} catch (error) {
		throw new ConfigError(name, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
	}
}

/** `<PREFIX>_CA_FILE`, `<PREFIX>_CERT_FILE`, `<PREFIX>_KEY_FILE`; a certificate needs its key and the other way round. */
function tlsFiles(env: Env, prefix: string): TlsConfig {
	const tls: TlsConfig = {
		ca: fileContents(env, `${prefix}_CA_FILE`),
		cert: fileContents(env, `${prefix}_CERT_FILE`),
		key: fileContents(env, `${prefix}_KEY_FILE`),
	};
	if ((tls.cert === undefined) !== (tls.key === undefined)) {
		throw new ConfigError(
			tls.cert === undefined ? `${prefix}_CERT_FILE` : `${prefix}_KEY_FILE`,
			"a client certificate needs both CERT_FILE and KEY_FILE",
		);
	}
	return Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined));
}

/** A secret from `<NAME>_FILE` (preferred) or `<NAME>`. */
function secret(env: Env, name: string): string | undefined {
	const fromFile = fileContents(env, `${name}_FILE`);
	return fromFile === undefined ? optionalStr(env, name) : fromFile.trim();
}

/** Both Kafka clients (the transporter and the domain-event bus) use these. */
export function parseKafkaSecurity(env: Env): KafkaSecurity {
	const tlsOn = bool(env, "KAFKA_TLS", false);
	const tls = tlsFiles(env, "KAFKA_TLS");
	if (!tlsOn && Object.keys(tls).length > 0)
		throw new ConfigError("KAFKA_TLS", "certificate files are set but KAFKA_TLS is not true");
	const mechanismValue = optionalStr(env, "KAFKA_SASL_MECHANISM");
	let sasl: KafkaSecurity["sasl"] = null;
	if (mechanismValue !== undefined) {
		const mechanism = oneOf(env, "KAFKA_SASL_MECHANISM", SASL_MECHANISMS, "scram-sha-512");
		const username = optionalStr(env, "KAFKA_SASL_USERNAME");
		const password = secret(env, "KAFKA_SASL_PASSWORD");
		if (username === undefined)
			throw new ConfigError("KAFKA_SASL_USERNAME", `required with KAFKA_SASL_MECHANISM=${mechanism}`);
		if (password === undefined)
			throw new ConfigError(
				"KAFKA_SASL_PASSWORD",
				`required (or KAFKA_SASL_PASSWORD_FILE) with KAFKA_SASL_MECHANISM=${mechanism}`,
			);
		if (mechanism === "plain" && !tlsOn)
			throw new ConfigError("KAFKA_SASL_MECHANISM", "plain sends the password in clear: set KAFKA_TLS=true");
		sasl = { mechanism, username, password };
	}
	return { tls: tlsOn ? tls : null, sasl };
}

/** The SMTP password of the notification service: `SMTP_PASSWORD_FILE` (preferred) or `SMTP_PASSWORD`. */
export function parseSmtpSecret(env: Env): string | undefined {
	return secret(env, "SMTP_PASSWORD");
}

/** The bytes of a key given in base64; null when they are not `bytes` long. */
export function decodeKey(text: string, bytes: number): Buffer | null {
	const key = Buffer.from(text.trim(), "base64");
	return key.length === bytes ? key : null;
}

export const WEBHOOK_SECRETS_KEY_BYTES = 32;

/**
 * A key for partners' signing secrets, from `<variable>_FILE` or `<variable>`: `WEBHOOK_SECRETS_KEY`, the key the
 * webhook service seals them under, or `WEBHOOK_SECRETS_PREVIOUS_KEY`, the one it replaced. `required`: why this
 * process must have it (refused when unset), or null (then unset is null).
 */
export function parseWebhookSecretsKey(
	env: Env,
	required: string | null,
	variable: "WEBHOOK_SECRETS_KEY" | "WEBHOOK_SECRETS_PREVIOUS_KEY" = "WEBHOOK_SECRETS_KEY",
): Buffer | null {
	const example = "e.g. `openssl rand -base64 32`";
	const text = secret(env, variable);
	if (text === undefined) {
		if (required !== null)
			throw new ConfigError(
				variable,
				`${required} (or ${variable}_FILE): ${WEBHOOK_SECRETS_KEY_BYTES} random bytes in base64, ${example}`,
			);
		return null;
	}
	const key = decodeKey(text, WEBHOOK_SECRETS_KEY_BYTES);
	if (key === null)
		throw new ConfigError(variable, `expected ${WEBHOOK_SECRETS_KEY_BYTES} bytes in base64, ${example}`);
	return key;
}

/** TLS to MySQL (`DB_TLS=true`, `DB_TLS_CA_FILE`...) for every service database; null: plaintext. */
export function parseDatabaseTls(env: Env): TlsConfig | null {
	const tls = tlsFiles(env, "DB_TLS");
	if (!bool(env, "DB_TLS", Object.keys(tls).length > 0)) return null;
	return tls;
}

/** TLS to Redis: a `rediss://` CACHER_URL, with `REDIS_TLS_CA_FILE`... for a private CA; null: plaintext. */
export function parseRedisTls(env: Env, cacherUrl: URL): TlsConfig | null {
	const tls = tlsFiles(env, "REDIS_TLS");
	if (cacherUrl.protocol === "rediss:") return tls;
	if (Object.keys(tls).length > 0)
		throw new ConfigError("CACHER_URL", "REDIS_TLS_* files are set: use a rediss:// URL");
	return null;
}
