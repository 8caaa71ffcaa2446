/**
 * npm run migrate: applies pending migrations to the databases of the services in SERVICES (all of them when
 * unset), without starting any broker. Safe to run while instances start: migrations take a named lock.
 */
import { config, DATABASE_OWNERS, type DatabaseOwner } from "../config/index.ts";
import { createSequelize, type Migration, migrate } from "../lib/database.ts";
import { BOOKING_MIGRATIONS } from "../services/booking/migrations/index.ts";
import { CLEANER_MIGRATIONS } from "../services/cleaner/migrations/index.ts";
import { CONFIGURATION_MIGRATIONS } from "../services/configuration/migrations/index.ts";
import { CUSTOMER_MIGRATIONS } from "../services/customer/migrations/index.ts";
import { NOTIFICATION_MIGRATIONS } from "../services/notification/migrations/index.ts";
import { VEHICLE_MIGRATIONS } from "../services/vehicle/migrations/index.ts";
import { WEBHOOK_MIGRATIONS } from "../services/webhook/migrations/index.ts";

const MIGRATIONS: Record<DatabaseOwner, readonly Migration[]> = {
	customer: CUSTOMER_MIGRATIONS,
	vehicle: VEHICLE_MIGRATIONS,
	cleaner: CLEANER_MIGRATIONS,
	booking: BOOKING_MIGRATIONS,
	configuration: CONFIGURATION_MIGRATIONS,
	notification: NOTIFICATION_MIGRATIONS,
	webhook: WEBHOOK_MIGRATIONS,
};

const owners = DATABASE_OWNERS.filter((owner) => config.services.includes(owner));
for (const owner of owners) {
	const sequelize = createSequelize(config.databases[owner]);
	try {
		const applied = await migrate(sequelize, MIGRATIONS[owner], `${config.namespace}-migrate-${owner}`);
		console.log(`${owner}: ${applied.length === 0 ? "up to date" : `applied ${applied.join(", ")}`}`);
	} finally {
		await sequelize.close();
	}
}
