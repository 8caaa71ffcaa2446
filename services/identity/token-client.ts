import { createHash, randomBytes } from "node:crypto";
import { DEMO_USERS, findDemoClient, findDemoUser } from "../../demo/people.ts";

/**
 * Gets real tokens from the development identity provider without a browser: the authorization code flow
 * with PKCE through its built-in login and consent forms, or the client-credentials grant. For the token
 * CLI, tests and load scripts; it knows only the demo users and clients.
 */

interface ProviderEndpoints {
	authorizationEndpoint: string;
	tokenEndpoint: string;
}

interface TokenResponse {
	access_token?: string;
	id_token?: string;
	error?: string;
	error_description?: string;
}

/** Redirects plus the login and consent forms take six steps; more means the flow is looping. */
const MAX_STEPS = 12;

export async function fetchUserTokens(
	issuer: string,
	username: string,
	clientId = "web-app",
): Promise<{ accessToken: string; idToken: string }> {
	const user = findDemoUser(username);
	if (!user) {
		throw new Error(
			`unknown demo user '${username}' (known: ${DEMO_USERS.map((known) => known.username).join(", ")})`,
		);
	}
	const client = findDemoClient(clientId);
	if (client?.kind !== "public") throw new Error(`'${clientId}' is not a demo app that signs users in`);

	const endpoints = await discover(issuer);
	const redirectUri = client.redirectUris[0];
	const verifier = randomBytes(32).toString("base64url");
	const state = randomBytes(16).toString("base64url");
	const authorizationUrl = new URL(endpoints.authorizationEndpoint);
	authorizationUrl.search = new URLSearchParams({
		client_id: clientId,
		response_type: "code",
		redirect_uri: redirectUri,
		scope: client.scopes.join(" "),
		state,
		nonce: randomBytes(16).toString("base64url"),
		code_challenge: createHash("sha256").update(verifier).digest("base64url"),
		code_challenge_method: "S256",
	}).toString();

	const code = await walkToCode(authorizationUrl.href, redirectUri, state, user.username);
	const tokens = await requestTokens(endpoints.tokenEndpoint, {
		grant_type: "authorization_code",
		code,
		redirect_uri: redirectUri,
		client_id: clientId,
		code_verifier: verifier,
	});
	if (!tokens.access_token || !tokens.id_token)
		throw new Error("the token response has no access or ID token");
	return { accessToken: tokens.access_token, idToken: tokens.id_token };
}

/** `scope` defaults to every scope the demo directory grants the client, as Keycloak's default scopes do. */
export async function fetchClientCredentialsToken(
	issuer: string,
	clientId: string,
	clientSecret: string,
	scope?: string,
): Promise<string> {
	const { tokenEndpoint } = await discover(issuer);
	const requestedScope = scope ?? findDemoClient(clientId)?.scopes.join(" ");
	const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
		"base64",
	);
	const tokens = await requestTokens(
		tokenEndpoint,
		{ grant_type: "client_credentials", ...(requestedScope && { scope: requestedScope }) },
		{ authorization: `Basic ${basic}` },
	);
	if (!tokens.access_token) throw new Error("the token response has no access token");
	return tokens.access_token;
}

async function discover(issuer: string): Promise<ProviderEndpoints> {
	const response = await send(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
	if (!response.ok) throw new Error(`identity provider discovery failed: HTTP ${response.status}`);
	const metadata = (await response.json()) as { authorization_endpoint?: string; token_endpoint?: string };
	if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
		throw new Error("identity provider discovery document lacks the authorization or token endpoint");
	}
	return { authorizationEndpoint: metadata.authorization_endpoint, tokenEndpoint: metadata.token_endpoint };
}

/**
 * Follows the provider's redirects like a browser would, submitting the login form (any password is
 * accepted) and the consent form, until it redirects to the app with the authorization code.
 */
async function walkToCode(
	startUrl: string,
	redirectUri: string,
	state: string,
	username: string,
): Promise<string> {
	const cookies = new CookieJar();
	let url = startUrl;
	let form: URLSearchParams | undefined;

	for (let step = 0; step < MAX_STEPS; step++) {
		const response = await send(url, {
			method: form ? "POST" : "GET",
			headers: {
				cookie: cookies.header(),
				...(form && { "content-type": "application/x-www-form-urlencoded" }),
			},
			body: form,
			redirect: "manual",
		});
		cookies.store(response);
		form = undefined;

		const location = response.headers.get("location");
		if (response.status >= 300 && response.status < 400 && location) {
			const next = new URL(location, url);
			if (next.href.startsWith(redirectUri)) return codeFrom(next, state);
			url = next.href;
			continue;
		}
		const body = await response.text();
		if (!response.ok)
			throw new Error(`identity provider answered HTTP ${response.status} at ${url}: ${body.trim()}`);

		// The development forms post back to the page they are on, with a hidden `prompt` field.
		const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
		if (prompt === "login") form = new URLSearchParams({ prompt, login: username, password: "demo" });
		else if (prompt === "consent") form = new URLSearchParams({ prompt });
		else throw new Error(`unexpected page from the identity provider at ${url}`);
	}
	throw new Error(`no authorization code after ${MAX_STEPS} steps`);
}

function codeFrom(callback: URL, state: string): string {
	const error = callback.searchParams.get("error");
	if (error) {
		throw new Error(
			`authorization failed: ${error} ${callback.searchParams.get("error_description") ?? ""}`.trim(),
		);
	}
	if (callback.searchParams.get("state") !== state)
		throw new Error("authorization response with a wrong state");
	const code = callback.searchParams.get("code");
	if (!code) throw new Error("authorization response without a code");
	return code;
}

async function requestTokens(
	tokenEndpoint: string,
	params: Record<string, string>,
	headers: Record<string, string> = {},
): Promise<TokenResponse> {
	const response = await send(tokenEndpoint, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
		body: new URLSearchParams(params),
	});
	const tokens = (await response.json().catch(() => ({}))) as TokenResponse;
	if (!response.ok) {
		const detail = [tokens.error, tokens.error_description].filter(Boolean).join(": ");
		throw new Error(`token request failed: HTTP ${response.status}${detail ? ` ${detail}` : ""}`);
	}
	return tokens;
}

/** fetch, with the provider's address in the message when it cannot be reached at all. */
async function send(url: string, init?: RequestInit): Promise<Response> {
	try {
		return await fetch(url, init);
	} catch (error) {
		const cause =
			error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
		throw new Error(`cannot reach the identity provider at ${new URL(url).origin}: ${cause}`);
	}
}

/** One host, a handful of cookies: name → value, with deletions (expired cookies) honoured. */
class CookieJar {
	readonly #values = new Map<string, string>();

	store(response: Response): void {
		for (const cookie of response.headers.getSetCookie()) {
			const [pair, ...attributes] = cookie.split(";");
			const separator = pair.indexOf("=");
			const name = pair.slice(0, separator).trim();
			const value = pair.slice(separator + 1).trim();
			const expires = attributes.find((attribute) => /^\s*expires=/i.test(attribute));
			const expired = expires !== undefined && Date.parse(expires.split("=")[1]) <= Date.now();
			if (expired || value === "") this.#values.delete(name);
			else this.#values.set(name, value);
		}
	}

	header(): string {
		return [...this.#values].map(([name, value]) => `${name}=${value}`).join("; ");
	}
}
