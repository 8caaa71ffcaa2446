import * as oauth from "oauth4webapi";

/** What the gateway tells the app at /app-config.json: where to sign in, and the platform's time zone. */
export interface AppConfig {
	issuer: string;
	clientId: string;
	timeZone: string;
}

/** The signed-in person. Kept in memory only: a reload signs in again (the provider's session makes it quick). */
export interface Session {
	accessToken: string;
	refreshToken?: string;
	idToken?: string;
	/** When to renew the access token (epoch milliseconds): three quarters into its lifetime. */
	renewAt: number;
	subject: string;
	name: string;
	roles: string[];
}

export interface Identity {
	config: AppConfig;
	server: oauth.AuthorizationServer;
	client: oauth.Client;
}

/** The code verifier and state must survive the redirect to the provider and back; nothing else is stored. */
const PENDING_SIGN_IN = "cleaning-platform.pending-sign-in";
const SCOPE = "openid profile email";

/** oauth4webapi refuses http: endpoints unless told; the development provider runs on http://127.0.0.1. */
function transport(issuer: URL) {
	return issuer.protocol === "http:" ? { [oauth.allowInsecureRequests]: true } : {};
}

export function redirectUri(): string {
	return `${location.origin}/callback`;
}

export async function discover(config: AppConfig): Promise<Identity> {
	const issuer = new URL(config.issuer);
	const response = await oauth.discoveryRequest(issuer, { algorithm: "oidc", ...transport(issuer) });
	const server = await oauth.processDiscoveryResponse(issuer, response);
	return { config, server, client: { client_id: config.clientId } };
}

export async function beginSignIn(identity: Identity): Promise<void> {
	const verifier = oauth.generateRandomCodeVerifier();
	const state = oauth.generateRandomState();
	sessionStorage.setItem(PENDING_SIGN_IN, JSON.stringify({ verifier, state }));
	const url = new URL(identity.server.authorization_endpoint ?? "");
	url.search = new URLSearchParams({
		client_id: identity.config.clientId,
		redirect_uri: redirectUri(),
		response_type: "code",
		scope: SCOPE,
		state,
		code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
		code_challenge_method: "S256",
	}).toString();
	location.assign(url.href);
}

/** On /callback: trades the authorization code (with the PKCE verifier) for tokens. */
export async function completeSignIn(identity: Identity, callbackUrl: URL): Promise<Session> {
	const pending = JSON.parse(sessionStorage.getItem(PENDING_SIGN_IN) ?? "null") as {
		verifier: string;
		state: string;
	} | null;
	sessionStorage.removeItem(PENDING_SIGN_IN);
	if (!pending) throw new Error("This sign-in link was already used. Sign in again.");
	const { server, client } = identity;
	const params = oauth.validateAuthResponse(server, client, callbackUrl, pending.state);
	const response = await oauth.authorizationCodeGrantRequest(
		server,
		client,
		oauth.None(),
		params,
		redirectUri(),
		pending.verifier,
		transport(new URL(identity.config.issuer)),
	);
	return toSession(await oauth.processAuthorizationCodeResponse(server, client, response));
}

/** A new access token from the refresh token, before the old one expires. */
export async function renew(identity: Identity, session: Session): Promise<Session> {
	if (!session.refreshToken) throw new Error("no refresh token");
	const { server, client } = identity;
	const response = await oauth.refreshTokenGrantRequest(
		server,
		client,
		oauth.None(),
		session.refreshToken,
		transport(new URL(identity.config.issuer)),
	);
	const renewed = toSession(await oauth.processRefreshTokenResponse(server, client, response));
	return { ...renewed, idToken: renewed.idToken ?? session.idToken, name: renewed.name || session.name };
}

/** Ends the provider's session too, then comes back to the app's start page. */
export function signOutUrl(identity: Identity, session: Session): string | undefined {
	const endpoint = identity.server.end_session_endpoint;
	if (!endpoint) return undefined;
	const url = new URL(endpoint);
	url.search = new URLSearchParams({
		client_id: identity.config.clientId,
		post_logout_redirect_uri: `${location.origin}/`,
		...(session.idToken && { id_token_hint: session.idToken }),
	}).toString();
	return url.href;
}

function toSession(result: oauth.TokenEndpointResponse): Session {
	const claims = accessTokenClaims(result.access_token);
	const idClaims = result.id_token ? oauth.getValidatedIdTokenClaims(result) : undefined;
	return {
		accessToken: result.access_token,
		refreshToken: result.refresh_token,
		idToken: result.id_token,
		renewAt: Date.now() + (result.expires_in ?? 300) * 750,
		subject: String(claims.sub ?? ""),
		name: String(idClaims?.name ?? idClaims?.preferred_username ?? claims.preferred_username ?? ""),
		roles: claims.realm_access?.roles ?? [],
	};
}

/** The roles the gateway will read (Keycloak's `realm_access.roles`): only to choose which screens to show. */
function accessTokenClaims(token: string): {
	sub?: string;
	preferred_username?: string;
	realm_access?: { roles?: string[] };
} {
	const payload = token.split(".")[1] ?? "";
	const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
	return JSON.parse(json);
}
