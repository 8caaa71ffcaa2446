import { DEMO_CLIENTS, DEMO_USERS, findDemoClient, findDemoUser } from "../demo/people.ts";
import { fetchClientCredentialsToken, fetchUserTokens } from "../services/identity/token-client.ts";

/**
 * Prints an access token from the development identity provider, and nothing else on stdout, so that
 * `TOKEN=$(npm run -s token -- alice)` works. A demo user gets a user token (through the web app, or the
 * app given second); a confidential demo client gets a client-credentials token.
 */

const issuer = process.env.OIDC_ISSUER ?? "http://127.0.0.1:4000";
const [name, app, ...extra] = process.argv.slice(2);

function usage(problem?: string): never {
	if (problem) process.stderr.write(`token: ${problem}\n`);
	const users = DEMO_USERS.map((user) => `${user.username} (${user.roles.join(", ")})`).join(", ");
	const apps = DEMO_CLIENTS.filter((client) => client.kind === "public").map((client) => client.clientId);
	const integrations = DEMO_CLIENTS.filter((client) => client.kind === "confidential").map(
		(client) => client.clientId,
	);
	process.stderr.write(
		[
			"usage: npm run -s token -- <user> [app]   a user's access token",
			"       npm run -s token -- <client>        an integration's client-credentials token",
			`users: ${users}`,
			`apps: ${apps.join(", ")} (default ${apps[0]})`,
			`clients: ${integrations.join(", ")}`,
			`issuer: OIDC_ISSUER, now ${issuer}`,
			"",
		].join("\n"),
	);
	process.exit(1);
}

async function accessToken(): Promise<string> {
	if (name === undefined || extra.length > 0) usage();
	if (findDemoUser(name)) return (await fetchUserTokens(issuer, name, app)).accessToken;
	const client = findDemoClient(name);
	if (client?.kind !== "confidential")
		return usage(`'${name}' is neither a demo user nor an integration client`);
	if (app !== undefined) return usage("a client-credentials token takes no app");
	return fetchClientCredentialsToken(issuer, client.clientId, client.secret);
}

try {
	process.stdout.write(`${await accessToken()}\n`);
} catch (error) {
	process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exit(1);
}
