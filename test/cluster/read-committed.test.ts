import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { mariadbRoot } from "../../bench/lib.ts";
import { createSequelize } from "../../lib/database.ts";
import { readCommittedSessions } from "../../lib/events/read-committed.ts";

/** The MariaDB of the local infrastructure (scripts/infra.sh), in a database of this test's own. */
const DATABASE = "test_read_committed";
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

before(async () => {
	await recreate(true);
	database = createSequelize({
		dialect: "mysql",
		host: "127.0.0.1",
		port: 3306,
		database: DATABASE,
		username: "root",
		password: "",
		poolMax: 2,
	});
});
after(async () => {
	await database.close();
	await recreate(false);
});

async function levelIn(sequelize: Sequelize, transaction: Transaction): Promise<string> {
	const [row] = await sequelize.query<{ level: string }>("SELECT @@tx_isolation AS level", {
		transaction,
		type: QueryTypes.SELECT,
	});
	return row.level;
}

describe("READ COMMITTED sessions on MariaDB", () => {
	it("begin READ COMMITTED transactions and leave the database's own at REPEATABLE READ", async () => {
		const sessions = readCommittedSessions(database);
		try {
			assert.notEqual(sessions.sequelize, database);
			const level = (sequelize: Sequelize) => sequelize.transaction((t) => levelIn(sequelize, t));
			assert.equal(await sessions.sequelize.transaction((t) => levelIn(database, t)), "READ-COMMITTED");
			assert.equal(await level(database), "REPEATABLE-READ");
		} finally {
			await sessions.close();
		}
	});

	it("are one pool per database, closed when its last user closes it", async () => {
		const consumer = readCommittedSessions(database);
		const relay = readCommittedSessions(database);
		assert.equal(relay.sequelize, consumer.sequelize);
		await consumer.close();
		await consumer.close(); // a second close is not another user's
		const level = await relay.sequelize.transaction((t) => levelIn(relay.sequelize, t));
		assert.equal(level, "READ-COMMITTED");
		await relay.close();
		await assert.rejects(relay.sequelize.query("SELECT 1"), /closed/);

		const next = readCommittedSessions(database);
		try {
			assert.notEqual(next.sequelize, relay.sequelize);
			assert.equal(await next.sequelize.transaction((t) => levelIn(next.sequelize, t)), "READ-COMMITTED");
		} finally {
			await next.close();
		}
	});
});
