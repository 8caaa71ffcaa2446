import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type Server } from "node:net";
import { after, before, describe, mock, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { DEMO_CLIENTS } from "../../demo/people.ts";
import { SCOPES } from "../../lib/auth.ts";
import {
	createTokenVerifier,
	IdentityProviderUnavailableError,
	TokenRejectedError,
	type TokenVerifierOptions,
} from "../../services/gateway/token-verifier.ts";
import { type DevIdentityProvider, startDevIdentityProvider } from "../../services/identity/dev-provider.ts";
import { fetchClientCredentialsToken, fetchUserTokens } from "../../services/identity/token-client.ts";

const AUDIENCE = "cleaning-platform-api";
const running: DevIdentityProvider[] = [];
const stubs: Server[] = [];

async function freePort(): Promise<number> {
	const server = createTcpServer();
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as { port: number };
	await new Promise((resolve) => server.close(resolve));
	return port;
}

async function startProvider(options: { port?: number; accessTokenTtlSeconds?: number } = {}) {
	const port = options.port ?? (await freePort());
	const issuer = `http://127.0.0.1:${port}`;
	const provider = await startDevIdentityProvider({
		port,
		issuer,
		audience: AUDIENCE,
		accessTokenTtlSeconds: options.accessTokenTtlSeconds,
	});
	running.push(provider);
	return provider;
}

/** The API scopes a demo client was granted (not the sign-in ones, such as openid): what its tokens carry. */
function apiScopesOf(clientId: string): string[] {
	const client = DEMO_CLIENTS.find((candidate) => candidate.clientId === clientId);
	assert.ok(client, `no demo client ${clientId}`);
	return client.scopes.filter((scope) => (SCOPES as readonly string[]).includes(scope));
}

function verifierFor(issuer: string, options: Partial<TokenVerifierOptions> = {}) {
	return createTokenVerifier({ issuer, audience: AUDIENCE, clockSkewSeconds: 5, ...options });
}

async function userToken(issuer: string, username = "alice"): Promise<string> {
	return (await fetchUserTokens(issuer, username)).accessToken;
}

async function rejection(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => assert.fail("the token was accepted"),
		(caught: unknown) => caught,
	);
	assert.ok(error instanceof TokenRejectedError, `expected TokenRejectedError, got ${String(error)}`);
	return error.reason;
}

async function unavailability(promise: Promise<unknown>): Promise<void> {
	const error = await promise.then(
		() => assert.fail("the token was accepted"),
		(caught: unknown) => caught,
	);
	assert.ok(
		error instanceof IdentityProviderUnavailableError,
		`expected unavailability, got ${String(error)}`,
	);
}

function base64url(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function providerJwks(issuer: string): Promise<JWK[]> {
	const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
		jwks_uri: string;
	};
	return ((await (await fetch(discovery.jwks_uri)).json()) as { keys: JWK[] }).keys;
}

/** Sleeps until the token's `exp` is at least `seconds` in the past. */
async function waitUntilExpiredFor(token: string, seconds: number): Promise<void> {
	const exp = decodeJwt(token).exp ?? 0;
	await sleep(Math.max(0, (exp + seconds) * 1000 - Date.now() + 50));
}

