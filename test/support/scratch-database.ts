import type { Sequelize } from "sequelize";
import { mariadbRoot } from "../../bench/lib.ts";
import { createSequelize } from "../../lib/database.ts";

/**
 * A database of a test's own on the local infrastructure's MariaDB (scripts/infra.sh): `open` makes it empty and
 * connects to it (two connections: a read outside a transaction takes the one a transaction does not hold),
 * `drop` disconnects and drops it.
 */
export function scratchMariadb(name: string): { open(): Promise<Sequelize>; drop(): Promise<void> } {
	let database: Sequelize | undefined;
	const recreate = async (create: boolean) => {
		const root = await mariadbRoot();
		try {
			await root.query(`DROP DATABASE IF EXISTS ${name}`);
			if (create)
				await root.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
		} finally {
			await root.end();
		}
	};
	return {
		async open() {
			await recreate(true);
			database = createSequelize({
				dialect: "mysql",
				host: "127.0.0.1",
				port: 3306,
				database: name,
				username: "root",
				password: "",
				poolMax: 2,
			});
			return database;
		},
		async drop() {
			await database?.close();
			await recreate(false);
		},
	};
}
