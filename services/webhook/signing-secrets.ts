import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Sequelize } from "sequelize";
import { decodeKey, WEBHOOK_SECRETS_KEY_BYTES } from "../../config/connection-security.ts";
import type { WebhooksConfig } from "../../config/index.ts";
import { execute, selectRows } from "../../lib/database.ts";

/**
 * Partners' signing secrets at rest. A delivery is signed with its endpoint's secret, so the service must get it
 * back: it is stored sealed (AES-256-GCM) under the platform's key, which is never in the database, and bound to
 * its endpoint's id, so that a sealed secret copied onto another row does not open. A dump or backup of the
 * webhook database alone cannot forge a partner's deliveries.
 *
 * The key is rotated by giving the new one as the key and the old one as the previous key: secrets sealed under
 * either open, and each node seals those of the previous key again under the new one when it starts.
 */

/** What secrets are sealed under, and while a rotation runs, what they were sealed under before. */
export interface SecretsKeys {
	current: Buffer;
	previous: Buffer | null;
}

/** Standard Webhooks' form: `whsec_` and the secret's 32 random bytes in base64. */
const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
/** `v1.<nonce>.<ciphertext and tag>`, base64url: 84 characters. */
const SEALED_VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SealedSecretError extends Error {}

export function newSigningSecret(): string {
	return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

export function isSealed(stored: string): boolean {
	return stored.startsWith(`${SEALED_VERSION}.`);
}

export function sealSecret(key: Buffer, endpointId: string, secret: string): string {
	const raw = Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
	if (!secret.startsWith(SECRET_PREFIX) || raw.length !== SECRET_BYTES)
		throw new SealedSecretError("not a signing secret (whsec_ and 32 bytes in base64)");
	const nonce = randomBytes(NONCE_BYTES);
	const cipher = createCipheriv("aes-256-gcm", key, nonce).setAAD(Buffer.from(endpointId));
	const sealed = Buffer.concat([cipher.update(raw), cipher.final(), cipher.getAuthTag()]);
	return [SEALED_VERSION, nonce.toString("base64url"), sealed.toString("base64url")].join(".");
}

/**
 * The secret again, under the current key or the previous one; throws when neither key, the endpoint or the
 * stored value is the one it was sealed with.
 */
export function openSecret(keys: SecretsKeys, endpointId: string, stored: string): string {
	try {
		return openWith(keys.current, endpointId, stored);
	} catch (error) {
		if (!keys.previous) throw error;
		return openWith(keys.previous, endpointId, stored);
	}
}

function openWith(key: Buffer, endpointId: string, stored: string): string {
	const [version, nonce, sealed] = stored.split(".");
	if (version !== SEALED_VERSION || nonce === undefined || sealed === undefined)
		throw new SealedSecretError("not a sealed secret");
	const bytes = Buffer.from(sealed, "base64url");
	try {
		const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"))
			.setAAD(Buffer.from(endpointId))
			.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
		const raw = Buffer.concat([
			decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
			decipher.final(),
		]);
		return `${SECRET_PREFIX}${raw.toString("base64")}`;
	} catch {
		throw new SealedSecretError("the sealed secret does not open with the key for this endpoint");
	}
}

/** The keys of this configuration: the key secrets are sealed under (below), and the previous one if any. */
export function signingSecretsKeys(
	settings: Pick<WebhooksConfig, "secretsKey" | "previousSecretsKey" | "embeddedKeyFile">,
): SecretsKeys {
	return { current: signingSecretsKey(settings), previous: settings.previousSecretsKey };
}

/** What `sealUnderCurrentKey` did to the stored secrets. */
export interface Resealing {
	/** Sealed under the previous key, now under the current one. */
	resealed: number;
	/** Open under neither key: their endpoints' deliveries wait (the dispatcher logs each). */
	unopened: string[];
}

/**
 * Seals again under the current key every stored secret that opens only under the previous one. Each row is
 * replaced only if it still holds what was read, so nodes starting together do not undo each other's work.
 */
export async function sealUnderCurrentKey(sequelize: Sequelize, keys: SecretsKeys): Promise<Resealing> {
	const rows = await selectRows<{ id: string; secret: string }>(
		sequelize,
		"SELECT id, secret FROM webhook_endpoints",
		[],
	);
	const outcome: Resealing = { resealed: 0, unopened: [] };
	for (const { id, secret } of rows) {
		if (openedWith(keys.current, id, secret) !== undefined) continue;
		const clear = keys.previous ? openedWith(keys.previous, id, secret) : undefined;
		if (clear === undefined) {
			outcome.unopened.push(id);
			continue;
		}
		await execute(sequelize, "UPDATE webhook_endpoints SET secret = ? WHERE id = ? AND secret = ?", [
			sealSecret(keys.current, id, clear),
			id,
			secret,
		]);
		outcome.resealed++;
	}
	return outcome;
}

/** The secret in clear, or undefined when it was not sealed under this key for this endpoint. */
function openedWith(key: Buffer, endpointId: string, stored: string): string | undefined {
	try {
		return openWith(key, endpointId, stored);
	} catch {
		return undefined;
	}
}

/**
 * The key secrets are sealed under: `WEBHOOK_SECRETS_KEY` (required in cluster mode), or in embedded mode a key
 * of its own in the data directory, made on first use and readable by its owner only.
 */
export function signingSecretsKey(settings: Pick<WebhooksConfig, "secretsKey" | "embeddedKeyFile">): Buffer {
	if (settings.secretsKey) return settings.secretsKey;
	const file = settings.embeddedKeyFile;
	try {
		return keyFrom(readFileSync(file, "utf8"), file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
	}
	mkdirSync(dirname(file), { recursive: true });
	const key = randomBytes(WEBHOOK_SECRETS_KEY_BYTES);
	try {
		// `wx`: of two processes starting at once, one writes the key and the other reads it.
		writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
		return key;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
		return keyFrom(readFileSync(file, "utf8"), file);
	}
}

function keyFrom(text: string, file: string): Buffer {
	const key = decodeKey(text, WEBHOOK_SECRETS_KEY_BYTES);
	if (key === null) throw new SealedSecretError(`${file}: not ${WEBHOOK_SECRETS_KEY_BYTES} bytes in base64`);
	return key;
}
