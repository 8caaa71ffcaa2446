import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Sequelize } from "sequelize";
import { createSequelize, execute, selectRows } from "../../lib/database.ts";

describe("reads outside transactions on node:sqlite (lib/sqlite-reader.ts)", () => {
	let dir: string;
	let storage: string;
	let database: Sequelize;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), "sqlite-reader-"));
		storage = join(dir, "reader.sqlite");
		database = createSequelize({ dialect: "sqlite", storage, poolMax: 1 });
		await database.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
	});
	after(async () => {
		await database.close();
		await rm(dir, { recursive: true, force: true });
	});

	it("sees each write as soon as it is committed, as plain rows", async () => {
		await execute(database, "INSERT INTO notes (id, body) VALUES (?, ?)", [1, "first"]);
		assert.deepEqual(await selectRows(database, "SELECT id, body FROM notes", []), [
			{ id: 1, body: "first" },
		]);
		await execute(database, "UPDATE notes SET body = ? WHERE id = ?", ["second", 1]);
		assert.deepEqual(await selectRows(database, "SELECT body FROM notes WHERE id = ?", [1]), [
			{ body: "second" },
		]);
	});

	it("cannot write", async () => {
		await assert.rejects(
			selectRows(database, "DELETE FROM notes RETURNING id", []),
			(error) => (error as Error).name === "SequelizeDatabaseError" && /readonly/i.test(String(error)),
		);
		assert.equal((await selectRows(database, "SELECT id FROM notes", [])).length, 1);
	});
});
