import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { type DevIdentityProvider, startDevIdentityProvider } from "../../services/identity/dev-provider.ts";
import { freePort } from "./platform.ts";

/** A real development OpenID Provider, reached at `url`; its tokens carry `iss: issuer` and `aud: audience`. */
export interface Signer {
	/** Where it listens (authorization and token endpoints). */
	url: string;
	/** What its tokens say in `iss`. */
	issuer: string;
	audience: string;
	provider: DevIdentityProvider;
}

export interface TestIssuer {
	/** The issuer URL to give the platform as OIDC_ISSUER: discovery and the key set are served here. */
	issuer: string;
	/** Issues tokens as this issuer, for the gateway's audience: every claim right. */
	trusted: Signer;
	/** Same issuer, keys published in the same key set, but tokens for another API (`aud`). */
	otherAudience: Signer;
	/** Keys published in the issuer's key set, but its tokens name another issuer (`iss`). */
	otherIssuer: Signer;
	/** performance.now() of every key set fetch (the gateway's, since nothing else asks). */
	readonly jwksFetches: number[];
	/** While false, discovery and the key set answer 503, as an identity provider that is down. */
	available: boolean;
	close(): Promise<void>;
}

/**
 * An OIDC issuer for the gateway made of real oidc-provider instances (services/identity/dev-provider.ts), so that
 * a token can be wrong in exactly one claim while its signature is real and its key trusted.
 *
 * The issuer URL serves what the gateway reads from an issuer: the discovery document and the key set. The
 * key set publishes the keys of three providers: the `trusted` one, one issuing for another audience under
 * the same issuer (the same realm issuing tokens for another API, as Keycloak does), and one naming another
 * issuer (the same keys reached under another host name: Keycloak's iss follows the URL the client used).
 * Without a shared key set, a wrong-issuer or wrong-audience token would also be refused for its unknown
 * key, and the test could not tell which check refused it.
 *
 * The providers' own endpoints (login, token) are used directly at their `url`: oidc-provider builds them
 * from the request's Host, while the tokens carry the configured issuer. The key set is fetched from the
 * providers on every request, so a rotation at `trusted` shows at once, and every fetch is counted.
 */
export async function startTestIssuer(audience: string): Promise<TestIssuer> {
	const issuerPort = await freePort();
	const issuer = `http://127.0.0.1:${issuerPort}`;

	const signer = async (options: { issuer?: string; audience: string }): Promise<Signer> => {
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const signerIssuer = options.issuer ?? url;
		const provider = await startDevIdentityProvider({
			port,
			issuer: signerIssuer,
			audience: options.audience,
		});
		return { url, issuer: signerIssuer, audience: options.audience, provider };
	};
	const trusted = await signer({ issuer, audience });
	const otherAudience = await signer({ issuer, audience: "another-api" });
	const otherIssuer = await signer({ audience });

	const jwksFetches: number[] = [];
	const state = { available: true };

	const keySet = async () => {
		const sets = await Promise.all(
			[trusted, otherAudience, otherIssuer].map(async ({ url }) => {
				const response = await fetch(`${url}/jwks`);
				if (!response.ok) throw new Error(`key set of ${url}: HTTP ${response.status}`);
				return ((await response.json()) as { keys: unknown[] }).keys;
			}),
		);
		return { keys: sets.flat() };
	};

	const send = (res: ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { "content-type": "application/json" });
		res.end(JSON.stringify(body));
	};

	const server = createServer((req: IncomingMessage, res: ServerResponse) => {
		if (!state.available) return send(res, 503, { error: "temporarily_unavailable" });
		if (req.method === "GET" && req.url === "/.well-known/openid-configuration") {
			return send(res, 200, {
				issuer,
				jwks_uri: `${issuer}/jwks`,
				id_token_signing_alg_values_supported: ["ES256"],
			});
		}
		if (req.method === "GET" && req.url === "/jwks") {
			jwksFetches.push(performance.now());
			keySet().then(
				(jwks) => send(res, 200, jwks),
				() => send(res, 502, { error: "server_error" }),
			);
			return;
		}
		send(res, 404, { error: "not_found" });
	});
	await new Promise<void>((resolve) => server.listen(issuerPort, "127.0.0.1", resolve));

	return {
		issuer,
		trusted,
		otherAudience,
		otherIssuer,
		jwksFetches,
		get available() {
			return state.available;
		},
		set available(value: boolean) {
			state.available = value;
		},
		async close() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await Promise.all([trusted, otherAudience, otherIssuer].map((s) => s.provider.close()));
		},
	};
}
