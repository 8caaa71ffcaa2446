import type { Service } from "moleculer";
import { config } from "../../config/index.ts";
import { type DevIdentityProvider, startDevIdentityProvider } from "../../identity/dev-provider.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";

type Self = Service & { provider?: DevIdentityProvider };

/**
 * The development identity provider (a real, OpenID-certified oidc-provider with demo users and clients).
 * Runs in embedded mode and in tests only; deployments use Keycloak and do not load this service.
 */
const IdentityService: ServiceDefinition<Self> = {
	name: "identity",

	async started(this: Self) {
		if (config.mode === "cluster" && !config.services.includes("identity")) return;
		this.provider = await startDevIdentityProvider({
			port: config.oidc.devProviderPort,
			issuer: config.oidc.issuer,
			audience: config.oidc.audience,
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
