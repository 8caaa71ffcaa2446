import "../support/isolated-data-dir.ts";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DataTypes } from "sequelize";
import { createSequelize } from "../../lib/database.ts";

describe("SQLite column types kept between queries", () => {
	it("a model read after a migration added a column parses that column's values", async () => {
		const dir = await mkdtemp(join(tmpdir(), "column-types-"));
		const sequelize = createSequelize({ dialect: "sqlite", storage: join(dir, "db.sqlite"), poolMax: 1 });
		try {
			const qi = sequelize.getQueryInterface();
			await qi.createTable("things", { id: { type: DataTypes.STRING, primaryKey: true } });
			const before = sequelize.define(
				"things",
				{ id: { type: DataTypes.STRING, primaryKey: true } },
				{
					timestamps: false,
				},
			);
			await before.create({ id: "a" });
			assert.ok(await before.findByPk("a"));

			await qi.addColumn("things", "seen_at", { type: DataTypes.DATE, allowNull: true });
			sequelize.modelManager.removeModel(before);
			const after = sequelize.define(
				"things",
				{
					id: { type: DataTypes.STRING, primaryKey: true },
					seenAt: { type: DataTypes.DATE, field: "seen_at" },
				},
				{ timestamps: false },
			);
			const seenAt = new Date("2026-12-01T10:00:00.000Z");
			await after.update({ seenAt }, { where: { id: "a" } });
			const row = await after.findByPk("a");
			assert.deepEqual(row?.get("seenAt"), seenAt);
		} finally {
			await sequelize.close();
		}
	});
});
