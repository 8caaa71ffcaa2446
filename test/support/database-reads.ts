import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sequelize } from "sequelize";
import * as column from "../../lib/columns.ts";
import { createTable } from "../../lib/columns.ts";
import {
	execute,
	findPage,
	insertRows,
	readPage,
	readRows,
	selectRows,
	tableOf,
} from "../../lib/database.ts";

/** A table with every kind of column the platform's tables use. */
const KINDS = column.table("column_kinds", {
	columns: {
		id: column.textKey(10),
		owner: column.text(20),
		note: column.nullable(column.text(50)),
		count: column.counter(),
		big: column.bigInteger(),
		ratio: column.decimal(),
		open: column.flag(true),
		at: column.instant(),
		atPrecise: column.instant("milliseconds"),
		doneAt: column.nullable(column.instant()),
		details: column.nullable(column.json()),
		...column.timestamps(),
	},
});

interface KindRow {
	id: string;
	owner: string;
	note: string | null;
	count: number;
	big: number;
	ratio: number;
	open: boolean;
	at: Date;
	atPrecise: Date;
	doneAt: Date | null;
	details: unknown;
	createdAt: Date;
	updatedAt: Date;
}

const at = new Date("2026-12-01T21:27:24.000Z");
const rows: Omit<KindRow, "createdAt" | "updatedAt">[] = [
	{
		id: "a",
		owner: "x",
		note: "first",
		count: 0,
		big: 2 ** 40,
		ratio: 1.5,
		open: true,
		at,
		atPrecise: new Date("2026-12-01T21:27:24.862Z"),
		doneAt: null,
		details: { list: [1, "two"], nested: { ok: true } },
	},
	{
		id: "b",
		owner: "x",
		note: null,
		count: 7,
		big: -3,
		ratio: -0.25,
		open: false,
		at,
		atPrecise: at,
		doneAt: at,
		details: null,
	},
	{
		id: "c",
		owner: "y",
		note: "",
		count: 1,
		big: 0,
		ratio: 0,
		open: true,
		at,
		atPrecise: at,
		doneAt: null,
		details: ["only", "a", "list"],
	},
	{
		id: "d",
		owner: "x",
		note: "text",
		count: 2,
		big: 1,
		ratio: 3,
		open: false,
		at,
		atPrecise: at,
		doneAt: null,
		details: "a JSON string",
	},
	{
		id: "e",
		owner: "x",
		note: "x",
		count: 3,
		big: 5,
		ratio: 2.75,
		open: true,
		at,
		atPrecise: at,
		doneAt: at,
		details: 42,
	},
];

/**
 * `readRows` and `readPage` on a real database of the dialect: every row as the model reads it (`findAll`, then
 * `get()`), in a transaction and outside one, and errors as Sequelize's. SQLite in the unit suite, MariaDB in
 * the cluster suite: one function for both dialects.
 */
