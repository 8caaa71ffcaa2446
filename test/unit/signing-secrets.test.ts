import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Sequelize } from "sequelize";
import { createSequelize, migrate } from "../../lib/database.ts";
import { webhooksSchema } from "../../services/webhook/migrations/0001-webhooks.ts";
import { sealedSecrets } from "../../services/webhook/migrations/0002-sealed-secrets.ts";
import {
	isSealed,
	newSigningSecret,
	openSecret,
	SealedSecretError,
	sealSecret,
	sealUnderCurrentKey,
	signingSecretsKey,
	signingSecretsKeys,
} from "../../services/webhook/signing-secrets.ts";

describe("partners' signing secrets at rest (services/webhook/signing-secrets.ts)", () => {
	const key = randomBytes(32);
	const keys = { current: key, previous: null };
	const endpoint = randomUUID();

	it("seals a secret so that only its key and endpoint open it, with a fresh nonce each time", () => {
		const secret = newSigningSecret();
		assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
		const sealed = sealSecret(key, endpoint, secret);
		assert.ok(isSealed(sealed) && !sealed.includes(secret.slice(6)), sealed);
		assert.ok(sealed.length <= 100, "fits the column (100 characters)");
		assert.notEqual(sealSecret(key, endpoint, secret), sealed);
		assert.equal(openSecret(keys, endpoint, sealed), secret);
		assert.throws(
			() => openSecret({ current: randomBytes(32), previous: null }, endpoint, sealed),
			SealedSecretError,
			"another key",
		);
		assert.throws(() => openSecret(keys, randomUUID(), sealed), SealedSecretError, "another endpoint's row");
		const [version, nonce, body] = sealed.split(".");
		const flipped = `${body.slice(0, 10)}${body[10] === "A" ? "B" : "A"}${body.slice(11)}`;
		assert.throws(() => openSecret(keys, endpoint, [version, nonce, flipped].join(".")), SealedSecretError);
		assert.throws(() => openSecret(keys, endpoint, secret), SealedSecretError, "a secret in clear");
		assert.throws(() => openSecret(keys, endpoint, "v1.AAAA.AAAA"), SealedSecretError, "cut short");
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
			const previous = randomBytes(32);
			const unused = join(dir, "unused.key");
			assert.deepEqual(
				signingSecretsKeys({ secretsKey: key, previousSecretsKey: previous, embeddedKeyFile: unused }),
				{ current: key, previous },
			);
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

	it("a rotation: secrets under the previous key open, and are sealed again under the new one", () =>
		withWebhookDatabase(async (sequelize) => {
			const [previous, current, lost] = [randomBytes(32), randomBytes(32), randomBytes(32)];
			const secrets = new Map(
				[previous, current, lost].map((sealedUnder) => {
					const id = randomUUID();
					const secret = newSigningSecret();
					return [id, { secret, sealed: sealSecret(sealedUnder, id, secret) }];
				}),
			);
			await insertEndpoints(
				sequelize,
				[...secrets].map(([id, { sealed }]) => ({ id, secret: sealed })),
			);
			const [underPrevious, underCurrent, underLost] = [...secrets.keys()];
			const rotating = { current, previous };
			assert.equal(
				openSecret(rotating, underPrevious, (secrets.get(underPrevious) as { sealed: string }).sealed),
				secrets.get(underPrevious)?.secret,
			);

			assert.deepEqual(await sealUnderCurrentKey(sequelize, rotating), {
				resealed: 1,
				unopened: [underLost],
			});
			const stored = await storedSecrets(sequelize);
			const afterRotation = { current, previous: null };
			assert.equal(
				openSecret(afterRotation, underPrevious, stored.get(underPrevious) as string),
				secrets.get(underPrevious)?.secret,
			);
			assert.equal(
				stored.get(underCurrent),
				secrets.get(underCurrent)?.sealed,
				"a secret already under the key is left",
			);
			assert.equal(stored.get(underLost), secrets.get(underLost)?.sealed, "one under neither key is left");
			assert.deepEqual(await sealUnderCurrentKey(sequelize, rotating), {
				resealed: 0,
				unopened: [underLost],
			});
		}));

	it("migration 0002 seals the secrets stored in clear before it, and they still open", () =>
		withWebhookDatabase(async (sequelize) => {
			const secret = newSigningSecret();
			await insertEndpoints(sequelize, [{ id: endpoint, secret }]);
			assert.deepEqual(await migrate(sequelize, [webhooksSchema, sealedSecrets(() => key)], "webhook-test"), [
				"0002-sealed-secrets",
			]);
			const stored = (await storedSecrets(sequelize)).get(endpoint) as string;
			assert.ok(isSealed(stored), stored);
			assert.equal(openSecret(keys, endpoint, stored), secret);
		}));
});

/** A webhook database on a SQLite file of its own with the first migration applied, removed afterwards. */
async function withWebhookDatabase(test: (sequelize: Sequelize) => Promise<void>): Promise<void> {
	const dir = await mkdtemp(join(tmpdir(), "webhook-secrets-"));
	const sequelize = createSequelize({ dialect: "sqlite", storage: join(dir, "webhook.sqlite"), poolMax: 1 });
	try {
		await migrate(sequelize, [webhooksSchema], "webhook-test");
		await test(sequelize);
	} finally {
		await sequelize.close();
		await rm(dir, { recursive: true });
	}
}

async function insertEndpoints(sequelize: Sequelize, endpoints: Array<{ id: string; secret: string }>) {
	const now = new Date();
	await sequelize.getQueryInterface().bulkInsert(
		"webhook_endpoints",
		endpoints.map(({ id, secret }) => ({
			id,
			partner_client_id: "fleet-partner",
			url: "https://partner.example/hooks",
			event_types: JSON.stringify(["booking.created.v1"]),
			secret,
			status: "enabled",
			consecutive_failures: 0,
			created_at: now,
			updated_at: now,
		})),
	);
}

async function storedSecrets(sequelize: Sequelize): Promise<Map<string, string>> {
	const [rows] = (await sequelize.query("SELECT id, secret FROM webhook_endpoints")) as [
		Array<{ id: string; secret: string }>,
		unknown,
	];
	return new Map(rows.map((row) => [row.id, row.secret]));
}
