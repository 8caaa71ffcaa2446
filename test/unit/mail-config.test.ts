import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../config/env.ts";
import { parseConfig } from "../../config/index.ts";

const refused = (env: Record<string, string>, variable: string) =>
	assert.throws(
		() => parseConfig(env),
		(error: unknown) => error instanceof ConfigError && error.variable === variable,
	);

const CLUSTER_NOTIFICATION = {
	MODE: "cluster",
	SERVICES: "notification",
	TRANSPORTER_URL: "kafka://kafka:9092",
	CACHER_URL: "redis://redis:6379",
	EVENTS_KAFKA_URL: "kafka://kafka:9092",
	NOTIFICATION_DB_URL: "mysql://n:p@db:3306/notification_db",
};

describe("parseConfig: e-mail (the notification service)", () => {
	it("embedded mode without SMTP_URL queues e-mails and sends none", () => {
		assert.equal(parseConfig({}).mail.smtp, null);
	});

	it("cluster mode needs SMTP_URL where notification runs, and only there", () => {
		refused(CLUSTER_NOTIFICATION, "SMTP_URL");
		assert.equal(
			parseConfig({ ...CLUSTER_NOTIFICATION, SERVICES: "customer", CUSTOMER_DB_URL: "mysql://c:p@db/c" }).mail
				.smtp,
			null,
		);
	});

	it("smtp:// and smtps:// with their default ports; the password from a file wins over the variable", () => {
		const dir = mkdtempSync(join(tmpdir(), "mail-config-"));
		const passwordFile = join(dir, "smtp-password");
		writeFileSync(passwordFile, "from-file\n");
		assert.deepEqual(parseConfig({ ...CLUSTER_NOTIFICATION, SMTP_URL: "smtp://relay.example" }).mail.smtp, {
			host: "relay.example",
			port: 587,
			secure: false,
		});
		const secure = parseConfig({
			...CLUSTER_NOTIFICATION,
			SMTP_URL: "smtps://relay.example",
			SMTP_USER: "platform",
			SMTP_PASSWORD: "from-env",
			SMTP_PASSWORD_FILE: passwordFile,
		}).mail.smtp;
		assert.deepEqual(secure, {
			host: "relay.example",
			port: 465,
			secure: true,
			user: "platform",
			password: "from-file",
		});
	});

	it("refuses credentials in the URL, a user without a password, a bad sender or language, naming the variable", () => {
		refused({ SMTP_URL: "smtp://user:secret@relay.example" }, "SMTP_URL");
		refused({ SMTP_URL: "http://relay.example" }, "SMTP_URL");
		refused({ SMTP_URL: "smtp://relay.example", SMTP_USER: "platform" }, "SMTP_PASSWORD");
		refused({ SMTP_URL: "smtp://relay.example", SMTP_PASSWORD: "x" }, "SMTP_USER");
		refused(
			{ SMTP_PASSWORD_FILE: "/nonexistent/smtp-password", SMTP_URL: "smtp://relay.example", SMTP_USER: "u" },
			"SMTP_PASSWORD_FILE",
		);
		refused({ MAIL_FROM: "no address" }, "MAIL_FROM");
		refused({ MAIL_DEFAULT_LANGUAGE: "Dutch" }, "MAIL_DEFAULT_LANGUAGE");
		refused({ MAIL_SEND_ATTEMPTS: "0" }, "MAIL_SEND_ATTEMPTS");
	});

	it("a refused value's message never holds the password", () => {
		try {
			parseConfig({ SMTP_URL: "smtp://user:hunter2@relay.example" });
			assert.fail("accepted");
		} catch (error) {
			assert.ok(error instanceof ConfigError);
			assert.ok(!error.message.includes("hunter2"), error.message);
		}
	});
});
