import { generateKeyPair, type JsonWebKey, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { promisify } from "node:util";
// @ts-expect-error oidc-provider ships no type declarations; the few members used here are typed below.
import Provider, { errors as oidcErrors } from "oidc-provider";
import { DEMO_CLIENTS, DEMO_USERS, type DemoClient, findDemoUser } from "../../demo/people.ts";
import { SCOPES } from "../../lib/auth.ts";

export interface DevIdentityProviderOptions {
	port: number;
	host?: string;
	/** Must be the URL the provider is reached at (http://host:port), since tokens carry it as `iss`. */
	issuer: string;
	/** Every access token is a JWT for the API, with this `aud`. */
	audience: string;
	accessTokenTtlSeconds?: number;
	/**
	 * Origins the gateway serves the web app at (http://localhost:3000): added to the browser clients' redirect
	 * (`<origin>/callback`) and post-logout (`<origin>/`) URIs, since the gateway's port is configuration.
	 */
	appOrigins?: string[];
}

export interface DevIdentityProvider {
	issuer: string;
	close(): Promise<void>;
	/** Serves a new provider with fresh signing keys on the same port; tokens signed before stop verifying. */
	rotateKeys(): Promise<void>;
}

/** The members of oidc-provider's Provider (a Koa application) this module uses. */
interface OidcProvider {
	callback(): (req: IncomingMessage, res: ServerResponse) => void;
	use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
	interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<{ prompt: { name: string } }>;
	interactionFinished(
		req: IncomingMessage,
		res: ServerResponse,
		result: { login: { accountId: string } },
		options: { mergeWithLastSubmission: boolean },
	): Promise<void>;
}

interface KoaContext {
	method: string;
	path: string;
	req: IncomingMessage;
	res: ServerResponse;
	status: number;
	type: string;
	body: unknown;
}

interface IssuedToken {
	accountId?: string;
	clientId: string;
}

const SIGNING_ALG = "ES256";
/**
 * The API's resource indicator. It must be an absolute URI while the audience need not be one (Keycloak's
 * is a client id), and apps never send it: every token request resolves to it by default.
 */
const API_RESOURCE = "urn:cleaning-platform:api";
const INTERACTION_PATH = /^\/interaction\/[^/]+$/;
const MAX_FORM_BYTES = 16 * 1024;
const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * The development and test identity provider: a real OpenID Provider (oidc-provider) that issues the same
 * kind of tokens as Keycloak does in deployments, JWT access tokens for the API audience with the user's
 * roles in `realm_access.roles`, for the demo users and clients of demo/people.ts.
 */
export async function startDevIdentityProvider(
	options: DevIdentityProviderOptions,
): Promise<DevIdentityProvider> {
	let handle = (await createProvider(options)).callback();
	const server = createServer((req, res) => handle(req, res));

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port, options.host ?? "127.0.0.1", () => {
			server.off("error", reject);
			resolve();
		});
	});

	return {
		issuer: options.issuer,
		async rotateKeys() {
			handle = (await createProvider(options)).callback();
		},
		close() {
			return new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				// fetch keeps connections alive; without this, close() would wait for them to time out.
				server.closeAllConnections();
			});
		},
	};
}

