import type { Service, ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeAdapter from "moleculer-db-adapter-sequelize";
import type { ModelAttributes, ModelOptions, Sequelize } from "sequelize";
import { config, type DatabaseOwner } from "../config/index.ts";
import {
	createSequelize,
	type DatabaseHolder,
	isDatabaseUnavailable,
	type Migration,
	migrate,
} from "../lib/database.ts";
import { DependencyUnavailableError } from "../lib/errors.ts";
import type { ComponentHealth } from "../lib/ops-endpoint.ts";
import { defineMixin } from "../lib/service-definition.ts";

export interface DatabaseMixinOptions {
	/** Whose database this is: picks the connection settings (e.g. BOOKING_DB_URL). */
	owner: DatabaseOwner;
	/** The service's main table, managed by moleculer-db. */
	model: { name: string; define: ModelAttributes; options?: ModelOptions };
	migrations: readonly Migration[];
}

/**
 * Gives a service its own database: moleculer-db with the Sequelize adapter (MySQL in cluster mode, SQLite
 * in embedded mode), versioned migrations on start, a readiness probe, and "database down" mapped to 503.
 * moleculer-db's generic CRUD actions are switched off: every service declares its own typed actions, so no
 * unvalidated create/update is ever reachable.
 */
export function databaseMixin(options: DatabaseMixinOptions): Partial<ServiceSchema> {
	const database = config.databases[options.owner];
	return defineMixin<Service & DatabaseService>({
		mixins: [DbService as unknown as Partial<ServiceSchema>],
		// The fourth argument is where the adapter looks for noSync when given a Sequelize instance: the schema
		// comes from migrations only.
		adapter: new (SequelizeAdapter as unknown as new (...args: unknown[]) => unknown)(
			createSequelize(database),
			undefined,
			undefined,
			{ noSync: true },
		),
		model: options.model,
		settings: { idField: "id", pageSize: 20, maxPageSize: 100, maxLimit: 100 },
		actions: {
			find: false,
			count: false,
			list: false,
			create: false,
			insert: false,
			update: false,
			remove: false,
			get: false,
		},

		hooks: {
			error: {
				"*"(_ctx: unknown, error: unknown) {
					if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError(`${options.owner} database`);
					throw error;
				},
			},
		},

		methods: {
			/** The Sequelize instance of this service's database (for transactions and extra tables). */
			database(): Sequelize {
				return (this as unknown as { adapter: { db: Sequelize } }).adapter.db;
			},
			async checkReadiness(): Promise<ComponentHealth> {
				await this.database().authenticate();
				return { component: `${options.owner}-db`, ok: true };
			},
		},

		async started(this: Service & DatabaseService) {
			if (!config.migrateOnStart) return;
			const applied = await migrate(
				this.database(),
				options.migrations,
				`${config.namespace}-migrate-${options.owner}`,
			);
			if (applied.length > 0) this.logger.info(`Applied migrations: ${applied.join(", ")}`);
		},
	});
}

/** What a service using the mixin can reach on `this`. */
export interface DatabaseService extends DatabaseHolder {
	adapter: { model: import("sequelize").ModelStatic<import("sequelize").Model> };
}
