import { hash } from "node:crypto";
import {
	createRemoteJWKSet,
	errors,
	type FlattenedJWSInput,
	type JWSHeaderParameters,
	type JWTPayload,
	jwtVerify,
	type RemoteJWKSet,
} from "jose";
import { type AuthUser, isRole } from "../../lib/auth.ts";

export interface TokenVerifierOptions {
	/** Exactly as the provider names itself; discovery is `${issuer}/.well-known/openid-configuration`. */
	issuer: string;
	audience: string;
	clockSkewSeconds: number;
	/** Dotted path to the roles array in the access token. */
	rolesClaim?: string;
	/** Asymmetric algorithms only: an HMAC algorithm would let anyone holding the public key sign tokens. */
	algorithms?: string[];
	/** How long after a key set fetch a token with an unknown key id is refused without fetching again. */
	jwksCooldownSeconds?: number;
	/** For each request to the identity provider (discovery, key set). */
	fetchTimeoutMs?: number;
	/** Verified tokens remembered until they expire (0: none); the oldest goes first when it is full. */
	cacheSize?: number;
}

export interface TokenVerifier {
	verify(token: string): Promise<AuthUser>;
	/** Fetches the provider's keys unless they were fetched before; fails as IdentityProviderUnavailableError. */
	loadKeys(): Promise<void>;
}

/** The token is not acceptable: 401. `reason` is short and safe to show to the caller. */
export class TokenRejectedError extends Error {
	readonly reason: string;
	constructor(reason: string, options?: ErrorOptions) {
		super(`access token rejected: ${reason}`, options);
		this.name = "TokenRejectedError";
		this.reason = reason;
	}
}

/** The token could not be checked because the identity provider cannot be reached: 503, try again. */
export class IdentityProviderUnavailableError extends Error {
	constructor(message: string, options?: ErrorOptions) {
		super(message, options);
		this.name = "IdentityProviderUnavailableError";
	}
}

const DEFAULT_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"];

