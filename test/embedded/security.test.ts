/**
 * The gateway's security, tested from outside: every request goes over HTTP through the gateway of a real
 * platform process, with tokens from a real OpenID Provider (oidc-provider). Three platforms run:
 *
 * - `platform`: as `npm start` runs it, with its own development provider. Forged tokens, authorization,
 *   BOLA, mass assignment and the HTTP surface are tested here.
 * - `limited`: the same with RATE_LIMIT_PER_MINUTE=5.
 * - `external`: OIDC_ISSUER points at an issuer this test runs (test/support/security-issuer.ts: real
 *   providers behind one discovery document and key set). Claims a forger cannot produce with a valid
 *   signature (another issuer, another audience, expired, not yet valid) need a provider the test controls;
 *   so do key rotation and an identity provider outage.
 */
import assert from "node:assert/strict";
import { createPublicKey, type JsonWebKey, randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { after, before, describe, it, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { at, createVehicle, expectStatus, nextWeekday } from "../support/fixtures.ts";
import {
	ApiClient,
	type ApiOptions,
	type ApiResponse,
	type EmbeddedPlatform,
	startPlatform,
	waitForReady,
} from "../support/platform.ts";
import { startTestIssuer, type TestIssuer } from "../support/security-issuer.ts";
import { fetchUserTokens } from "../support/tokens.ts";

/** The platform's default OIDC_AUDIENCE; `external` is given it explicitly. */
const AUDIENCE = "cleaning-platform-api";
const CLOCK_SKEW_SECONDS = 30;
/** jose's default, which the gateway does not change (see the report: not configurable yet). */
const JWKS_COOLDOWN_MS = 30_000;
const RATE_LIMIT = 5;

const SECURITY_HEADERS = {
	"x-content-type-options": "nosniff",
	"x-frame-options": "DENY",
	"referrer-policy": "no-referrer",
	"content-security-policy": "default-src 'none'; frame-ancestors 'none'",
	"strict-transport-security": "max-age=31536000; includeSubDomains",
	"cache-control": "no-store",
};

/** What makes a platform trust the test's issuer. */
const externalIssuer = () => ({
	OIDC_ISSUER: idp.issuer,
	OIDC_AUDIENCE: AUDIENCE,
	OIDC_CLOCK_SKEW_SECONDS: String(CLOCK_SKEW_SECONDS),
});

let platform: EmbeddedPlatform;
let limited: EmbeddedPlatform;
let external: EmbeddedPlatform;
let idp: TestIssuer;
/** Calls `external` with tokens from the test issuer's trusted provider. */
let viaIdp: ApiClient;

before(async () => {
	idp = await startTestIssuer(AUDIENCE);
	const started = await Promise.allSettled([
		startPlatform(),
		startPlatform({ RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) }),
		startPlatform(externalIssuer()),
	]);
	const [a, b, c] = started.map((result) => (result.status === "fulfilled" ? result.value : undefined));
	[platform, limited, external] = [a, b, c] as EmbeddedPlatform[];
	const failed = started.find((result) => result.status === "rejected");
	if (failed) throw (failed as PromiseRejectedResult).reason;
	viaIdp = new ApiClient(external.baseUrl, idp.trusted.url);
});

after(async () => {
	await Promise.all([platform?.stop(), limited?.stop(), external?.stop()]);
	await idp?.close();
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

function assertUnauthorized(response: ApiResponse, reason?: string): void {
	assert.equal(response.status, 401, `expected 401, got ${response.status} ${JSON.stringify(response.body)}`);
	assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer\b/, "WWW-Authenticate: Bearer");
	if (reason !== undefined) assert.equal(response.body.error.message, `invalid token: ${reason}`);
}

function assertSecurityHeaders(response: ApiResponse, what: string): void {
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
		assert.equal(response.headers.get(name), value, `${name} on ${what}`);
	}
	assert.equal(response.headers.get("x-powered-by"), null, `no X-Powered-By on ${what}`);
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

function decode(token: string) {
	const [header, payload, signature] = token.split(".");
	return {
		header: decodeProtectedHeader(token) as Record<string, unknown>,
		payload: decodeJwt(token) as Record<string, unknown>,
		signingInput: `${header}.${payload}`,
		signature,
	};
}

/** Signs the claims of a real token with a key of our own (a forger's key). */
async function forge(
	claims: Record<string, unknown>,
	header: Record<string, unknown> & { alg: string },
	key: CryptoKey | Uint8Array,
): Promise<string> {
	return new SignJWT(claims).setProtectedHeader(header).sign(key);
}

/**
 * A real token from `signerUrl`, issued while the provider's clock is `offsetSeconds` off: the provider runs
 * in this process, so mocking Date here is exactly a provider whose clock is wrong, or a token issued that
 * long ago. The platform's clock (another process) is untouched.
 */
async function tokenIssuedWithClockOffset(
	t: TestContext,
	offsetSeconds: number,
	signerUrl = idp.trusted.url,
): Promise<string> {
	t.mock.timers.enable({ apis: ["Date"], now: Date.now() + offsetSeconds * 1000 });
	try {
		return (await fetchUserTokens(signerUrl, "alice")).accessToken;
	} finally {
		t.mock.timers.reset();
	}
}

/** The signing keys the platform's own provider publishes. */
async function publishedKeys(issuer: string): Promise<JWK[]> {
	const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
		jwks_uri: string;
	};
	return ((await (await fetch(discovery.jwks_uri)).json()) as { keys: JWK[] }).keys;
}

/** A token signed by a key nobody published, with every other claim right, under a fresh key id. */
async function foreignKeyToken(issuer: string): Promise<string> {
	const { privateKey } = await generateKeyPair("ES256");
	return new SignJWT({ sub: "alice", scope: "vehicles:read", realm_access: { roles: ["admin"] } })
		.setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: randomUUID() })
		.setIssuer(issuer)
		.setAudience(AUDIENCE)
		.setIssuedAt()
		.setExpirationTime("5m")
		.sign(privateKey);
}

