import type { Service } from "moleculer";
import type { Model } from "sequelize";
import { config } from "../../config/index.ts";
import { UnprocessableError } from "../../lib/errors.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import type { BusinessSettings, SettingKey, SettingsView } from "./contract.ts";
import { SETTINGS_TABLE } from "./migrations/0001-create-settings.ts";
import { CONFIGURATION_MIGRATIONS } from "./migrations/index.ts";
import { defaultSettings, SETTING_RULES, settingsProblem } from "./setting-rules.ts";

interface SettingRow {
	key: SettingKey;
	value: unknown;
	updatedBy: string;
	updatedAt: Date;
}

type Self = Service & DatabaseService & { loadSettings(): Promise<BusinessSettings> };

const optionalRules = Object.fromEntries(
	Object.entries(SETTING_RULES).map(([key, rule]) => [key, { ...rule, optional: true }]),
);

/**
 * Runtime business settings (slot granularity, travel buffer, cancellation rules, time zone, cache TTL).
 * Kept in this service's own database: they must survive restarts, and Redis here is a cache that may lose
 * everything. Every change is broadcast as `configuration.changed`, so each node applies it without a restart.
 */
const ConfigurationService: ServiceDefinition<Self> = {
	name: "configuration",
	mixins: [
		databaseMixin({ owner: "configuration", migrations: CONFIGURATION_MIGRATIONS, model: SETTINGS_TABLE }),
	],

	actions: {
		/** Internal: the settings every node works with. No REST route. */
		current: {
			visibility: "public",
			params: {},
			handler(this: Self): Promise<BusinessSettings> {
				return this.loadSettings();
			},
		},

		list: {
			params: {},
			async handler(this: Self): Promise<SettingsView> {
				const rows = (await this.model.findAll({
					order: [["key", "ASC"]],
				})) as unknown as SettingRow[];
				return {
					settings: await this.loadSettings(),
					changes: rows.map((row) => ({
						key: row.key,
						updatedBy: row.updatedBy,
						updatedAt: row.updatedAt.toISOString(),
					})),
				};
			},
		},

		update: {
			params: { $$strict: true, ...optionalRules },
			async handler(this: Self, ctx: RequestContext<Partial<BusinessSettings>>): Promise<SettingsView> {
				const admin = currentUser(ctx);
				const changes = Object.entries(ctx.params) as Array<[SettingKey, unknown]>;
				if (changes.length === 0) throw new UnprocessableError("body", "name at least one setting to change");
				const problem = settingsProblem(ctx.params);
				if (problem) throw new UnprocessableError(problem.field, problem.message);

				await this.database().transaction(async (transaction) => {
					for (const [key, value] of changes) {
						await this.model.upsert({ key, value, updatedBy: admin.id }, { transaction });
					}
				});
				const settings = await this.loadSettings();
				this.logger.info({ by: admin.id, changes: ctx.params }, "Business settings changed");
				await this.broker.broadcast("configuration.changed", settings);
				return ctx.call("configuration.list");
			},
		},
	},

	methods: {
		async loadSettings(this: Self): Promise<BusinessSettings> {
			const rows = (await this.model.findAll()) as Array<Model & SettingRow>;
			const stored = Object.fromEntries(rows.map((row) => [row.get("key"), row.get("value")]));
			return { ...defaultSettings(config.platformTimeZone), ...stored };
		},
	},
};

export default ConfigurationService;