after(async () => {
	await Promise.all(running.map((provider) => provider.close().catch(() => undefined)));
	await Promise.all(stubs.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe("token verifier against the development identity provider", () => {
	let provider: DevIdentityProvider;
	let issuer: string;
	let aliceToken: string;
	let alicePayload: JWTPayload;

	before(async () => {
		provider = await startProvider();
		issuer = provider.issuer;
		aliceToken = await userToken(issuer);
		alicePayload = decodeJwt(aliceToken);
	});

	describe("accepts", () => {
		test("a user token, with the user's roles and the app's scopes", async () => {
			const user = await verifierFor(issuer).verify(aliceToken);
			assert.deepEqual(user, {
				id: "alice",
				roles: ["customer"],
				scopes: apiScopesOf("web-app"),
				clientId: "web-app",
			});
		});

		test("cleaner and admin tokens with their roles", async () => {
			const verifier = verifierFor(issuer);
			assert.deepEqual((await verifier.verify(await userToken(issuer, "carla"))).roles, ["cleaner"]);
			assert.deepEqual((await verifier.verify(await userToken(issuer, "olga"))).roles, ["admin"]);
		});

		test("a client-credentials token, with the client's scopes and no roles", async () => {
			const token = await fetchClientCredentialsToken(issuer, "fleet-partner", "fleet-partner-secret");
			assert.deepEqual(await verifierFor(issuer).verify(token), {
				id: "fleet-partner",
				roles: [],
				scopes: apiScopesOf("fleet-partner"),
				clientId: "fleet-partner",
			});
		});

		test("a client-credentials token narrowed to a requested scope", async () => {
			const token = await fetchClientCredentialsToken(
				issuer,
				"fleet-readonly",
				"fleet-readonly-secret",
				"catalog:read",
			);
			assert.deepEqual((await verifierFor(issuer).verify(token)).scopes, ["catalog:read"]);
		});

		test("no roles when the configured roles claim is not an array of roles", async () => {
			const user = await verifierFor(issuer, { rolesClaim: "realm_access" }).verify(aliceToken);
			assert.deepEqual(user.roles, []);
		});
	});

	describe("rejects", () => {
		test("malformed tokens", async () => {
			const verifier = verifierFor(issuer);
			assert.equal(await rejection(verifier.verify("")), "malformed");
			assert.equal(await rejection(verifier.verify("not-a-jwt")), "malformed");
			assert.equal(await rejection(verifier.verify("a.b.c")), "malformed");
		});

		test('an unsigned token (alg "none")', async () => {
			const token = `${base64url({ alg: "none", typ: "at+jwt" })}.${base64url(alicePayload)}.`;
			assert.equal(await rejection(verifierFor(issuer).verify(token)), "algorithm not allowed");
		});

		test("an HS256 token keyed with the provider's public key (algorithm confusion)", async () => {
			const [jwk] = await providerJwks(issuer);
			const publicKeyBytes = new TextEncoder().encode(
				createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "pem" }).toString(),
			);
			const token = await new SignJWT({ ...alicePayload, realm_access: { roles: ["admin"] } })
				.setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: jwk.kid })
				.sign(publicKeyBytes);
			assert.equal(await rejection(verifierFor(issuer).verify(token)), "algorithm not allowed");
		});

		test("a token whose payload was changed after signing", async () => {
			const [header, , signature] = aliceToken.split(".");
			const promoted = { ...alicePayload, realm_access: { roles: ["admin"] } };
			const token = `${header}.${base64url(promoted)}.${signature}`;
			assert.equal(await rejection(verifierFor(issuer).verify(token)), "bad signature");
		});

		test("a token whose signature was altered", async () => {
			const [header, payload, signature] = aliceToken.split(".");
			const altered = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
			assert.equal(
				await rejection(verifierFor(issuer).verify(`${header}.${payload}.${altered}`)),
				"bad signature",
			);
		});

		test("a token signed by a foreign key, under an unknown or the provider's key id", async () => {
			const { privateKey } = await generateKeyPair("ES256");
			const forge = (kid: string) =>
				new SignJWT(alicePayload).setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid }).sign(privateKey);
			const verifier = verifierFor(issuer, { jwksCooldownSeconds: 0 });
			assert.equal(await rejection(verifier.verify(await forge("attacker-key"))), "unknown signing key");
			const providerKid = decodeProtectedHeader(aliceToken).kid as string;
			assert.equal(await rejection(verifier.verify(await forge(providerKid))), "bad signature");
		});

		test("a token from another issuer", async () => {
			// A discovery document for another issuer that publishes the same keys: only `iss` differs.
			const stub = createHttpServer(async (_req, res) => {
				const { port } = stub.address() as { port: number };
				const discovery = (await (
					await fetch(`${issuer}/.well-known/openid-configuration`)
				).json()) as object;
				res.setHeader("content-type", "application/json");
				res.end(JSON.stringify({ ...discovery, issuer: `http://127.0.0.1:${port}` }));
			});
			stubs.push(stub);
			await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
			const { port } = stub.address() as { port: number };
			const verifier = verifierFor(`http://127.0.0.1:${port}`);
			assert.equal(await rejection(verifier.verify(aliceToken)), "wrong issuer");
		});

		test("a token for another audience", async () => {
			const verifier = verifierFor(issuer, { audience: "some-other-api" });
			assert.equal(await rejection(verifier.verify(aliceToken)), "wrong audience");
		});

		test("an ID token used as an access token, even where its audience is accepted", async () => {
			const { idToken } = await fetchUserTokens(issuer, "alice");
			assert.equal(await rejection(verifierFor(issuer).verify(idToken)), "not an access token");
			assert.equal(
				await rejection(verifierFor(issuer, { audience: "web-app" }).verify(idToken)),
				"not an access token",
			);
		});

		test("a token issued in the future, beyond the clock skew", async () => {
			// The provider runs in this process: moving its clock a minute ahead makes it issue such a token.
			mock.timers.enable({ apis: ["Date"], now: Date.now() + 60_000 });
			let token: string;
			try {
				token = await fetchClientCredentialsToken(issuer, "fleet-partner", "fleet-partner-secret");
			} finally {
				mock.timers.reset();
			}
			assert.equal(
				await rejection(verifierFor(issuer, { clockSkewSeconds: 5 }).verify(token)),
				"not yet valid",
			);
			assert.equal((await verifierFor(issuer, { clockSkewSeconds: 90 }).verify(token)).id, "fleet-partner");
		});
	});

	describe("expiry", () => {
		test("an expired token is refused, and accepted while its expiry is within the clock skew", async () => {
			const shortLived = await startProvider({ accessTokenTtlSeconds: 1 });
			const token = await userToken(shortLived.issuer);
			await waitUntilExpiredFor(token, 1);
			assert.equal(
				await rejection(verifierFor(shortLived.issuer, { clockSkewSeconds: 0 }).verify(token)),
				"expired",
			);
			assert.equal((await verifierFor(shortLived.issuer, { clockSkewSeconds: 5 }).verify(token)).id, "alice");
		});
	});
});

