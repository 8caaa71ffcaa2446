import type { Sequelize } from "sequelize";
import { mariadbRoot } from "../../bench/lib.ts";
import { createSequelize } from "../../lib/database.ts";
import { readRowsSuite } from "../support/database-reads.ts";

/** The MariaDB of the local infrastructure (scripts/infra.sh), in a database of this test's own. */
const DATABASE = "test_database_reads";
let database: Sequelize;

async function recreate(create: boolean) {
	const root = await mariadbRoot();
	try {
		await root.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
		if (create)
			await root.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
	} finally {
		await root.end();
	}
}

readRowsSuite(
	"MariaDB",
	async () => {
		await recreate(true);
		// Two connections: a read outside a transaction takes the one the transaction does not hold.
		database = createSequelize({
			dialect: "mysql",
			host: "127.0.0.1",
			port: 3306,
			database: DATABASE,
			username: "root",
			password: "",
			poolMax: 2,
		});
		return database;
	},
	async () => {
		await database.close();
		await recreate(false);
	},
);