// ---------------------------------------------------------------------------------------------------------

describe("tokens from an issuer the test controls (external platform, OIDC_ISSUER)", () => {
	it("is not ready until it has the issuer's keys, and answers 503 without internals meanwhile", async () => {
		const token = await viaIdp.token("alice");
		idp.available = false;
		let fresh: EmbeddedPlatform | undefined;
		try {
			fresh = await startPlatform(externalIssuer(), { until: "live" });
			const ready = await fetch(new URL("/health/ready", fresh.baseUrl));
			assert.equal(ready.status, 503, "not ready without the issuer's keys");
			const down = await fresh.api("GET", "/vehicles", { token });
			assert.equal(down.status, 503, JSON.stringify(down.body));
			assert.equal(down.headers.get("retry-after"), "5");
			assert.equal(down.body.error.message, "service temporarily unavailable");
			assert.doesNotMatch(
				JSON.stringify(down.body),
				/stack|\bat \S+ \(|127\.0\.0\.1|well-known|discovery|ECONN|fetch failed|select |sqlite/i,
			);
			assertSecurityHeaders(down, "a 503");
			idp.available = true;
			await waitForReady(new URL("/health/ready", fresh.baseUrl).href, 30_000);
			expectStatus(await fresh.api("GET", "/vehicles", { token }), 200, "after the issuer is back");
		} finally {
			idp.available = true;
			await fresh?.stop();
		}
	});

	it("accepts valid user and client-credentials tokens", async () => {
		expectStatus(await viaIdp.api("GET", "/vehicles", { as: "bob" }), 200, "user token");
		expectStatus(await viaIdp.api("GET", "/bookings", { as: "fleet-partner" }), 200, "client token");
	});

	it("refuses a real, validly signed token issued for another audience", async () => {
		const token = (await fetchUserTokens(idp.otherAudience.url, "alice")).accessToken;
		assert.equal(decodeJwt(token).iss, idp.issuer, "right issuer");
		assert.equal(decodeJwt(token).aud, "another-api");
		assertUnauthorized(await viaIdp.api("GET", "/vehicles", { token }), "wrong audience");
	});

	it("refuses a real, validly signed token that names another issuer", async () => {
		const token = (await fetchUserTokens(idp.otherIssuer.url, "alice")).accessToken;
		assert.equal(decodeJwt(token).aud, AUDIENCE, "right audience");
		assert.notEqual(decodeJwt(token).iss, idp.issuer);
		assertUnauthorized(await viaIdp.api("GET", "/vehicles", { token }), "wrong issuer");
	});

	it("refuses an expired token, and accepts one expired by less than the clock skew", async (t) => {
		const { iat, exp } = decodeJwt(await viaIdp.token("alice")) as { iat: number; exp: number };
		const ttl = exp - iat;

		const expiredLongAgo = await tokenIssuedWithClockOffset(t, -(ttl + CLOCK_SKEW_SECONDS + 60));
		assert.ok((decodeJwt(expiredLongAgo).exp as number) < Date.now() / 1000 - CLOCK_SKEW_SECONDS);
		assertUnauthorized(await viaIdp.api("GET", "/vehicles", { token: expiredLongAgo }), "expired");

		const justExpired = await tokenIssuedWithClockOffset(t, -(ttl + CLOCK_SKEW_SECONDS / 3));
		const justExpiredAt = decodeJwt(justExpired).exp as number;
		assert.ok(justExpiredAt < Date.now() / 1000, "the token has expired");
		expectStatus(await viaIdp.api("GET", "/vehicles", { token: justExpired }), 200, "within the skew");
	});

	it("refuses a token that is not valid yet, and accepts one issued less than the skew ahead", async (t) => {
		// oidc-provider sets no `nbf`: a token from a provider whose clock is ahead has `iat` in the future.
		const future = await tokenIssuedWithClockOffset(t, 3600);
		assertUnauthorized(await viaIdp.api("GET", "/vehicles", { token: future }), "not yet valid");

		const slightlyAhead = await tokenIssuedWithClockOffset(t, CLOCK_SKEW_SECONDS / 3);
		expectStatus(await viaIdp.api("GET", "/vehicles", { token: slightlyAhead }), 200, "within the skew");
	});

	it("keeps accepting tokens with cached keys while the identity provider is down", async () => {
		const token = (await fetchUserTokens(idp.trusted.url, "bob")).accessToken;
		idp.available = false;
		try {
			expectStatus(await viaIdp.api("GET", "/vehicles", { token }), 200, "with the issuer down");
		} finally {
			idp.available = true;
		}
	});
});

describe("forged and misused tokens (platform's own provider)", () => {
	it("answers 401 with WWW-Authenticate: Bearer when a protected route gets no token", async () => {
		const response = await platform.api("GET", "/vehicles");
		assertUnauthorized(response);
		assert.equal(response.body.error.message, "authentication required");
	});

	it("accepts a valid token", async () => {
		expectStatus(await platform.api("GET", "/vehicles", { as: "alice" }), 200, "valid token");
	});

	it("refuses malformed tokens and other schemes", async () => {
		for (const token of ["not-a-jwt", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30", "...", `${"A".repeat(5000)}`]) {
			assertUnauthorized(await platform.api("GET", "/vehicles", { token }), "malformed");
		}
		const alice = await platform.token("alice");
		for (const authorization of [`Basic ${Buffer.from("alice:demo").toString("base64")}`, "Bearer", alice]) {
			assertUnauthorized(
				await platform.api("GET", "/vehicles", { headers: { Authorization: authorization } }),
			);
		}
	});

	it("refuses an unsigned token (alg: none) carrying a real token's claims", async () => {
		const real = decode(await platform.token("alice"));
		for (const alg of ["none", "None", "NONE"]) {
			const token = `${b64url({ ...real.header, alg })}.${b64url(real.payload)}.`;
			assertUnauthorized(await platform.api("GET", "/vehicles", { token }), "algorithm not allowed");
		}
	});

	it("refuses an HS256 token whose secret is the provider's public key", async () => {
		const real = decode(await platform.token("alice"));
		const [published] = (await publishedKeys(platform.issuer)).filter((key) => key.kid === real.header.kid);
		assert.ok(published, "the provider publishes the key that signed the real token");
		const pem = createPublicKey({ key: published as JsonWebKey, format: "jwk" })
			.export({ type: "spki", format: "pem" })
			.toString();
		for (const secret of [pem, JSON.stringify(published)]) {
			const token = await forge(
				{ ...real.payload, realm_access: { roles: ["admin"] } },
				{ alg: "HS256", typ: "at+jwt", kid: real.header.kid },
				new TextEncoder().encode(secret),
			);
			assertUnauthorized(await platform.api("GET", "/customers", { token }), "algorithm not allowed");
		}
	});

	it("refuses a real token whose signature or claims were tampered with", async () => {
		const real = decode(await platform.token("alice"));
		// A character in the middle: the last one of a base64url signature may only carry padding bits.
		const i = Math.floor(real.signature.length / 2);
		const flipped = real.signature[i] === "A" ? "B" : "A";
		const badSignature = `${real.signingInput}.${real.signature.slice(0, i)}${flipped}${real.signature.slice(i + 1)}`;
		assertUnauthorized(await platform.api("GET", "/vehicles", { token: badSignature }), "bad signature");

		// Alice makes herself an admin and keeps the provider's signature.
		const escalated = `${b64url(real.header)}.${b64url({ ...real.payload, realm_access: { roles: ["admin"] } })}.${real.signature}`;
		assertUnauthorized(await platform.api("GET", "/customers", { token: escalated }), "bad signature");
	});

	it("refuses a token signed by a foreign key under an unknown key id", async () => {
		const token = await foreignKeyToken(platform.issuer);
		assertUnauthorized(await platform.api("GET", "/customers", { token }), "unknown signing key");
	});

	it("refuses a foreign key that reuses the provider's key id or ships its own key (jwk, jku headers)", async () => {
		const real = decode(await platform.token("alice"));
		const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
		const claims = { ...real.payload, realm_access: { roles: ["admin"] } };
		const sameKid = await forge(claims, { alg: "ES256", typ: "at+jwt", kid: real.header.kid }, privateKey);
		assertUnauthorized(await platform.api("GET", "/customers", { token: sameKid }), "bad signature");

		const embedded = await forge(
			claims,
			{ alg: "ES256", typ: "at+jwt", jwk: await exportJWK(publicKey), jku: "http://127.0.0.1:9/jwks" },
			privateKey,
		);
		assertUnauthorized(await platform.api("GET", "/customers", { token: embedded }));
	});

	it("refuses an ID token used as an access token", async () => {
		const { idToken } = await fetchUserTokens(platform.issuer, "alice");
		assert.equal(decodeJwt(idToken).iss, decode(await platform.token("alice")).payload.iss, "same issuer");
		assertUnauthorized(await platform.api("GET", "/vehicles", { token: idToken }), "not an access token");
	});
});

describe("authorization: roles and scopes", () => {
	it("answers 403 to non-admins on admin routes", async () => {
		const cases: Array<[string, string, ApiOptions]> = [
			["GET", "/customers", { as: "alice" }],
			["GET", "/customers", { as: "carla" }],
			["POST", "/services", { as: "carla", body: { code: "x" } }],
			["POST", "/services", { as: "alice", body: { code: "x" } }],
			["GET", "/settings", { as: "bob" }],
			["GET", "/cleaners", { as: "alice" }],
			["GET", "/customers", { as: "fleet-partner" }],
			["POST", "/services", { as: "fleet-partner", body: { code: "x" } }],
		];
		for (const [method, path, options] of cases) {
			const response = await platform.api(method, path, options);
			assert.equal(
				response.status,
				403,
				`${method} ${path} as ${options.as}: ${JSON.stringify(response.body)}`,
			);
		}
		expectStatus(await platform.api("GET", "/customers", { as: "olga" }), 200, "the admin");
	});

	it("lets a third-party client book only with bookings:write", async () => {
		const body = {
			vehicleId: randomUUID(),
			serviceType: "exterior-wash",
			start: at(nextWeekday(2), "10:00"),
		};
		const readonly = await platform.api("POST", "/bookings", { as: "fleet-readonly", body });
		assert.equal(readonly.status, 403, JSON.stringify(readonly.body));
		// Reading is within its scopes.
		expectStatus(await platform.api("GET", "/bookings", { as: "fleet-readonly" }), 200, "bookings:read");

		const partner = await platform.api("POST", "/bookings", { as: "fleet-partner", body });
		assert.ok(
			![401, 403].includes(partner.status),
			`fleet-partner passes the gateway: ${partner.status} ${JSON.stringify(partner.body)}`,
		);
	});
});

describe("BOLA: one customer never reaches another's objects", () => {
	it("answers 404 to bob for alice's vehicle, whatever the method, and changes nothing", async () => {
		const vehicle = await createVehicle(platform, "alice", "medium");
		const path = `/vehicles/${vehicle.id}`;
		assert.equal((await platform.api("GET", path, { as: "bob" })).status, 404);
		assert.equal((await platform.api("PATCH", path, { as: "bob", body: { colour: "pink" } })).status, 404);
		assert.equal((await platform.api("DELETE", path, { as: "bob" })).status, 404);
		const bobs = await platform.api("GET", "/vehicles?limit=100", { as: "bob" });
		assert.ok(!bobs.body.items.some((v: { id: string }) => v.id === vehicle.id), "not in bob's list");

		const still = await platform.api("GET", path, { as: "alice" });
		expectStatus(still, 200, "alice's vehicle");
		assert.equal(still.body.colour, "blue");
		assert.equal(still.body.ownerId, "alice");
	});

	it("keeps customer profiles admin-only by id: bob gets 403 for alice's", async () => {
		const alice = await platform.api("GET", "/customers/me", { as: "alice" });
		expectStatus(alice, 200, "alice's seeded customer profile");
		assert.equal((await platform.api("GET", `/customers/${alice.body.id}`, { as: "bob" })).status, 403);
		expectStatus(await platform.api("GET", `/customers/${alice.body.id}`, { as: "olga" }), 200, "admin");
	});

	it("answers 404 to bob for alice's booking (read, cancel, reschedule, rate) and to dan for carla's job", async () => {
		const carla = await platform.api("GET", "/cleaners/me", { as: "carla" });
		expectStatus(carla, 200, "carla's seeded cleaner profile");
		const vehicle = await createVehicle(platform, "alice", "small");
		const day = nextWeekday(3, 8);
		const created = await platform.api("POST", "/bookings", {
			as: "alice",
			body: {
				vehicleId: vehicle.id,
				serviceType: "exterior-wash",
				start: at(day, "10:00"),
				location: carla.body.homeBase,
				cleanerId: carla.body.id,
			},
		});
		expectStatus(created, 201, "alice books carla");
		const path = `/bookings/${created.body.id}`;
		assert.equal((await platform.api("GET", path, { as: "bob" })).status, 404);
		assert.equal((await platform.api("POST", `${path}/cancel`, { as: "bob" })).status, 404);
		const reschedule = { start: at(day, "14:00") };
		assert.equal(
			(await platform.api("POST", `${path}/reschedule`, { as: "bob", body: reschedule })).status,
			404,
		);
		assert.equal((await platform.api("POST", `${path}/start`, { as: "dan" })).status, 404);
		const bobs = await platform.api("GET", "/bookings", { as: "bob" });
		expectStatus(bobs, 200, "bob's bookings");
		assert.ok(!JSON.stringify(bobs.body).includes(created.body.id), "not in bob's list");

		const still = await platform.api("GET", path, { as: "alice" });
		expectStatus(still, 200, "alice's booking");
		assert.equal(still.body.status, "confirmed");
		assert.equal(still.body.start, created.body.start);
	});
});

describe("mass assignment", () => {
	const body = () => ({
		plate: `M${randomUUID().replace(/-/g, "").slice(0, 7).toUpperCase()}`,
		make: "Fiat",
		model: "Panda",
		year: 2019,
		colour: "white",
		sizeClass: "small",
	});

	it("refuses client-sent ownerId, id and history on create with 422 naming the field, storing nothing", async () => {
		const before = await platform.api("GET", "/vehicles?limit=100", { as: "alice" });
		expectStatus(before, 200, "alice's vehicles");
		const smuggled: Record<string, unknown> = {
			ownerId: "bob",
			id: randomUUID(),
			history: { cleanings: 99, lastCleanedAt: new Date().toISOString(), upcomingBookingId: null },
			cleanings: 99,
			createdAt: "2000-01-01T00:00:00.000Z",
		};
		for (const [field, value] of Object.entries(smuggled)) {
			const response = await platform.api("POST", "/vehicles", {
				as: "alice",
				body: { ...body(), [field]: value },
			});
			assert.equal(response.status, 422, `${field}: ${JSON.stringify(response.body)}`);
			assert.match(JSON.stringify(response.body.error), new RegExp(`'${field}'`), `names ${field}`);
		}
		const after = await platform.api("GET", "/vehicles?limit=100", { as: "alice" });
		assert.equal(after.body.total, before.body.total, "no vehicle was stored");
		const bobs = await platform.api("GET", "/vehicles?limit=100", { as: "bob" });
		assert.ok(!bobs.body.items.some((v: { make: string }) => v.make === "Fiat"), "nothing was given to bob");
	});

	it("refuses ownerId and history on update, and the vehicle keeps its owner", async () => {
		const vehicle = await createVehicle(platform, "alice", "small");
		for (const [field, value] of Object.entries({
			ownerId: "bob",
			history: { cleanings: 5 },
			cleanings: 5,
		})) {
			const response = await platform.api("PATCH", `/vehicles/${vehicle.id}`, {
				as: "alice",
				body: { colour: "red", [field]: value },
			});
			assert.equal(response.status, 422, `${field}: ${JSON.stringify(response.body)}`);
			assert.match(JSON.stringify(response.body.error), new RegExp(`'${field}'`), `names ${field}`);
		}
		const still = await platform.api("GET", `/vehicles/${vehicle.id}`, { as: "alice" });
		assert.equal(still.body.ownerId, "alice");
		assert.equal(still.body.colour, "blue");
		assert.equal(still.body.history.cleanings, 0);
	});
});

describe("rate limit (RATE_LIMIT_PER_MINUTE=5)", () => {
	it("answers the 6th request of a user with 429 and Retry-After; other users and clients are unaffected", async () => {
		await Promise.all(["alice", "bob", "fleet-partner"].map((c) => limited.token(c as "alice")));
		// Fixed one-minute windows: start well inside one, so that the six requests fall in the same window.
		const secondsLeft = () => 60 - ((Date.now() / 1000) % 60);
		if (secondsLeft() < 5) await sleep(secondsLeft() * 1000 + 200);

		for (let i = 1; i <= RATE_LIMIT; i++) {
			expectStatus(await limited.api("GET", "/vehicles", { as: "alice" }), 200, `request ${i}`);
		}
		const limitedResponse = await limited.api("GET", "/vehicles", { as: "alice" });
		assert.equal(limitedResponse.status, 429, JSON.stringify(limitedResponse.body));
		assert.equal(limitedResponse.body.error.type, "RATE_LIMITED");
		assertSecurityHeaders(limitedResponse, "a 429");
		// "Recovers": the window is the wall-clock minute, so Retry-After is the time to its end (≤ 60 s) and the
		// next window starts from zero. Waiting it out would take up to a minute; the bound is checked instead.
		const retryAfter = Number(limitedResponse.headers.get("retry-after"));
		assert.ok(
			Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
			`Retry-After ${retryAfter}`,
		);
		assert.ok(
			Math.abs(retryAfter - secondsLeft()) <= 2,
			`Retry-After ${retryAfter} ≈ ${secondsLeft()} s left`,
		);

		// The key is the token's subject, not a header the caller controls.
		const spoofed = await limited.api("GET", "/vehicles", {
			as: "alice",
			headers: { "X-Forwarded-For": `10.0.0.${Math.floor(Math.random() * 250)}` },
		});
		assert.equal(spoofed.status, 429, "a new X-Forwarded-For does not reset the count");

		expectStatus(await limited.api("GET", "/vehicles", { as: "bob" }), 200, "another user of the same app");
		expectStatus(await limited.api("GET", "/bookings", { as: "fleet-partner" }), 200, "a third-party client");
	});
});

describe("HTTP surface", () => {
	it("sends the security headers on a 200, 400, 401, 403 and 404, outside /api too", async () => {
		const ok = await platform.api("GET", "/services");
		expectStatus(ok, 200, "public catalog");
		assertSecurityHeaders(ok, "a 200");
		const authed = await platform.api("GET", "/vehicles", { as: "alice" });
		assertSecurityHeaders(authed, "an authenticated 200");
		const notFound = await platform.api("GET", "/no-such-route");
		assert.equal(notFound.status, 404);
		assertSecurityHeaders(notFound, "a 404");
		const unauthorized = await platform.api("GET", "/vehicles");
		assert.equal(unauthorized.status, 401);
		assertSecurityHeaders(unauthorized, "a 401");
		const forbidden = await platform.api("GET", "/customers", { as: "alice" });
		assert.equal(forbidden.status, 403);
		assertSecurityHeaders(forbidden, "a 403");
		const badJson = await platform.api("POST", "/vehicles", { as: "alice", body: "{" });
		assert.equal(badJson.status, 400);
		assertSecurityHeaders(badJson, "a 400 from the body parser");
		// Outside /api, a file the web app does not have (its paths without an extension all get its page).
		const outside = await fetch(`${new URL(platform.baseUrl).origin}/no-such-file.js`);
		assert.equal(outside.status, 404);
		assertSecurityHeaders(
			{ status: outside.status, body: await outside.json(), headers: outside.headers },
			"a 404 outside /api",
		);
	});

	it("publishes no internal actions: $node, the gateway's own and action-name paths are 404, even for an admin", async () => {
		const paths: Array<[string, string]> = [
			["GET", "/$node/list"],
			["GET", "/$node/services"],
			["GET", "/$node/actions"],
			["GET", "/gateway/listAliases"],
			["POST", "/catalog/create"],
			["GET", "/customers.search"],
			["GET", "/vehicles/list/all"],
		];
		for (const [method, path] of paths) {
			for (const as of [undefined, "olga"] as const) {
				const response = await platform.api(method, path, { as, ...(method === "POST" && { body: {} }) });
				assert.equal(response.status, 404, `${method} ${path} as ${as ?? "anonymous"}: ${response.status}`);
				assert.doesNotMatch(JSON.stringify(response.body), /nodeID|"actions"|"services"|aliases/i);
			}
		}
	});

	it("answers 413 to a body over the limit (64kb) and stores nothing", async () => {
		const before = await platform.api("GET", "/vehicles?limit=100", { as: "alice" });
		const response = await platform.api("POST", "/vehicles", {
			as: "alice",
			body: { plate: "BIG1", make: "x".repeat(70 * 1024), model: "y", sizeClass: "small" },
		});
		assert.equal(response.status, 413, JSON.stringify(response.body).slice(0, 300));
		assertSecurityHeaders(response, "a 413");
		const after = await platform.api("GET", "/vehicles?limit=100", { as: "alice" });
		assert.equal(after.body.total, before.body.total);
	});

	it("answers 400 to invalid JSON", async () => {
		for (const text of ["{bad json", '{"plate": "AB12",}', '"just a string"', "[1, 2"]) {
			const response = await platform.api("POST", "/vehicles", { as: "alice", body: text });
			assert.equal(response.status, 400, `${text}: ${response.status} ${JSON.stringify(response.body)}`);
			assert.doesNotMatch(JSON.stringify(response.body), /stack|\bat \S+ \(|node_modules/);
		}
	});
});

describe("key rotation at the provider (external platform)", () => {
	it("accepts tokens signed with the new key without a restart; unknown key ids cost one key-set fetch", async () => {
		const old = await viaIdp.token("alice");
		expectStatus(await viaIdp.api("GET", "/vehicles", { token: old }), 200, "before the rotation");
		const fetchesBefore = idp.jwksFetches.length;
		assert.ok(fetchesBefore >= 1, "the gateway has fetched the key set");

		await idp.trusted.provider.rotateKeys();
		const rotated = (await fetchUserTokens(idp.trusted.url, "alice")).accessToken;
		assert.notEqual(decode(rotated).header.kid, decode(old).header.kid, "a new signing key");

		// Within jose's cooldown after the last fetch, an unknown key id is refused without asking the provider
		// again: a flood of random key ids never floods it.
		assertUnauthorized(await viaIdp.api("GET", "/vehicles", { token: rotated }), "unknown signing key");
		assert.equal(idp.jwksFetches.length, fetchesBefore, "no fetch during the cooldown");

		// The gateway's cooldown is jose's default (30 s) and not configurable: wait it out (at most ~31 s).
		const lastFetch = idp.jwksFetches.at(-1) as number;
		const wait = lastFetch + JWKS_COOLDOWN_MS + 1000 - performance.now();
		if (wait > 0) await sleep(wait);

		// The rotated key arrives together with a flood of forged unknown key ids: one fetch serves them all.
		const forged = await Promise.all(Array.from({ length: 20 }, () => foreignKeyToken(idp.issuer)));
		const responses = await Promise.all([
			viaIdp.api("GET", "/vehicles", { token: rotated }),
			...forged.map((token) => viaIdp.api("GET", "/vehicles", { token })),
		]);
		expectStatus(responses[0], 200, "a token signed with the rotated key");
		for (const response of responses.slice(1)) assertUnauthorized(response, "unknown signing key");
		assert.equal(idp.jwksFetches.length, fetchesBefore + 1, "exactly one key set fetch");

		const fresh = (await fetchUserTokens(idp.trusted.url, "bob")).accessToken;
		expectStatus(await viaIdp.api("GET", "/vehicles", { token: fresh }), 200, "another new token");
	});
});
