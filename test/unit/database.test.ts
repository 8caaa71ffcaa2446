import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DataTypes, type Sequelize } from "sequelize";
import { createSequelize, findPage, tableOf } from "../../lib/database.ts";

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
