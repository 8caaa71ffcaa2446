import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Role } from "../../lib/auth.ts";

/**
 * A real Keycloak (scripts/keycloak.sh) with the deployment realm: admin calls to create users, and sign-in
 * the way the apps do it (authorization code + PKCE through Keycloak's own login form), without a browser.
 */
export const KEYCLOAK_URL = process.env.KEYCLOAK_URL ?? "http://127.0.0.1:8180";
export const REALM_URL = `${KEYCLOAK_URL}/realms/cleaning-platform`;
export const FLEET_SECRETS = {
	"fleet-partner": process.env.FLEET_PARTNER_SECRET ?? "fleet-partner-secret",
	"fleet-readonly": process.env.FLEET_READONLY_SECRET ?? "fleet-readonly-secret",
};
const WEB_APP_REDIRECT = "http://localhost:5173/callback";

interface TokenResponse {
	access_token?: string;
	id_token?: string;
	error?: string;
	error_description?: string;
}

async function tokenRequest(
	realmUrl: string,
	form: Record<string, string>,
): Promise<Required<TokenResponse>> {
	const response = await fetch(`${realmUrl}/protocol/openid-connect/token`, {
		method: "POST",
		headers: { "Content-Type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams(form),
	});
	const body = (await response.json()) as TokenResponse;
	if (!response.ok || !body.access_token) {
		throw new Error(
			`Keycloak token request failed: ${body.error ?? response.status} ${body.error_description ?? ""}`,
		);
	}
	return body as Required<TokenResponse>;
}

export async function clientCredentialsToken(clientId: keyof typeof FLEET_SECRETS): Promise<string> {
	const tokens = await tokenRequest(REALM_URL, {
		grant_type: "client_credentials",
		client_id: clientId,
		client_secret: FLEET_SECRETS[clientId],
	});
	return tokens.access_token;
}

/** A token of the master realm's admin: another issuer, and the one the admin API accepts. */
export async function masterAdminToken(): Promise<string> {
	const tokens = await tokenRequest(`${KEYCLOAK_URL}/realms/master`, {
		grant_type: "password",
		client_id: "admin-cli",
		username: "admin",
		password: process.env.KEYCLOAK_ADMIN_PASSWORD ?? "admin",
	});
	return tokens.access_token;
}

async function adminApi(token: string, method: string, path: string, body?: unknown): Promise<Response> {
	const response = await fetch(`${KEYCLOAK_URL}/admin/realms/cleaning-platform${path}`, {
		method,
		headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!response.ok)
		throw new Error(`Keycloak admin ${method} ${path}: ${response.status} ${await response.text()}`);
	return response;
}

/** A new user with a unique name, a password and these realm roles (besides the realm's default role). */
export async function createUser(roles: Role[]): Promise<{ username: string; password: string; id: string }> {
	const admin = await masterAdminToken();
	const username = `kc-${roles.join("-") || "default"}-${randomUUID().slice(0, 8)}`;
	const password = randomBytes(12).toString("base64url");
	const created = await adminApi(admin, "POST", "/users", {
		username,
		enabled: true,
		firstName: "Test",
		lastName: username,
		email: `${username}@example.com`,
		emailVerified: true,
		credentials: [{ type: "password", value: password, temporary: false }],
	});
	const id = (created.headers.get("location") ?? "").split("/").at(-1) ?? "";
	for (const role of roles) {
		const representation = await (await adminApi(admin, "GET", `/roles/${role}`)).json();
		await adminApi(admin, "POST", `/users/${id}/role-mappings/realm`, [representation]);
	}
	return { username, password, id };
}

/** Cookies of the login session, as a browser would keep them. */
class CookieJar {
	private readonly cookies = new Map<string, string>();

	store(response: Response): void {
		for (const cookie of response.headers.getSetCookie()) {
			const [pair] = cookie.split(";");
			const separator = pair.indexOf("=");
			this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
		}
	}

	header(): string {
		return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
	}
}

/** Signs a user in through the web app's flow and returns its tokens. */
export async function signIn(
	username: string,
	password: string,
	scope = "openid bookings:read bookings:write vehicles:read vehicles:write",
): Promise<{ accessToken: string; idToken: string }> {
	const verifier = randomBytes(32).toString("base64url");
	const state = randomBytes(16).toString("base64url");
	const authorization = new URL(`${REALM_URL}/protocol/openid-connect/auth`);
	authorization.search = new URLSearchParams({
		client_id: "web-app",
		response_type: "code",
		redirect_uri: WEB_APP_REDIRECT,
		scope,
		state,
		code_challenge: createHash("sha256").update(verifier).digest("base64url"),
		code_challenge_method: "S256",
	}).toString();

	const jar = new CookieJar();
	const loginPage = await fetch(authorization, { redirect: "manual" });
	jar.store(loginPage);
	const html = await loginPage.text();
	const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html)?.[1];
	if (!action) throw new Error(`no login form on Keycloak's page (status ${loginPage.status})`);
	const submitted = await fetch(action.replaceAll("&amp;", "&"), {
		method: "POST",
		redirect: "manual",
		headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
		body: new URLSearchParams({ username, password, credentialId: "" }),
	});
	const location = submitted.headers.get("location");
	if (submitted.status !== 302 || !location?.startsWith(WEB_APP_REDIRECT)) {
		throw new Error(`sign-in did not redirect back to the app (status ${submitted.status})`);
	}
	const callback = new URL(location);
	if (callback.searchParams.get("state") !== state) throw new Error("state mismatch");
	const tokens = await tokenRequest(REALM_URL, {
		grant_type: "authorization_code",
		client_id: "web-app",
		code: callback.searchParams.get("code") ?? "",
		redirect_uri: WEB_APP_REDIRECT,
		code_verifier: verifier,
	});
	return { accessToken: tokens.access_token, idToken: tokens.id_token };
}
