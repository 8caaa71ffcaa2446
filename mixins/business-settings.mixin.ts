import type { Context, Service } from "moleculer";
import { defineMixin } from "../lib/service-definition.ts";
import type { BusinessSettings } from "../services/configuration/contract.ts";

export interface BusinessSettingsHolder {
	businessSettings: BusinessSettings;
}

/**
 * Keeps the current business settings on the service. They are read once from the configuration service
 * at start-up (the service waits for it), then replaced whenever an admin changes them: the configuration
 * service broadcasts `configuration.changed` to every node.
 */
export const businessSettingsMixin = defineMixin<Service & BusinessSettingsHolder>({
	events: {
		"configuration.changed"(this: Service & BusinessSettingsHolder, ctx: Context<BusinessSettings>) {
			this.businessSettings = ctx.params;
			this.logger.info("Business settings updated");
		},
	},

	async started(this: Service & BusinessSettingsHolder) {
		await this.broker.waitForServices("configuration", 60_000);
		this.businessSettings = await this.broker.call("configuration.current");
	},
});