async function createProvider(options: DevIdentityProviderOptions): Promise<OidcProvider> {
	const accessTokenTtl = () => options.accessTokenTtlSeconds ?? 3600;
	const jwks = { keys: [await newSigningKey()] };
	const provider: OidcProvider = withoutDevelopmentNotices(
		() =>
			new Provider(options.issuer, {
				clients: DEMO_CLIENTS.map((client) => clientMetadata(client, options.appOrigins ?? [])),
				jwks,
				clientDefaults: { id_token_signed_response_alg: SIGNING_ALG },
				scopes: ["openid", "profile", "email", ...SCOPES],
				claims: {
					openid: ["sub"],
					profile: ["name", "preferred_username"],
					email: ["email", "email_verified"],
				},
				findAccount(_ctx: unknown, sub: string) {
					const user = findDemoUser(sub);
					if (!user) return undefined;
					return {
						accountId: user.sub,
						claims: () => ({
							sub: user.sub,
							name: user.name,
							preferred_username: user.username,
							email: user.email,
							email_verified: true,
						}),
					};
				},
				// Keycloak's shape, so the gateway reads the same claims from either provider.
				extraTokenClaims(_ctx: unknown, token: IssuedToken) {
					const user = token.accountId === undefined ? undefined : findDemoUser(token.accountId);
					return { azp: token.clientId, ...(user && { realm_access: { roles: user.roles } }) };
				},
				// People's apps renew their access tokens with a refresh token (rotated on each use for public clients).
				issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) =>
					client.grantTypeAllowed("refresh_token"),
				features: {
					devInteractions: { enabled: true },
					clientCredentials: { enabled: true },
					// Without a resource server, access tokens would be opaque.
					resourceIndicators: {
						enabled: true,
						defaultResource: () => API_RESOURCE,
						// Otherwise a user token requested together with `openid` comes out opaque.
						useGrantedResource: () => true,
						getResourceServerInfo(_ctx: unknown, resourceIndicator: string) {
							if (resourceIndicator !== API_RESOURCE) throw new oidcErrors.InvalidTarget();
							return {
								audience: options.audience,
								scope: SCOPES.join(" "),
								accessTokenFormat: "jwt",
								jwt: { sign: { alg: SIGNING_ALG } },
							};
						},
					},
				},
				// Functions, not numbers: a number would override the resource server's TTL, and every default
				// prints a notice on first use.
				ttl: {
					AccessToken: accessTokenTtl,
					ClientCredentials: accessTokenTtl,
					AuthorizationCode: () => 60,
					IdToken: () => 3600,
					Interaction: () => 600,
					Session: () => 8 * 3600,
					Grant: () => 8 * 3600,
				},
				renderError(ctx: KoaContext, out: Record<string, string>) {
					ctx.type = "text/plain; charset=utf-8";
					ctx.body = Object.entries(out)
						.map(([key, value]) => `${key}: ${value}`)
						.join("\n");
				},
			}),
	);
	provider.use(rejectUnknownLogins(provider));
	return provider;
}

/**
 * The development login form takes any name, and an unknown one only fails later in the flow with a
 * server error. This answers the login step itself: 400 for a name that is not a demo user, otherwise the
 * same result the built-in form handler would give.
 */
function rejectUnknownLogins(provider: OidcProvider) {
	return async (ctx: KoaContext, next: () => Promise<void>) => {
		if (ctx.method !== "POST" || !INTERACTION_PATH.test(ctx.path)) return next();
		const interaction = await provider.interactionDetails(ctx.req, ctx.res).catch(() => undefined);
		// Consent steps and expired interactions stay with the provider's own handler.
		if (interaction?.prompt.name !== "login") return next();

		const login = new URLSearchParams(await readForm(ctx.req)).get("login") ?? "";
		const user = findDemoUser(login);
		if (!user) {
			ctx.status = 400;
			ctx.type = "text/plain; charset=utf-8";
			ctx.body = `unknown demo user '${login}' (known: ${DEMO_USERS.map((known) => known.username).join(", ")})`;
			return;
		}
		await provider.interactionFinished(
			ctx.req,
			ctx.res,
			{ login: { accountId: user.sub } },
			{ mergeWithLastSubmission: false },
		);
	};
}

/**
 * oidc-provider warns on every construction that its in-memory storage and its login forms are for
 * development only. This provider is exactly that, and a rotation would repeat them: drop those two.
 */
function withoutDevelopmentNotices<T>(create: () => T): T {
	const warn = console.warn;
	console.warn = (...args: unknown[]) => {
		if (!String(args[0]).includes("development-only")) warn(...args);
	};
	try {
		return create();
	} finally {
		console.warn = warn;
	}
}

async function readForm(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_FORM_BYTES) throw new Error("login form too large");
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks).toString("utf8");
}

function clientMetadata(client: DemoClient, appOrigins: string[]) {
	if (client.kind === "public") {
		const origins = client.applicationType === "web" ? appOrigins : [];
		return {
			client_id: client.clientId,
			application_type: client.applicationType,
			token_endpoint_auth_method: "none",
			grant_types: ["authorization_code", "refresh_token"],
			response_types: ["code"],
			redirect_uris: [...client.redirectUris, ...origins.map((origin) => `${origin}/callback`)],
			post_logout_redirect_uris: origins.map((origin) => `${origin}/`),
			scope: client.scopes.join(" "),
		};
	}
	return {
		client_id: client.clientId,
		client_secret: client.secret,
		token_endpoint_auth_method: "client_secret_basic",
		grant_types: ["client_credentials"],
		response_types: [],
		redirect_uris: [],
		scope: client.scopes.join(" "),
	};
}

async function newSigningKey(): Promise<JsonWebKey> {
	const { privateKey } = await generateKeyPairAsync("ec", { namedCurve: "P-256" });
	return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: SIGNING_ALG, use: "sig" };
}
