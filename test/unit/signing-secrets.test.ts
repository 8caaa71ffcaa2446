import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createSequelize, migrate } from "../../lib/database.ts";
import { webhooksSchema } from "../../services/webhook/migrations/0001-webhooks.ts";
import { sealedSecrets } from "../../services/webhook/migrations/0002-sealed-secrets.ts";
import {
	isSealed,
	newSigningSecret,
	openSecret,
	SealedSecretError,
	sealSecret,
	signingSecretsKey,
} from "../../services/webhook/signing-secrets.ts";

describe("partners' signing secrets at rest (services/webhook/signing-secrets.ts)", () => {
	const key = randomBytes(32);
	const endpoint = randomUUID();

	it("seals a secret so that only its key and endpoint open it, with a fresh nonce each time", () => {
		const secret = newSigningSecret();
		assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
		const sealed = sealSecret(key, endpoint, secret);
		assert.ok(isSealed(sealed) && !sealed.includes(secret.slice(6)), sealed);
		assert.ok(sealed.length <= 100, "fits the column (100 characters)");
		assert.notEqual(sealSecret(key, endpoint, secret), sealed);
		assert.equal(openSecret(key, endpoint, sealed), secret);
		assert.throws(() => openSecret(randomBytes(32), endpoint, sealed), SealedSecretError, "another key");
		assert.throws(() => openSecret(key, randomUUID(), sealed), SealedSecretError, "another endpoint's row");
		const [version, nonce, body] = sealed.split(".");
		const flipped = `${body.slice(0, 10)}${body[10] === "A" ? "B" : "A"}${body.slice(11)}`;
		assert.throws(() => openSecret(key, endpoint, [version, nonce, flipped].join(".")), SealedSecretError);
		assert.throws(() => openSecret(key, endpoint, secret), SealedSecretError, "a secret in clear");
		assert.throws(() => openSecret(key, endpoint, "v1.AAAA.AAAA"), SealedSecretError, "cut short");
		assert.throws(() => sealSecret(key, endpoint, "whsec_c2hvcnQ="), SealedSecretError);
	});

	describe("the key", () => {
		let dir: string;
		before(async () => {
			dir = await mkdtemp(join(tmpdir(), "signing-secrets-"));
		});
		after(() => rm(dir, { recursive: true }));

		it("is the configured one where set", () => {
			assert.equal(signingSecretsKey({ secretsKey: key, embeddedKeyFile: join(dir, "unused.key") }), key);
		});

		it("in embedded mode is made once in the data directory, readable by its owner only", async () => {
			const settings = { secretsKey: null, embeddedKeyFile: join(dir, "data", "webhook-secrets.key") };
			const made = signingSecretsKey(settings);
			assert.equal(made.length, 32);
			assert.equal((await stat(settings.embeddedKeyFile)).mode & 0o777, 0o600);
			assert.deepEqual(signingSecretsKey(settings), made, "read back, not made again");
			assert.equal((await readFile(settings.embeddedKeyFile, "utf8")).trim(), made.toString("base64"));
		});

		it("refuses a key file that does not hold 32 bytes", async () => {
			const file = join(dir, "short.key");
			await writeFile(file, "c2hvcnQ=\n");
			assert.throws(() => signingSecretsKey({ secretsKey: null, embeddedKeyFile: file }), /not 32 bytes/);
		});
	});

	it("migration 0002 seals the secrets stored in clear before it, and they still open", async () => {
		const dir = await mkdtemp(join(tmpdir(), "webhook-migration-"));
		const sequelize = createSequelize({
			dialect: "sqlite",
			storage: join(dir, "webhook.sqlite"),
			poolMax: 1,
		});
		try {
			await migrate(sequelize, [webhooksSchema], "webhook-test");
			const secret = newSigningSecret();
			const now = new Date();
			await sequelize.getQueryInterface().bulkInsert("webhook_endpoints", [
				{
					id: endpoint,
					partner_client_id: "fleet-partner",
					url: "https://partner.example/hooks",
					event_types: JSON.stringify(["booking.created.v1"]),
					secret,
					status: "enabled",
					consecutive_failures: 0,
					created_at: now,
					updated_at: now,
				},
			]);
			assert.deepEqual(await migrate(sequelize, [webhooksSchema, sealedSecrets(() => key)], "webhook-test"), [
				"0002-sealed-secrets",
			]);
			const [rows] = (await sequelize.query("SELECT secret FROM webhook_endpoints")) as [
				Array<{ secret: string }>,
				unknown,
			];
			const [row] = rows;
			assert.ok(isSealed(row.secret), row.secret);
			assert.equal(openSecret(key, endpoint, row.secret), secret);
		} finally {
			await sequelize.close();
			await rm(dir, { recursive: true });
		}
	});
});
