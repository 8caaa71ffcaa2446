import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { readCommittedSessions } from "../../lib/events/read-committed.ts";
import { scratchMariadb } from "../support/scratch-database.ts";

const scratch = scratchMariadb("test_read_committed");
let database: Sequelize;

before(async () => {
	database = await scratch.open();
});
after(scratch.drop);

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
