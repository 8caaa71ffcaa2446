import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sequelize } from "sequelize";
import { createSequelize } from "../../lib/database.ts";
import { readRowsSuite } from "../support/database-reads.ts";

let dir: string;
let database: Sequelize;
readRowsSuite(
	"SQLite",
	async () => {
		dir = await mkdtemp(join(tmpdir(), "database-reads-"));
		database = createSequelize({ dialect: "sqlite", storage: join(dir, "reads.sqlite"), poolMax: 1 });
		return database;
	},
	async () => {
		await database.close();
		await rm(dir, { recursive: true, force: true });
	},
);
