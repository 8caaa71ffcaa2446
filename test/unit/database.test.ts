import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DataTypes, type Sequelize } from "sequelize";
import {
	createSequelize,
	execute,
	findPage,
	insertRows,
	isUniqueViolation,
	type OnDuplicate,
	selectRows,
	tableOf,
} from "../../lib/database.ts";

let dir: string;
let database: Sequelize;
before(async () => {
	dir = await mkdtemp(join(tmpdir(), "database-test-"));
	database = createSequelize({ dialect: "sqlite", storage: join(dir, "pages.sqlite"), poolMax: 1 });
});
after(async () => {
	await database.close();
	await rm(dir, { recursive: true, force: true });
});

describe("findPage (a page of rows and the total, on SQLite)", () => {
	const items = () =>
		tableOf<{ id: number; owner: string }>(database, {
			table: "items",
			columns: {
				id: { type: DataTypes.INTEGER, primaryKey: true },
				owner: { type: DataTypes.STRING, allowNull: false },
			},
		});
	before(async () => {
		await items().sync();
		await items().bulkCreate(Array.from({ length: 5 }, (_, id) => ({ id, owner: id < 3 ? "a" : "b" })));
	});
	const page = async (owner: string | undefined, limit: number, offset: number) => {
		const { rows, count } = await findPage(items(), {
			where: owner ? { owner } : {},
			order: [["id", "ASC"]],
			limit,
			offset,
		});
		return { ids: rows.map((row) => row.id), count };
	};

	it("answers findAndCountAll's total on every kind of page", async () => {
		for (const [owner, limit, offset] of [
			["a", 20, 0], // shorter than the limit: the last page
			["a", 3, 0], // exactly full
			["a", 2, 0], // full, more behind it
			["a", 2, 2], // the short last page after a full one
			["a", 2, 4], // empty, past the end
			["nobody", 20, 0], // empty first page
			[undefined, 4, 1],
		] as const) {
			const expected = await items().findAndCountAll({
				where: owner ? { owner } : {},
				order: [["id", "ASC"]],
				limit,
				offset,
			});
			assert.deepEqual(
				await page(owner, limit, offset),
				{ ids: expected.rows.map((row) => row.id), count: expected.count },
				`owner ${owner}, limit ${limit}, offset ${offset}`,
			);
		}
	});
});

describe("insertRows (prepared statements on the transaction's connection, on SQLite)", () => {
	const definition = {
		table: "slots",
		columns: {
			key: { type: DataTypes.STRING(20), primaryKey: true },
			at: { type: DataTypes.DATE, allowNull: false },
			details: { type: DataTypes.JSON, allowNull: true },
			open: { type: DataTypes.BOOLEAN, allowNull: false },
		},
	};
	interface Slot {
		key: string;
		at: Date;
		details: { note: string } | null;
		open: boolean;
	}
	const slots = () => tableOf<Slot>(database, definition);
	const insert = (rows: Slot[], onDuplicate?: OnDuplicate) =>
		database.transaction((transaction) => insertRows(database, definition, rows, transaction, onDuplicate));
	const read = async (key: string) => (await slots().findByPk(key))?.get({ plain: true });
	before(() => slots().sync());

	it("writes rows as the model writes them, and reads them back the same", async () => {
		const at = new Date("2026-12-01T21:27:24.862Z");
		await insert([
			{ key: "a", at, details: { note: "first" }, open: true },
			{ key: "b", at, details: null, open: false },
		]);
		await slots().create({ key: "m", at, details: { note: "first" }, open: true });
		assert.deepEqual(await read("a"), { key: "a", at, details: { note: "first" }, open: true });
		assert.deepEqual(await read("b"), { key: "b", at, details: null, open: false });
		const [stored] = await database.query("SELECT key, at FROM slots WHERE key IN ('a', 'm') ORDER BY key");
		assert.equal((stored as { at: string }[])[0].at, (stored as { at: string }[])[1].at);
	});

	it("answers a taken key as Sequelize does, skips it or overwrites it as asked", async () => {
		const at = new Date("2026-12-02T08:00:00.000Z");
		await insert([{ key: "c", at, details: null, open: true }]);
		await assert.rejects(insert([{ key: "c", at, details: null, open: false }]), (error) =>
			isUniqueViolation(error),
		);
		await insert([{ key: "f", at, details: null, open: true }]);
		assert.equal((await read("f"))?.key, "f", "the statement that failed runs again");
		await insert([{ key: "c", at, details: { note: "ignored" }, open: false }], "ignore");
		assert.deepEqual(await read("c"), { key: "c", at, details: null, open: true });
		await insert([{ key: "c", at, details: { note: "kept" }, open: false }], "update");
		assert.deepEqual(await read("c"), { key: "c", at, details: { note: "kept" }, open: false });
	});

	it("selectRows answers the driver's rows of a prepared SELECT in the transaction", async () => {
		const at = new Date("2026-12-04T08:00:00.000Z");
		const rows = await database.transaction(async (transaction) => {
			await insertRows(database, definition, [{ key: "g", at, details: null, open: true }], transaction);
			return selectRows<{ key: string }>(
				database,
				"SELECT key FROM slots WHERE key IN (?, ?) ORDER BY key",
				["g", "nothing"],
				transaction,
			);
		});
		assert.deepEqual(rows, [{ key: "g" }]);
	});

	it("rolls back with the transaction; a statement SQLite refuses fails as Sequelize's would", async () => {
		const at = new Date("2026-12-03T08:00:00.000Z");
		await assert.rejects(
			database.transaction(async (transaction) => {
				await insertRows(database, definition, [{ key: "d", at, details: null, open: true }], transaction);
				throw new Error("undone");
			}),
			/undone/,
		);
		assert.equal(await read("d"), undefined);
		await assert.rejects(
			database.transaction((transaction) =>
				execute(database, "INSERT INTO nowhere (x) VALUES (?)", [1], transaction),
			),
			(error) => (error as Error).name === "SequelizeDatabaseError" && /no such table/.test(String(error)),
		);
	});
});