describe("signing keys", () => {
	test("after a key rotation, new tokens verify without recreating the verifier; old ones stop", async () => {
		const provider = await startProvider();
		const verifier = verifierFor(provider.issuer, { jwksCooldownSeconds: 0 });
		const before = await userToken(provider.issuer);
		assert.equal((await verifier.verify(before)).id, "alice");

		await provider.rotateKeys();
		const afterRotation = await userToken(provider.issuer, "bob");
		assert.notEqual(decodeProtectedHeader(afterRotation).kid, decodeProtectedHeader(before).kid);
		assert.equal((await verifier.verify(afterRotation)).id, "bob");
		assert.equal(await rejection(verifier.verify(before)), "unknown signing key");
	});

	test("a remembered token stops verifying once a fetch of the key set no longer has its key", async () => {
		const provider = await startProvider();
		const verifier = verifierFor(provider.issuer, { jwksCooldownSeconds: 0 });
		const remembered = await userToken(provider.issuer);
		await verifier.verify(remembered);
		// Answered from the verified-token cache, which checks the published keys.
		assert.equal((await verifier.verify(remembered)).id, "alice");

		await provider.rotateKeys();
		assert.equal((await verifier.verify(await userToken(provider.issuer, "bob"))).id, "bob");
		assert.equal(await rejection(verifier.verify(remembered)), "unknown signing key");
	});

	test("within the cooldown, a token with an unknown key id is refused without refetching", async () => {
		const provider = await startProvider();
		const verifier = verifierFor(provider.issuer);
		await verifier.verify(await userToken(provider.issuer));
		await provider.rotateKeys();
		assert.equal(await rejection(verifier.verify(await userToken(provider.issuer))), "unknown signing key");
	});
});

describe("identity provider unavailable", () => {
	test("cached keys keep working; an unseen key id fails fast as unavailable", async () => {
		const provider = await startProvider();
		const verifier = verifierFor(provider.issuer, { jwksCooldownSeconds: 0 });
		const known = await userToken(provider.issuer);
		await verifier.verify(known);
		await provider.rotateKeys();
		const unseen = await userToken(provider.issuer);
		await provider.close();

		assert.equal((await verifier.verify(known)).id, "alice");
		const started = performance.now();
		await unavailability(verifier.verify(unseen));
		assert.ok(performance.now() - started < 3000, "took 3 s or more");
	});

	test("discovery failing is reported as unavailable and retried on the next call", async () => {
		const port = await freePort();
		const verifier = verifierFor(`http://127.0.0.1:${port}`);
		await unavailability(verifier.verify(await userToken((await startProvider()).issuer)));

		const provider = await startProvider({ port });
		assert.equal((await verifier.verify(await userToken(provider.issuer))).id, "alice");
	});

	test("loadKeys fails as unavailable until the provider answers; the keys it fetched outlive the provider", async () => {
		const port = await freePort();
		const verifier = verifierFor(`http://127.0.0.1:${port}`);
		await unavailability(verifier.loadKeys());

		const provider = await startProvider({ port });
		await verifier.loadKeys();
		const token = await userToken(provider.issuer);
		await provider.close();
		assert.equal((await verifier.verify(token)).id, "alice", "verified with the keys loadKeys fetched");
		await verifier.loadKeys();
	});

	test("a provider that accepts connections but never answers times out as unavailable", async () => {
		const silent = createTcpServer(() => undefined);
		stubs.push(silent);
		await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
		const { port } = silent.address() as { port: number };
		const token = await userToken((await startProvider()).issuer);

		const started = performance.now();
		await unavailability(verifierFor(`http://127.0.0.1:${port}`, { fetchTimeoutMs: 300 }).verify(token));
		assert.ok(performance.now() - started < 2000, "the fetch timeout was not applied");
	});

	test("malformed tokens are refused without contacting the provider", async () => {
		const verifier = verifierFor(`http://127.0.0.1:${await freePort()}`);
		assert.equal(await rejection(verifier.verify("not-a-jwt")), "malformed");
	});
});

describe("configuration", () => {
	test("symmetric and unsigned algorithms cannot be enabled", () => {
		assert.throws(() => verifierFor("http://127.0.0.1:1", { algorithms: ["RS256", "HS256"] }), TypeError);
		assert.throws(() => verifierFor("http://127.0.0.1:1", { algorithms: ["none"] }), TypeError);
	});
});
