import assert from "node:assert/strict";
import fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Sequelize } from "sequelize";
import {
	createSequelize,
	execute,
	inTransaction,
	isUniqueViolation,
	selectRows,
} from "../../lib/database.ts";
import { Database } from "../../lib/sqlite-driver.ts";

type Outcome = { error: Error | null; rows?: unknown; changes?: unknown; lastID?: unknown };

/** A driver call as a promise of what its callback got, `this` included. */
function call(connection: Database, method: "run" | "all" | "exec", sql: string, ...parameters: unknown[]) {
	return new Promise<Outcome>((resolve) => {
		const callback = function (
			this: { changes?: unknown; lastID?: unknown },
			error: Error | null,
			rows?: unknown,
		) {
			resolve({ error, rows, changes: this?.changes, lastID: this?.lastID });
		};
		if (method === "exec") connection.exec(sql, (error) => resolve({ error }));
		else connection[method](sql, ...parameters, callback);
	});
}

describe("the SQLite driver on node:sqlite (lib/sqlite-driver.ts)", () => {
	let dir: string;
	let storage: string;
	const connections: Database[] = [];
	const connect = async () => {
		const connection = await new Promise<Database>((resolve, reject) => {
			const opened: Database = new Database(storage, undefined, (error) =>
				error ? reject(error) : resolve(opened),
			);
		});
		connections.push(connection);
		return connection;
	};
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), "sqlite-driver-"));
		storage = join(dir, "driver.sqlite");
		const first = await connect();
		await call(first, "exec", "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
		await call(
			first,
			"exec",
			"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, done INTEGER, at REAL)",
		);
	});
	after(async () => {
		for (const connection of connections) connection.close();
		await rm(dir, { recursive: true, force: true });
	});

	it("binds values as node-sqlite3 does and answers its lastID, changes and plain rows", async () => {
		const connection = await connect();
		const at = new Date("2026-12-03T10:00:00Z");
		const inserted = await call(connection, "run", "INSERT INTO notes (body, done, at) VALUES (?, ?, ?)", [
			"first",
			true,
			at,
		]);
		assert.equal(inserted.error, null);
		assert.equal(inserted.changes, 1);
		const named = await call(connection, "run", "INSERT INTO notes (body, done) VALUES ($body, $done)", {
			$body: "second",
			$done: undefined,
		});
		assert.equal(named.lastID, Number(inserted.lastID) + 1);
		const { rows } = await call(connection, "all", "SELECT body, done, at FROM notes ORDER BY id", []);
		assert.deepEqual(rows, [
			{ body: "first", done: 1, at: at.getTime() },
			{ body: "second", done: null, at: null },
		]);
		assert.equal(Object.getPrototypeOf((rows as object[])[0]), Object.prototype);
	});

	it("names a failure as node-sqlite3 does, so that Sequelize's dialect reads it", async () => {
		const connection = await connect();
		await call(connection, "run", "INSERT INTO notes (id, body) VALUES (?, ?)", [100, "taken"]);
		const { error } = await call(connection, "run", "INSERT INTO notes (id, body) VALUES (?, ?)", [
			100,
			"again",
		]);
		assert.equal((error as Error & { code?: string }).code, "SQLITE_CONSTRAINT");
		assert.match((error as Error).message, /^SQLITE_CONSTRAINT: UNIQUE constraint failed: notes\.id$/);
		const syntax = await call(connection, "all", "SELEC nothing", []);
		assert.equal((syntax.error as Error & { code?: string }).code, "SQLITE_ERROR");
	});

	it("waits for a lock another connection holds on a timer, without blocking the event loop, in order", async () => {
		const holder = await connect();
		const waiter = await connect();
		waiter.configure("busyTimeout", 5_000);
		await call(holder, "exec", "BEGIN IMMEDIATE");
		const first = call(waiter, "run", "INSERT INTO notes (id, body) VALUES (?, ?)", [200, "first"]);
		const second = call(waiter, "run", "UPDATE notes SET body = ? WHERE id = ?", ["second", 200]);
		let ticks = 0;
		const timer = setInterval(() => ticks++, 5);
		await new Promise((resolve) => setTimeout(resolve, 60));
		assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks while the write waited`);
		await call(holder, "exec", "COMMIT");
		clearInterval(timer);
		assert.equal((await first).error, null);
		assert.equal((await second).changes, 1);
		const { rows } = await call(waiter, "all", "SELECT body FROM notes WHERE id = ?", [200]);
		assert.deepEqual(rows, [{ body: "second" }]);
	});

	it("answers a commit once the log is on disk, one sync for the commits that wait for it together", async () => {
		const fdatasync = fs.fdatasync;
		const synced: string[] = [];
		fs.fdatasync = ((fd: number, callback: (error: NodeJS.ErrnoException | null) => void) =>
			fdatasync(fd, (error) => {
				synced.push("sync");
				callback(error);
			})) as typeof fs.fdatasync;
		syncBuiltinESMExports();
		try {
			const writers = await Promise.all(Array.from({ length: 10 }, () => connect()));
			const answered = writers.map(async (writer, index) => {
				const { error } = await call(writer, "run", "INSERT INTO notes (id, body) VALUES (?, ?)", [
					400 + index,
					"x",
				]);
				assert.equal(error, null);
				synced.push("answer");
			});
			await Promise.all(answered);
			assert.equal(synced[0], "sync", "no commit is answered before a sync");
			const syncs = synced.filter((entry) => entry === "sync").length;
			assert.ok(syncs >= 1 && syncs < 10, `${syncs} syncs for 10 commits`);
		} finally {
			fs.fdatasync = fdatasync;
			syncBuiltinESMExports();
		}
	});

	it("fails a write with SQLITE_BUSY once the lock stayed taken past the busy timeout", async () => {
		const holder = await connect();
		const waiter = await connect();
		waiter.configure("busyTimeout", 30);
		await call(holder, "exec", "BEGIN IMMEDIATE");
		const started = Date.now();
		const { error } = await call(waiter, "run", "INSERT INTO notes (id, body) VALUES (?, ?)", [300, "late"]);
		await call(holder, "exec", "ROLLBACK");
		assert.equal((error as Error & { code?: string }).code, "SQLITE_BUSY");
		assert.ok(Date.now() - started >= 30);
	});
});

describe("SQLite through the project's Sequelize set-up (lib/database.ts)", () => {
	let dir: string;
	let database: Sequelize;
	before(async () => {
		dir = await mkdtemp(join(tmpdir(), "sqlite-sequelize-"));
		database = createSequelize({ dialect: "sqlite", storage: join(dir, "app.sqlite"), poolMax: 1 });
		await database.query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
	});
	after(async () => {
		await database.close();
		await rm(dir, { recursive: true, force: true });
	});

	it("reads outside transactions see each write as soon as it is committed", async () => {
		await execute(database, "INSERT INTO notes (id, body) VALUES (?, ?)", [1, "first"]);
		assert.deepEqual(await selectRows(database, "SELECT id, body FROM notes", []), [
			{ id: 1, body: "first" },
		]);
		await inTransaction(database, (transaction) =>
			execute(database, "UPDATE notes SET body = ? WHERE id = ?", ["second", 1], transaction),
		);
		assert.deepEqual(await selectRows(database, "SELECT body FROM notes WHERE id = ?", [1]), [
			{ body: "second" },
		]);
	});

	it("reads outside transactions cannot write", async () => {
		await assert.rejects(
			selectRows(database, "DELETE FROM notes RETURNING id", []),
			(error) => (error as Error).name === "SequelizeDatabaseError" && /readonly/i.test(String(error)),
		);
		assert.equal((await selectRows(database, "SELECT id FROM notes", [])).length, 1);
	});

	it("a unique violation is Sequelize's, and rolls its transaction back", async () => {
		const write = inTransaction(database, async (transaction) => {
			await execute(database, "UPDATE notes SET body = ? WHERE id = ?", ["third", 1], transaction);
			await execute(database, "INSERT INTO notes (id, body) VALUES (?, ?)", [1, "again"], transaction);
		});
		await assert.rejects(write, isUniqueViolation);
		assert.deepEqual(await selectRows(database, "SELECT body FROM notes WHERE id = ?", [1]), [
			{ body: "second" },
		]);
	});

	it("commits of many transactions at once all land, one at a time", async () => {
		await Promise.all(
			Array.from({ length: 50 }, (_, index) =>
				inTransaction(database, (transaction) =>
					execute(
						database,
						"INSERT INTO notes (id, body) VALUES (?, ?)",
						[1000 + index, "many"],
						transaction,
					),
				),
			),
		);
		const [{ total }] = await selectRows<{ total: number }>(
			database,
			"SELECT COUNT(*) AS total FROM notes WHERE body = ?",
			["many"],
		);
		assert.equal(total, 50);
	});
});