export function readRowsSuite(dialect: string, open: () => Promise<Sequelize>, close: () => Promise<void>) {
	describe(`readRows and readPage (rows as the models give them, on ${dialect})`, () => {
		let database: Sequelize;
		const model = () => tableOf<KindRow>(database, KINDS, {});
		before(async () => {
			database = await open();
			await createTable(database.getQueryInterface(), KINDS);
			await model().bulkCreate(rows);
		});
		after(close);

		const asModel = async () => (await model().findAll({ order: [["id", "ASC"]] })).map((row) => row.get());

		it("gives every column as the model does, in the model's order, in a transaction and outside", async () => {
			const expected = await asModel();
			const outside = await readRows<KindRow>(database, KINDS, "SELECT * FROM column_kinds ORDER BY id", []);
			const inside = await database.transaction((transaction) =>
				readRows<KindRow>(database, KINDS, "SELECT * FROM column_kinds ORDER BY id", [], transaction),
			);
			for (const read of [outside, inside]) {
				assert.deepEqual(read, expected);
				assert.deepEqual(read.map(Object.keys), expected.map(Object.keys));
			}
			assert.equal(outside[0].open, true);
			assert.ok(outside[0].atPrecise instanceof Date);
			assert.equal(outside[0].atPrecise.toISOString(), "2026-12-01T21:27:24.862Z");
			assert.equal(outside[3].details, "a JSON string");
		});

		it("gives the columns a statement selects, and an alias as the driver does", async () => {
			const [row] = await readRows<{ open: boolean; doneAt: Date; total: number }>(
				database,
				KINDS,
				"SELECT open, done_at, COUNT(*) AS total FROM column_kinds WHERE id = ? GROUP BY open, done_at",
				["b"],
			);
			assert.deepEqual(row, { open: false, doneAt: at, total: 1 });
		});

		it("binds dates, booleans and numbers as the models compare them", async () => {
			const read = await readRows<KindRow>(
				database,
				KINDS,
				"SELECT id FROM column_kinds WHERE open = ? AND at <= ? AND ratio > ? ORDER BY id",
				[true, at, 0],
			);
			assert.deepEqual(
				read.map((row) => row.id),
				["a", "e"],
			);
		});

		it("answers readPage as findPage does on every kind of page", async () => {
			for (const [owner, limit, offset] of [
				["x", 20, 0],
				["x", 4, 0],
				["x", 2, 0],
				["x", 3, 3],
				["x", 2, 4],
				["nobody", 20, 0],
				[undefined, 2, 1],
			] as const) {
				const expected = await findPage(model(), {
					where: owner ? { owner } : {},
					order: [["id", "ASC"]],
					limit,
					offset,
				});
				const page = await readPage<KindRow>(database, KINDS, {
					where: owner ? "owner = ?" : "",
					values: owner ? [owner] : [],
					orderBy: "id ASC",
					limit,
					offset,
				});
				assert.deepEqual(
					page,
					{ rows: expected.rows.map((row) => row.get()), count: expected.count },
					`owner ${owner}, limit ${limit}, offset ${offset}`,
				);
			}
		});

		it("reads outside a transaction what is committed, not what an open transaction wrote", async () => {
			const seen = await database.transaction(async (transaction) => {
				await insertRows(
					database,
					KINDS,
					[{ ...rows[0], id: "open", createdAt: at, updatedAt: at }],
					transaction,
				);
				return {
					outside: await selectRows(database, "SELECT id FROM column_kinds WHERE id = ?", ["open"]),
					inside: await selectRows(
						database,
						"SELECT id FROM column_kinds WHERE id = ?",
						["open"],
						transaction,
					),
				};
			});
			assert.deepEqual(seen, { outside: [], inside: [{ id: "open" }] });
			assert.deepEqual(await selectRows(database, "SELECT id FROM column_kinds WHERE id = ?", ["open"]), [
				{ id: "open" },
			]);
			await execute(database, "DELETE FROM column_kinds WHERE id = ?", ["open"]);
			assert.deepEqual(await selectRows(database, "SELECT id FROM column_kinds WHERE id = ?", ["open"]), []);
		});

		it("fails as Sequelize's query would, and gives its connection back", async () => {
			for (let attempt = 0; attempt < 3; attempt++) {
				await assert.rejects(
					readRows(database, KINDS, "SELECT nothing FROM column_kinds", []),
					(error) => (error as Error).name === "SequelizeDatabaseError",
				);
			}
			assert.equal((await readRows(database, KINDS, "SELECT id FROM column_kinds", [])).length, rows.length);
		});

		it("commits, rolls back and keeps savepoints as before", async () => {
			const insert = (id: string, transaction: Parameters<typeof execute>[3]) =>
				execute(database, "UPDATE column_kinds SET note = ? WHERE id = ?", [id, "c"], transaction);
			const note = async () =>
				(await readRows<KindRow>(database, KINDS, "SELECT note FROM column_kinds WHERE id = ?", ["c"]))[0]
					.note;
			await database.transaction((transaction) => insert("committed", transaction));
			await assert.rejects(
				database.transaction(async (transaction) => {
					await insert("rolled back", transaction);
					throw new Error("undone");
				}),
				/undone/,
			);
			assert.equal(await note(), "committed");
			await database.transaction(async (transaction) => {
				await insert("outer", transaction);
				await assert.rejects(
					database.transaction({ transaction }, async (savepoint) => {
						await insert("savepoint", savepoint);
						throw new Error("savepoint undone");
					}),
					/savepoint undone/,
				);
			});
			assert.equal(await note(), "outer");
		});
	});
}
