import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decodeJwt, decodeProtectedHeader } from "jose";
import {
	clientCredentialsToken,
	createUser,
	masterAdminToken,
	REALM_URL,
	signIn,
} from "../support/keycloak.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";

/**
 * The gateway against a real Keycloak 26 with the realm deployments import (infra/keycloak): what the
 * development provider cannot prove, that Keycloak's tokens carry what the gateway needs and nothing lets a
 * wrong token through. Needs `bash scripts/keycloak.sh up`.
 */
let platform: EmbeddedPlatform;

before(async () => {
	platform = await startPlatform({ OIDC_ISSUER: REALM_URL });
});
after(async () => {
	await platform?.stop();
});

describe("Keycloak: users signing in through the web app", () => {
	it("a new user is a customer (the realm's default role) and can use the API", async () => {
		const { username, password } = await createUser([]);
		const { accessToken } = await signIn(username, password);
		assert.equal(decodeProtectedHeader(accessToken).typ, "at+jwt");
		const claims = decodeJwt(accessToken);
		assert.equal(claims.aud, "cleaning-platform-api");
		assert.ok((claims.realm_access as { roles: string[] }).roles.includes("customer"));
		assert.equal(claims.email, undefined, "no personal data in access tokens");

		const registered = await platform.api("POST", "/customers/me", {
			token: accessToken,
			body: { displayName: "Kim Keycloak", email: `${username}@example.com` },
		});
		assert.equal(registered.status, 201, JSON.stringify(registered.body));
		const vehicle = await platform.api("POST", "/vehicles", {
			token: accessToken,
			body: { plate: "KC123", make: "Kia", model: "Ceed", sizeClass: "small" },
		});
		assert.equal(vehicle.status, 201, JSON.stringify(vehicle.body));
		const mine = await platform.api("GET", "/vehicles", { token: accessToken });
		assert.deepEqual(
			mine.body.items.map((item: { id: string }) => item.id),
			[vehicle.body.id],
		);
		assert.equal((await platform.api("GET", "/customers", { token: accessToken })).status, 403);
	});

	it("realm roles reach the gateway: an admin may search customers", async () => {
		const { username, password } = await createUser(["admin"]);
		const { accessToken } = await signIn(username, password);
		const search = await platform.api("GET", "/customers", { token: accessToken });
		assert.equal(search.status, 200, JSON.stringify(search.body));
	});

	it("refuses Keycloak's ID token and a token of another realm", async () => {
		const { username, password } = await createUser([]);
		const { idToken } = await signIn(username, password);
		assert.equal((await platform.api("GET", "/vehicles", { token: idToken })).status, 401);
		const masterToken = await masterAdminToken();
		assert.equal((await platform.api("GET", "/vehicles", { token: masterToken })).status, 401);
	});
});

describe("Keycloak: third-party integrations (client credentials)", () => {
	it("fleet-partner gets its scopes and may read and write bookings", async () => {
		const token = await clientCredentialsToken("fleet-partner");
		const scopes = String(decodeJwt(token).scope).split(" ");
		assert.deepEqual(scopes.sort(), [
			"bookings:read",
			"bookings:write",
			"catalog:read",
			"vehicles:read",
			"vehicles:write",
			"webhooks:manage",
		]);
		const bookings = await platform.api("GET", "/bookings", { token });
		assert.equal(bookings.status, 200, JSON.stringify(bookings.body));
	});

	it("fleet-readonly may read but not book", async () => {
		const token = await clientCredentialsToken("fleet-readonly");
		assert.equal((await platform.api("GET", "/bookings", { token })).status, 200);
		const booking = await platform.api("POST", "/bookings", {
			token,
			body: {
				vehicleId: "00000000-0000-4000-8000-000000000000",
				serviceType: "exterior-wash",
				start: "2030-01-07T09:00:00Z",
			},
		});
		assert.equal(booking.status, 403, JSON.stringify(booking.body));
	});
});