/**
 * Verifies OAuth 2 access tokens (RFC 9068 JWTs) against the identity provider's published keys, and turns
 * them into the platform's AuthUser. Only the provider's key set is trusted; it is found through discovery
 * on first use and refetched when a token names a key id not seen before (a key rotation), at most once per
 * cooldown.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
	const issuer = options.issuer;
	const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
	const unsafe = algorithms.filter((alg) => alg.startsWith("HS") || alg === "none");
	if (unsafe.length > 0) {
		throw new TypeError(`token verifier: algorithms ${unsafe.join(", ")} are not allowed`);
	}
	const rolesPath = (options.rolesClaim ?? "realm_access.roles").split(".");
	const fetchTimeoutMs = options.fetchTimeoutMs ?? 2000;

	// One discovery at a time; forgotten when it fails, so a later request tries again.
	let keySet: Promise<RemoteJWKSet> | undefined;
	const discoverKeySet = () => {
		keySet ??= discover(issuer, fetchTimeoutMs).then(
			(jwksUri) =>
				createRemoteJWKSet(jwksUri, {
					cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
					timeoutDuration: fetchTimeoutMs,
				}),
			(error: unknown) => {
				keySet = undefined;
				throw error;
			},
		);
		return keySet;
	};

	// The key ids the provider publishes, read from the key set once (jose hands out a deep copy of it on each
	// read) and forgotten after every key lookup through jose, which may have fetched the set again.
	let publishedKids: Set<string | undefined> | undefined;

	// Called by jose only after the token parsed and its algorithm is allowed: garbage never costs a fetch.
	const getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
		const remoteKeys = await discoverKeySet();
		try {
			return await remoteKeys(header, token);
		} catch (error) {
			const isTokenProblem =
				error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys;
			if (isTokenProblem) throw error;
			throw keysUnavailable(error);
		} finally {
			publishedKids = undefined;
		}
	};

	// A signature check is the gateway's largest cost per request (ES256 through WebCrypto): a token that passed
	// every check is remembered by its hash until it expires, and for as long as the provider still publishes the
	// key that signed it (after a rotation that drops the key, its tokens are refused as before).
	const cacheSize = options.cacheSize ?? 10_000;
	const verified = new Map<string, { user: AuthUser; expiresAtMs: number; kid: string | undefined }>();
	const remember = (key: string, user: AuthUser, exp: number, kid: string | undefined) => {
		if (cacheSize === 0) return;
		if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
		verified.set(key, { user, expiresAtMs: exp * 1000, kid });
	};
	const stillValid = async (entry: { expiresAtMs: number; kid: string | undefined }) => {
		if (entry.expiresAtMs + options.clockSkewSeconds * 1000 <= Date.now()) return false;
		const keySet = await discoverKeySet();
		publishedKids ??= new Set((keySet.jwks()?.keys ?? []).map((jwk) => jwk.kid));
		return publishedKids.has(entry.kid);
	};

	// Once fetched, jose keeps a key set: readiness probes ask for it every few seconds, and reading it back
	// (`jwks()`) would copy it each time.
	let keysFetched = false;
	return {
		async loadKeys() {
			if (keysFetched) return;
			const remoteKeys = await discoverKeySet();
			if (remoteKeys.jwks() === undefined)
				await remoteKeys.reload().catch((error: unknown) => {
					throw keysUnavailable(error);
				});
			keysFetched = true;
		},

		async verify(token) {
			const key = hash("sha256", token, "base64url");
			const known = verified.get(key);
			if (known) {
				if (await stillValid(known)) return known.user;
				verified.delete(key);
			}
			try {
				const { payload, protectedHeader } = await jwtVerify(token, getKey, {
					issuer,
					audience: options.audience,
					algorithms,
					clockTolerance: options.clockSkewSeconds,
					// RFC 9068 access tokens only: an ID token has the same issuer and signature.
					typ: "at+jwt",
					requiredClaims: ["exp", "sub"],
				});
				// jose checks `nbf` but not an `iat` in the future; a token issued later than now (beyond the
				// skew) comes from a provider with a wrong clock and is refused the same way.
				if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + options.clockSkewSeconds) {
					throw new TokenRejectedError("not yet valid");
				}
				const user = toAuthUser(payload, rolesPath);
				remember(key, user, payload.exp as number, protectedHeader.kid);
				return user;
			} catch (error) {
				if (error instanceof IdentityProviderUnavailableError || error instanceof TokenRejectedError) {
					throw error;
				}
				throw new TokenRejectedError(rejectionReason(error), { cause: error });
			}
		},
	};
}

function keysUnavailable(cause: unknown): IdentityProviderUnavailableError {
	return new IdentityProviderUnavailableError("cannot fetch the identity provider's signing keys", { cause });
}

async function discover(issuer: string, timeoutMs: number): Promise<URL> {
	const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
	let metadata: { issuer?: unknown; jwks_uri?: unknown };
	try {
		const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
		if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
		metadata = await response.json();
	} catch (error) {
		throw new IdentityProviderUnavailableError(`identity provider discovery at ${url} failed`, {
			cause: error,
		});
	}
	// A mismatch is a configuration error; it is reported the same way so that it is retried and surfaces as
	// a 503 with a clear message in the logs rather than as every token being refused.
	if (metadata.issuer !== issuer) {
		throw new IdentityProviderUnavailableError(`discovery at ${url} names issuer ${String(metadata.issuer)}`);
	}
	if (typeof metadata.jwks_uri !== "string" || !URL.canParse(metadata.jwks_uri)) {
		throw new IdentityProviderUnavailableError(`discovery at ${url} has no valid jwks_uri`);
	}
	return new URL(metadata.jwks_uri);
}

function toAuthUser(payload: JWTPayload, rolesPath: string[]): AuthUser {
	if (typeof payload.sub !== "string" || payload.sub === "") throw new TokenRejectedError("invalid subject");
	const roles = rolesPath.reduce<unknown>(
		(node, key) =>
			node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined,
		payload,
	);
	const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
	return {
		id: payload.sub,
		roles: Array.isArray(roles) ? roles.filter(isRole) : [],
		scopes: typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [],
		...(clientId !== undefined && { clientId }),
	};
}

function stringClaim(value: unknown): string | undefined {
	return typeof value === "string" ? value : undefined;
}

function rejectionReason(error: unknown): string {
	if (error instanceof errors.JWTExpired) return "expired";
	if (error instanceof errors.JWTClaimValidationFailed) {
		switch (error.claim) {
			case "iss":
				return "wrong issuer";
			case "aud":
				return "wrong audience";
			case "nbf":
				return "not yet valid";
			case "typ":
				return "not an access token";
			default:
				return error.reason === "missing" ? `missing claim ${error.claim}` : `invalid claim ${error.claim}`;
		}
	}
	if (error instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
	if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
	if (error instanceof errors.JWKSNoMatchingKey) return "unknown signing key";
	if (error instanceof errors.JWKSMultipleMatchingKeys) return "ambiguous signing key";
	return "malformed";
}
