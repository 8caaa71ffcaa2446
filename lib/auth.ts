/** The platform's roles, as the identity provider puts them in user tokens (Keycloak realm roles). */
export type Role = "customer" | "cleaner" | "admin";

export const ROLES: readonly Role[] = ["customer", "cleaner", "admin"];

/**
 * The OAuth scopes of the platform's API. Users get them through their app; third-party integrations get
 * the ones their client was granted, and the gateway authorizes client-credentials tokens by them.
 */
export const SCOPES = [
	"bookings:read",
	"bookings:write",
	"vehicles:read",
	"vehicles:write",
	"customers:read",
	"catalog:read",
	"webhooks:manage",
] as const;

export type Scope = (typeof SCOPES)[number];

/** Scopes only partners' integrations get: the people's apps never ask for them. */
export const PARTNER_ONLY_SCOPES: readonly Scope[] = ["webhooks:manage"];

/** The caller of a request, taken from a verified access token. */
export interface AuthUser {
	/** The token's subject: a user's stable id, or the client id of a client-credentials token. */
	id: string;
	/** Empty for client-credentials tokens. */
	roles: Role[];
	scopes: string[];
	/** The OAuth client (app or integration) the token was issued to. */
	clientId?: string;
}

export function isRole(value: unknown): value is Role {
	return (ROLES as readonly unknown[]).includes(value);
}

export function hasRole(user: AuthUser, role: Role): boolean {
	return user.roles.includes(role);
}

export function hasScope(user: AuthUser, scope: string): boolean {
	return user.scopes.includes(scope);
}

/** The partner behind a client-credentials token (no roles): its OAuth client id; null for people's tokens. */
export function partnerClientId(user: AuthUser): string | null {
	return user.roles.length === 0 ? (user.clientId ?? null) : null;
}
