import type { Service } from "moleculer";
import { config } from "../../config/index.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import type { DevIdentityProvider } from "./dev-provider.ts";

type Self = Service & { provider?: DevIdentityProvider };

/**
 * Whether the configured issuer is this development provider's own address. When OIDC_ISSUER names another
 * provider (a Keycloak, a test's own issuer), starting this one would only mint tokens under that issuer's
 * name with keys the gateway never trusts, on a port nobody asked for.
 */
function issuerIsDevProvider(issuer: string, port: number): boolean {
	const url = new URL(issuer);
	const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
	return url.protocol === "http:" && loopback && Number(url.port || 80) === port;
}

/**
 * The development identity provider (a real, OpenID-certified oidc-provider with demo users and clients).
 * Runs in embedded mode and in tests only; deployments use Keycloak and do not load this service.
 */
const IdentityService: ServiceDefinition<Self> = {
	name: "identity",

	async started(this: Self) {
		if (config.mode === "cluster" && !config.services.includes("identity")) return;
		if (!issuerIsDevProvider(config.oidc.issuer, config.oidc.devProviderPort)) {
			this.logger.info(`OIDC_ISSUER is ${config.oidc.issuer}: the development OIDC provider is not started`);
			return;
		}
		// Imported only here: a node whose issuer is another provider never loads oidc-provider and Koa.
		const { startDevIdentityProvider } = await import("./dev-provider.ts");
		this.provider = await startDevIdentityProvider({
			port: config.oidc.devProviderPort,
			issuer: config.oidc.issuer,
			audience: config.oidc.audience,
			accessTokenTtlSeconds: config.oidc.devProviderAccessTokenTtlSeconds,
			appOrigins: [`http://localhost:${config.http.port}`, `http://127.0.0.1:${config.http.port}`],
		});
		this.logger.info(
			`Development OIDC provider at ${config.oidc.issuer}. Get a token: npm run -s token -- alice (users: alice, bob, carla, dan, olga)`,
		);
	},

	async stopped(this: Self) {
		await this.provider?.close();
	},
};

export default IdentityService;
