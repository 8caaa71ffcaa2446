import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseDatabaseTls, parseKafkaSecurity, parseRedisTls } from "../../config/connection-security.ts";
import { ConfigError } from "../../config/env.ts";

const dir = mkdtempSync(join(tmpdir(), "connection-security-"));
const file = (name: string, contents: string) => {
	const path = join(dir, name);
	writeFileSync(path, contents);
	return path;
};
const CA = file("ca.pem", "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
const CERT = file("client.pem", "CLIENT CERT");
const KEY = file("client.key", "CLIENT KEY");
const PASSWORD = file("password", "s3cret\n");

const refused = (fn: () => unknown, variable: string) =>
	assert.throws(fn, (error: unknown) => error instanceof ConfigError && error.variable === variable);

describe("Kafka TLS and SASL", () => {
	it("is plaintext without settings", () => {
		assert.deepEqual(parseKafkaSecurity({}), { tls: null, sasl: null });
	});

	it("reads the CA, a client certificate and a SCRAM password from files", () => {
		const security = parseKafkaSecurity({
			KAFKA_TLS: "true",
			KAFKA_TLS_CA_FILE: CA,
			KAFKA_TLS_CERT_FILE: CERT,
			KAFKA_TLS_KEY_FILE: KEY,
			KAFKA_SASL_MECHANISM: "scram-sha-512",
			KAFKA_SASL_USERNAME: "booking",
			KAFKA_SASL_PASSWORD_FILE: PASSWORD,
		});
		assert.deepEqual(security, {
			tls: {
				ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
				cert: "CLIENT CERT",
				key: "CLIENT KEY",
			},
			sasl: { mechanism: "scram-sha-512", username: "booking", password: "s3cret" },
		});
	});

	it("refuses what cannot work, naming the variable and never the secret", () => {
		refused(
			() => parseKafkaSecurity({ KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_PASSWORD: "x" }),
			"KAFKA_SASL_USERNAME",
		);
		refused(
			() => parseKafkaSecurity({ KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "u" }),
			"KAFKA_SASL_PASSWORD",
		);
		refused(
			() =>
				parseKafkaSecurity({
					KAFKA_SASL_MECHANISM: "gssapi",
					KAFKA_SASL_USERNAME: "u",
					KAFKA_SASL_PASSWORD: "x",
				}),
			"KAFKA_SASL_MECHANISM",
		);
		refused(
			() =>
				parseKafkaSecurity({
					KAFKA_SASL_MECHANISM: "plain",
					KAFKA_SASL_USERNAME: "u",
					KAFKA_SASL_PASSWORD: "hunter2",
				}),
			"KAFKA_SASL_MECHANISM",
		);
		refused(() => parseKafkaSecurity({ KAFKA_TLS_CA_FILE: CA }), "KAFKA_TLS");
		refused(() => parseKafkaSecurity({ KAFKA_TLS: "true", KAFKA_TLS_CERT_FILE: CERT }), "KAFKA_TLS_KEY_FILE");
		refused(
			() => parseKafkaSecurity({ KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: join(dir, "missing.pem") }),
			"KAFKA_TLS_CA_FILE",
		);
		try {
			parseKafkaSecurity({
				KAFKA_SASL_MECHANISM: "plain",
				KAFKA_SASL_USERNAME: "u",
				KAFKA_SASL_PASSWORD: "hunter2",
			});
		} catch (error) {
			assert.doesNotMatch((error as Error).message, /hunter2/);
		}
	});
});

describe("MySQL and Redis TLS", () => {
	it("MySQL: on with a CA file or DB_TLS=true, off otherwise", () => {
		assert.equal(parseDatabaseTls({}), null);
		assert.deepEqual(parseDatabaseTls({ DB_TLS: "true" }), {});
		assert.deepEqual(parseDatabaseTls({ DB_TLS_CA_FILE: CA }), {
			ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
		});
	});

	it("Redis: a rediss:// URL turns it on; CA files with a plain redis:// URL are refused", () => {
		assert.equal(parseRedisTls({}, new URL("redis://redis:6379")), null);
		assert.deepEqual(parseRedisTls({ REDIS_TLS_CA_FILE: CA }, new URL("rediss://redis:6380")), {
			ca: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
		});
		refused(() => parseRedisTls({ REDIS_TLS_CA_FILE: CA }, new URL("redis://redis:6379")), "CACHER_URL");
	});
});
