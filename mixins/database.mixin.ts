import type { Service, ServiceSchema } from "moleculer";
import type { Model, ModelOptions, ModelStatic, Sequelize } from "sequelize";
import { config, type DatabaseConfig, type DatabaseOwner } from "../config/index.ts";
import type { TableDefinition } from "../lib/columns.ts";
import { exitIfRefused } from "../lib/connection-refusal.ts";
import {
	type DatabaseHandle,
	type DatabaseHolder,
	isDatabaseUnavailable,
	isUniqueViolation,
	type Migration,
	openDatabase,
	tableOf,
} from "../lib/database.ts";
import { DependencyUnavailableError } from "../lib/errors.ts";
import type { ComponentHealth } from "../lib/ops-endpoint.ts";
import { retry, sleep } from "../lib/retry.ts";
import { defineMixin } from "../lib/service-definition.ts";

export interface DatabaseMixinOptions {
	/** Whose database this is: picks the connection settings (e.g. BOOKING_DB_URL). */
	owner: DatabaseOwner;
	/** The service's main table, `this.model`. */
	model: TableDefinition & { options?: ModelOptions };
	migrations: readonly Migration[];
	/** Demo rows for the main table, written at start-up when it is empty and SEED_DEMO_DATA is on. */
	seed?: () => object[];
}

/** What a service using the mixin can reach on `this`. */
export interface DatabaseService extends DatabaseHolder {
	/** The service's main table. */
	model: ModelStatic<Model>;
}

type Self = Service & DatabaseService & { databaseHandle: DatabaseHandle };

/** Between connection attempts while the database is unreachable at start-up. */
const RECONNECT_MS = 1_000;

/**
 * Gives a service its database: the process's one Sequelize instance for it (MySQL in cluster mode, SQLite in
 * embedded mode), the main table, versioned migrations (once per database) and demo data on start, a
 * readiness probe, and "database down" mapped to 503. Start-up waits for an unreachable database.
 *
 * The connection settings come from `settings.database` when the service is created with it (tests), else
 * from the start-up config. moleculer-db is not used: its generic CRUD actions had to be switched off (every
 * action here has typed, validated params), and what remained of it was a connection retry loop.
 */
export function databaseMixin(options: DatabaseMixinOptions): Partial<ServiceSchema> {
	return defineMixin<Self>({
		settings: { $secureSettings: ["database"] },

		hooks: {
			error: {
				"*"(_ctx: unknown, error: unknown) {
					if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError(`${options.owner} database`);
					throw error;
				},
			},
		},

		methods: {
			/** The Sequelize instance of this service's database (for transactions and side tables). */
			database(): Sequelize {
				return this.databaseHandle.sequelize;
			},
			async checkReadiness(): Promise<ComponentHealth> {
				await this.database().authenticate();
				return { component: `${options.owner}-db`, ok: true };
			},
		},

		created(this: Self) {
			const settings =
				(this.settings as { database?: DatabaseConfig }).database ?? config.databases[options.owner];
			this.databaseHandle = openDatabase(settings);
			this.model = tableOf(this.database(), options.model, options.model.options ?? {}) as ModelStatic<Model>;
		},

		async started(this: Self) {
			await retry(() => this.database().authenticate(), {
				beforeRetry: (error) => {
					// A refused password or certificate: waiting will not help.
					const { host, port, database, username } = this.database().config;
					exitIfRefused(`${options.owner} database (${host}:${port}/${database} as ${username})`, error);
					this.logger.error(`Cannot reach the ${options.owner} database, retrying`, error);
				},
				wait: () => sleep(RECONNECT_MS),
			});
			if (config.migrateOnStart) {
				const lockName = `${config.namespace}-migrate-${options.owner}`;
				const applied = await this.databaseHandle.migrate(options.migrations, lockName);
				if (applied.length > 0) this.logger.info(`Applied migrations: ${applied.join(", ")}`);
			}
			if (options.seed && config.seedDemoData && (await this.model.count()) === 0) {
				const rows = options.seed();
				try {
					await this.model.bulkCreate(rows as Array<Record<string, unknown>>);
					this.logger.info(`Seeded ${rows.length} demo ${options.model.table}`);
				} catch (error) {
					// Another instance seeded the same table at the same moment.
					if (!isUniqueViolation(error)) throw error;
				}
			}
		},

		async stopped(this: Self) {
			await this.databaseHandle.release();
		},
	});
}
