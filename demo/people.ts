import { PARTNER_ONLY_SCOPES, type Role, SCOPES } from "../lib/auth.ts";

/**
 * The demo people and apps, shared by the development identity provider, the token CLI and the data seeds,
 * so that a seeded customer row and a token for the same person agree on the subject.
 */
export interface DemoUser {
	/** The login name on the development sign-in form. */
	username: string;
	/** The token subject: the username, so it stays stable across restarts and key rotations. */
	sub: string;
	name: string;
	email: string;
	roles: Role[];
}

/** An app used by people: authorization code with PKCE, no secret. */
export interface PublicDemoClient {
	kind: "public";
	clientId: string;
	/** "native" allows the mobile app's custom-scheme redirect URI. */
	applicationType: "web" | "native";
	redirectUris: string[];
	scopes: string[];
}

/** A third-party integration: client credentials with a secret, no user. */
export interface ConfidentialDemoClient {
	kind: "confidential";
	clientId: string;
	secret: string;
	scopes: string[];
}

export type DemoClient = PublicDemoClient | ConfidentialDemoClient;

export const DEMO_USERS: readonly DemoUser[] = [
	user("alice", "Alice Martin", ["customer"]),
	user("bob", "Bob Dubois", ["customer"]),
	user("carla", "Carla Rossi", ["cleaner"]),
	user("dan", "Dan Novak", ["cleaner"]),
	user("olga", "Olga Petrova", ["admin"]),
];

/** What the people's apps may ask for: sign-in (ID token, profile) and the whole API. */
const APP_SCOPES = [
	"openid",
	"profile",
	"email",
	...SCOPES.filter((scope) => !PARTNER_ONLY_SCOPES.includes(scope)),
];

export const DEMO_CLIENTS: readonly DemoClient[] = [
	{
		kind: "public",
		clientId: "web-app",
		applicationType: "web",
		redirectUris: ["http://localhost:5173/callback", "http://127.0.0.1:5173/callback"],
		scopes: APP_SCOPES,
	},
	{
		kind: "public",
		clientId: "mobile-app",
		applicationType: "native",
		redirectUris: ["cleaningplatform://callback"],
		scopes: APP_SCOPES,
	},
	{
		kind: "confidential",
		clientId: "fleet-partner",
		secret: "fleet-partner-secret",
		// A fleet manager registers its own vehicles, books them and hears about its bookings through webhooks.
		scopes: [
			"bookings:read",
			"bookings:write",
			"vehicles:read",
			"vehicles:write",
			"catalog:read",
			"webhooks:manage",
		],
	},
	{
		kind: "confidential",
		clientId: "fleet-readonly",
		secret: "fleet-readonly-secret",
		scopes: ["bookings:read", "catalog:read"],
	},
];

export function findDemoUser(username: string): DemoUser | undefined {
	return DEMO_USERS.find((candidate) => candidate.username === username);
}

export function findDemoClient(clientId: string): DemoClient | undefined {
	return DEMO_CLIENTS.find((candidate) => candidate.clientId === clientId);
}

function user(username: string, name: string, roles: Role[]): DemoUser {
	return { username, sub: username, name, email: `${username}@example.com`, roles };
}
