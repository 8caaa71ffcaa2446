import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
	DataTypes,
	type FindOptions,
	type Model,
	type ModelOptions,
	type ModelStatic,
	type QueryInterface,
	Sequelize,
	Transaction,
	Utils,
} from "sequelize";
import type { DatabaseConfig } from "../config/index.ts";
import type { TableDefinition } from "./columns.ts";
import { ConflictError } from "./errors.ts";
import { retry } from "./retry.ts";
import { sharedResources } from "./shared-resource.ts";
import * as sqliteDriver from "./sqlite-driver.ts";

/** A versioned schema change. Files are named NNNN-description.ts and applied in order, once. */
export interface Migration {
	name: string;
	up(queryInterface: QueryInterface, sequelize: Sequelize): Promise<void>;
	down?(queryInterface: QueryInterface, sequelize: Sequelize): Promise<void>;
}

export function createSequelize(db: DatabaseConfig): Sequelize {
	const common = { logging: false as const, define: { underscored: true, freezeTableName: true } };
	if (db.dialect === "sqlite") {
		mkdirSync(dirname(db.storage), { recursive: true });
		// SQLite has one writer at a time. Sequelize opens one connection per transaction, so transactions take
		// the write lock when they begin (IMMEDIATE) and wait for it (busy timeout) instead of failing with
		// SQLITE_BUSY halfway through. The driver is Node's own SQLite (`lib/sqlite-driver.ts`).
		const sequelize = new Sequelize({
			...common,
			dialect: "sqlite",
			dialectModule: sqliteDriver,
			storage: db.storage,
			transactionType: Transaction.TYPES.IMMEDIATE,
		});
		tuneSqliteConnections(sequelize);
		reuseTransactionConnections(sequelize);
		readOnItsOwnConnection(sequelize);
		oneTransactionAtATime(sequelize);
		beginAndEndPrepared(sequelize);
		return sequelize;
	}
	return new Sequelize(db.database, db.username, db.password, {
		...common,
		dialect: "mysql",
		host: db.host,
		port: db.port,
		timezone: "+00:00",
		pool: { max: db.poolMax, min: 0, acquire: 5_000, idle: 10_000 },
		dialectOptions: { connectTimeout: 3_000, dateStrings: false, ...(db.tls ? { ssl: db.tls } : {}) },
	});
}

/**
 * The applied migrations' names, in the table and with the definition umzug's SequelizeStorage gave it before
 * (the runner below replaced umzug, whose command-line parts cost every node with a database about 150 modules).
 */
function appliedMigrations(sequelize: Sequelize) {
	const charset = sequelize.getDialect() === "mysql" ? { charset: "utf8", collate: "utf8_unicode_ci" } : {};
	return tableOf<{ name: string }>(
		sequelize,
		{
			table: "schema_migrations",
			columns: { name: { type: DataTypes.STRING, allowNull: false, unique: true, primaryKey: true } },
		},
		{ timestamps: false, ...charset },
	);
}

/** Runs the migrations not applied yet, in their order, recording each once it has run; answers their names. */
async function applyPending(sequelize: Sequelize, migrations: readonly Migration[]): Promise<string[]> {
	const applied = appliedMigrations(sequelize);
	await applied.sync();
	const done = new Set((await applied.findAll()).map((row) => row.name));
	const pending = migrations.filter((m) => !done.has(m.name));
	for (const migration of pending) {
		await migration.up(sequelize.getQueryInterface(), sequelize);
		await applied.create({ name: migration.name });
	}
	return pending.map((m) => m.name);
}

/**
 * Applies pending migrations. On MySQL a named lock makes concurrent start-ups of several instances safe:
 * the second waits for the first and then finds nothing left to do.
 */
export async function migrate(
	sequelize: Sequelize,
	migrations: readonly Migration[],
	lockName: string,
): Promise<string[]> {
	if (sequelize.getDialect() !== "mysql") return applyPending(sequelize, migrations);

	// GET_LOCK belongs to one connection: a transaction pins the lock and its release to the same one.
	return sequelize.transaction(async (transaction) => {
		const [[{ acquired }]] = (await sequelize.query("SELECT GET_LOCK(?, 60) AS acquired", {
			replacements: [lockName],
			transaction,
		})) as [[{ acquired: number | null }], unknown];
		if (acquired !== 1) throw new Error(`could not take migration lock ${lockName} within 60 s`);
		try {
			return await applyPending(sequelize, migrations);
		} finally {
			await sequelize.query("SELECT RELEASE_LOCK(?)", { replacements: [lockName], transaction });
		}
	});
}

/**
 * One page of a model's rows and how many rows all pages hold, as `findAndCountAll` answers, without its COUNT
 * when the page itself tells the total: a page shorter than its limit is the last one (unless it is empty past
 * the first page), which most of this platform's lists are. A Sequelize query costs a few hundred µs of CPU.
 */
export async function findPage<M extends Model>(
	model: ModelStatic<M>,
	options: FindOptions & { limit: number; offset: number },
): Promise<{ rows: M[]; count: number }> {
	const rows = await model.findAll(options);
	const { limit, offset } = options;
	const count = isLastPage(rows.length, limit, offset)
		? offset + rows.length
		: await model.count({ where: options.where });
	return { rows, count };
}

/** A page shorter than its limit is the last one, unless it is empty past the first page. */
const isLastPage = (length: number, limit: number, offset: number) =>
	length < limit && (length > 0 || offset === 0);

/** What an insert does with a row whose key (or another unique index) is taken: fail, skip it, or overwrite it. */
export type OnDuplicate = "fail" | "ignore" | "update";

/**
 * Inserts the rows in one prepared statement (`execute`): the columns of the table's definition that the rows
 * give (a column none of them gives keeps its default), named as the migration created them. On the path of
 * every booking and event, where the model's `create`, `bulkCreate` and `upsert` cost more than the insert.
 * Values are bound as the models write them (JSON columns as their text). `onDuplicate: "update"` overwrites
 * the given columns of a row whose primary key is taken, as the model's `upsert` does (the others keep their
 * values); "ignore" skips it, as `bulkCreate`'s `ignoreDuplicates`.
 */
export async function insertRows<TRow extends object>(
	sequelize: Sequelize,
	definition: Pick<TableDefinition, "table" | "columns">,
	rows: readonly TRow[],
	transaction: Transaction,
	onDuplicate: OnDuplicate = "fail",
): Promise<void> {
	if (rows.length === 0) return;
	const columns = columnsOf(definition).filter(({ name }) =>
		rows.some((row) => (row as Record<string, unknown>)[name] !== undefined),
	);
	const values = rows.flatMap((row) =>
		columns.map(({ name, isJson }) => {
			const value = (row as Record<string, unknown>)[name] ?? null;
			return (isJson && value !== null ? JSON.stringify(value) : value) as BoundValue;
		}),
	);
	const mysql = sequelize.getDialect() === "mysql";
	const names = columns.map(({ column }) => column);
	const onePerRow = `(${placeholders(columns)})`;
	const keys = columns.filter(({ isKey }) => isKey).map(({ column }) => column);
	const updated = names.filter((column) => !keys.includes(column));
	// A row that gives only its key has nothing to overwrite.
	const ignore = onDuplicate === "ignore" || (onDuplicate === "update" && updated.length === 0);
	const insert = !ignore ? "INSERT" : mysql ? "INSERT IGNORE" : "INSERT OR IGNORE";
	const upsert =
		onDuplicate !== "update" || ignore
			? ""
			: mysql
				? ` ON DUPLICATE KEY UPDATE ${updated.map((column) => `${column} = VALUES(${column})`).join(", ")}`
				: ` ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${updated.map((column) => `${column} = excluded.${column}`).join(", ")}`;
	await execute(
		sequelize,
		`${insert} INTO ${definition.table} (${names.join(", ")}) VALUES ${rows.map(() => onePerRow).join(", ")}${upsert}`,
		values,
		transaction,
	);
}

interface InsertedColumn {
	/** As the rows name it (camelCase). */
	name: string;
	/** As the database names it. */
	column: string;
	isJson: boolean;
	isKey: boolean;
}

const insertedColumns = new WeakMap<Pick<TableDefinition, "columns">, InsertedColumn[]>();

/** Every column of the definition but its sequence key, worked out once per definition. */
function columnsOf(definition: Pick<TableDefinition, "columns">): InsertedColumn[] {
	let columns = insertedColumns.get(definition);
	if (!columns) {
		columns = Object.entries(definition.columns)
			.filter(([, column]) => !column.autoIncrement)
			.map(([name, column]) => ({
				name,
				column: Utils.underscoredIf(name, true),
				isJson: (column.type as { key?: string }).key === "JSON",
				isKey: column.primaryKey === true,
			}));
		insertedColumns.set(definition, columns);
	}
	return columns;
}

/**
 * What a SELECT in a transaction ends with to lock the rows it reads until the commit, as the models' `lock:
 * UPDATE` writes it: FOR UPDATE on MySQL; nothing on SQLite, whose transactions here hold the database's write
 * lock from their BEGIN (IMMEDIATE).
 */
export const forUpdate = (sequelize: Sequelize) => (sequelize.getDialect() === "mysql" ? " FOR UPDATE" : "");

/** One `?` per value, for `IN (…)`. */
export const placeholders = (values: readonly unknown[]) => values.map(() => "?").join(", ");

/** What a statement's `?` stand for. */
export type BoundValue = string | number | bigint | boolean | Date | null;

/**
 * Runs one write (an INSERT, UPDATE or upsert) as a prepared statement, outside Sequelize's query path (option
 * cloning, query generation, a stack trace per statement: 100 to 600 µs of CPU each, against a few µs for a
 * prepared statement on `node:sqlite`): on the transaction's own connection, or without one on the connection
 * Sequelize would take outside transactions. SQLite: the driver's statement cache per connection; MySQL: mysql2's
 * `execute`, which keeps its own. Values are bound as Sequelize writes them, and a failure is the error
 * Sequelize raises for it (a unique violation, a deadlock, a busy database), so callers and `inTransaction`
 * treat it as before.
 */
export async function execute(
	sequelize: Sequelize,
	sql: string,
	values: readonly BoundValue[],
	transaction?: Transaction,
): Promise<void> {
	await onConnection(sequelize, sql, values, transaction, "run");
}

/**
 * The rows of one SELECT, prepared as `execute`'s writes are: in the transaction, or without one on a read
 * connection (on SQLite the database's read connection, a pooled connection on MySQL). The
 * values are the driver's, not parsed as a model parses them: for text and number columns; `readRows` parses.
 */
export async function selectRows<TRow extends object>(
	sequelize: Sequelize,
	sql: string,
	values: readonly BoundValue[],
	transaction?: Transaction,
): Promise<TRow[]> {
	return (await onConnection(sequelize, sql, values, transaction, "all")) as TRow[];
}

/**
 * The rows of one SELECT on the definition's table as its model gives them (`findAll`, then `get()`): each
 * column the definition knows under its camelCase name, in the definition's order, and parsed as the model
 * parses it on this dialect (dates as `Date`, JSON as its value, booleans as `true` / `false`); a column it does
 * not know (an alias: `COUNT(*) AS total`) as the driver gives it. Prepared and placed as `selectRows`.
 */
export async function readRows<TRow extends object>(
	sequelize: Sequelize,
	definition: Pick<TableDefinition, "columns">,
	sql: string,
	values: readonly BoundValue[],
	transaction?: Transaction,
): Promise<TRow[]> {
	const rows = await selectRows<Record<string, unknown>>(sequelize, sql, values, transaction);
	const columns = readColumnsOf(definition, sequelize.getDialect() === "mysql");
	return rows.map((row) => {
		const parsed: Record<string, unknown> = {};
		for (const { name, column, parse } of columns) {
			if (!(column in row)) continue;
			const value = row[column];
			parsed[name] = value === null || !parse ? value : parse(value);
		}
		for (const column in row) if (!columns.byColumn.has(column)) parsed[column] = row[column];
		return parsed as TRow;
	});
}

/**
 * One page of rows of the definition's table (`readRows`) and how many rows all pages hold, as `findPage`
 * answers: `where` is SQL over the table's columns (or empty for all rows), `orderBy` its ORDER BY.
 */
export async function readPage<TRow extends object>(
	sequelize: Sequelize,
	definition: Pick<TableDefinition, "table" | "columns">,
	query: { where: string; values: readonly BoundValue[]; orderBy: string; limit: number; offset: number },
): Promise<{ rows: TRow[]; count: number }> {
	const { where, values, orderBy, limit, offset } = query;
	const condition = where ? ` WHERE ${where}` : "";
	const rows = await readRows<TRow>(
		sequelize,
		definition,
		`SELECT * FROM ${definition.table}${condition} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
		[...values, limit, offset],
	);
	if (isLastPage(rows.length, limit, offset)) return { rows, count: offset + rows.length };
	const [{ total }] = await selectRows<{ total: number | string }>(
		sequelize,
		`SELECT COUNT(*) AS total FROM ${definition.table}${condition}`,
		values,
	);
	return { rows, count: Number(total) };
}

interface ReadColumn {
	/** As the model names it (camelCase). */
	name: string;
	/** As the database names it. */
	column: string;
	/** From the driver's value (never null) to the model's; none when the driver's is the model's. */
	parse?: (value: unknown) => unknown;
}

const readColumns = new Map<boolean, WeakMap<Pick<TableDefinition, "columns">, ReadColumns>>([
	[false, new WeakMap()],
	[true, new WeakMap()],
]);

type ReadColumns = ReadColumn[] & { byColumn: Set<string> };

/** 1 and 0 as `true` and `false`, as the model's BOOLEAN sanitizer turns them (MySQL's TINYINT(1), SQLite's). */
const asBoolean = (value: unknown) => (value === 1 ? true : value === 0 ? false : value);

/**
 * Sequelize's parsing per column type: mysql2 already gives dates and JSON parsed (Sequelize's type casts use
 * the same), so MySQL only needs booleans; the SQLite driver gives SQLite's text, which Sequelize's SQLite dialect
 * parses (a date without a zone is UTC, its `timezone` default).
 */
function parserOf(type: string, mysql: boolean): ((value: unknown) => unknown) | undefined {
	if (type === "BOOLEAN") return asBoolean;
	if (mysql) return undefined;
	if (type === "DATE") {
		return (value) =>
			typeof value === "string" ? new Date(value.includes("+") ? value : `${value}+00:00`) : value;
	}
	if (type === "JSON") return (value) => (typeof value === "string" ? JSON.parse(value) : value);
	return undefined;
}

function readColumnsOf(definition: Pick<TableDefinition, "columns">, mysql: boolean): ReadColumns {
	const known = readColumns.get(mysql) as WeakMap<Pick<TableDefinition, "columns">, ReadColumns>;
	let columns = known.get(definition);
	if (!columns) {
		const list = Object.entries(definition.columns).map(([name, column]) => ({
			name,
			column: Utils.underscoredIf(name, true),
			parse: parserOf((column.type as { key?: string }).key ?? "", mysql),
		}));
		columns = Object.assign(list, { byColumn: new Set(list.map(({ column }) => column)) });
		known.set(definition, columns);
	}
	return columns;
}

interface PoolManager {
	getConnection(options: { type: string }): Promise<unknown>;
	releaseConnection(connection: unknown): void;
}

async function onConnection(
	sequelize: Sequelize,
	sql: string,
	values: readonly BoundValue[],
	transaction: Transaction | undefined,
	method: "run" | "all",
): Promise<unknown> {
	const manager = sequelize.connectionManager as unknown as PoolManager;
	// Outside a transaction, SQLite's read connection once it is open (Sequelize's way to it costs more than a
	// read), or the connection Sequelize's own query would take.
	const reader = method === "all" ? sqliteReaders.get(sequelize) : undefined;
	const connection = transaction
		? (transaction as unknown as { connection: unknown }).connection
		: (reader ?? (await manager.getConnection({ type: method === "all" ? "SELECT" : "RAW" })));
	try {
		if (sequelize.getDialect() === "mysql") {
			return await new Promise((resolve, reject) =>
				(connection as MysqlConnection).execute(sql, values, (error, result) =>
					error ? reject(error) : resolve(result),
				),
			);
		}
		// The driver keeps the connection's statements prepared.
		return await new Promise((resolve, reject) =>
			(connection as SqliteConnection)[method](
				sql,
				values.map(sqliteValue),
				(error: Error | null, rows?: unknown) => (error ? reject(error) : resolve(rows)),
			),
		);
	} catch (error) {
		throw asSequelizeError(sequelize, connection, Object.assign(error as Error, { sql }));
	} finally {
		if (!transaction) manager.releaseConnection(connection);
	}
}

interface MysqlConnection {
	execute(
		sql: string,
		values: readonly BoundValue[],
		callback: (error: Error | null, result: unknown) => void,
	): unknown;
}

/**
 * Dates as Sequelize's SQLite dialect writes them ("2026-12-01 21:27:24.862 +00:00", so reads parse them); the
 * driver would bind their milliseconds.
 */
function sqliteValue(value: BoundValue): Exclude<BoundValue, Date> {
	return value instanceof Date ? `${value.toISOString().replace("T", " ").slice(0, -1)} +00:00` : value;
}

type DialectQuery = new (
	connection: unknown,
	sequelize: Sequelize,
	options: object,
) => { formatError(error: Error, stack?: string): Error };

/** The error Sequelize's own query would have raised for this driver error. */
function asSequelizeError(sequelize: Sequelize, connection: unknown, error: Error): Error {
	const { Query } = (sequelize as unknown as { dialect: { Query: DialectQuery } }).dialect;
	return new Query(connection, sequelize, { logging: false }).formatError(error, error.stack);
}

/** True for the errors a database raises when a unique index refuses a row. */
export function isUniqueViolation(error: unknown): boolean {
	return (error as { name?: string })?.name === "SequelizeUniqueConstraintError";
}

/** The write's result; a unique index refusing it becomes `conflict()` (a 409 naming the field), never a 500. */
export async function conflictOnDuplicate<T>(write: Promise<T>, conflict: () => Error): Promise<T> {
	try {
		return await write;
	} catch (error) {
		if (isUniqueViolation(error)) throw conflict();
		throw error;
	}
}

type SqliteCallback = (error: Error | null, rows?: unknown) => void;

interface SqliteConnection {
	configure(option: "busyTimeout", milliseconds: number): void;
	exec(sql: string, callback: (error: Error | null) => void): void;
	all(sql: string, ...rest: unknown[]): unknown;
	run(sql: string, ...rest: unknown[]): unknown;
	close(callback?: (error: Error | null) => void): void;
}

/**
 * Settings for a server, on every connection Sequelize opens (one per transaction):
 * - WAL journal: readers never wait for the writer, and a crash at any point leaves a consistent file;
 * - synchronous NORMAL, with the driver syncing the log before a commit's callback (`lib/sqlite-driver.ts`): a
 *   commit is on disk when it returns, as with FULL, so an acknowledged booking survives a power cut too, and
 *   the event log's record is durable before the outbox row that it came from is marked sent (two files); but
 *   the fsync runs on a libuv thread, shared by the commits that wait for it, instead of on the event loop
 *   while the write lock is held (FULL, on this driver, blocked the loop 0.3 ms per commit, several commits
 *   per booking);
 * - a busy timeout: a writer waits for the lock (on a timer, `lib/sqlite-driver.ts`) instead of failing with
 *   SQLITE_BUSY.
 */
const SQLITE_PRAGMAS = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

function tuneSqliteConnections(sequelize: Sequelize): void {
	const manager = sequelize.connectionManager as unknown as {
		getConnection(options: unknown): Promise<SqliteConnection>;
	};
	const open = manager.getConnection.bind(manager);
	const tuned = new WeakSet<SqliteConnection>();
	const columnTypes: ColumnTypes = { known: new Map(), schemaChanges: 0 };
	manager.getConnection = async (options) => {
		const connection = await open(options);
		if (!tuned.has(connection)) {
			tuned.add(connection);
			keepColumnTypes(connection, columnTypes);
			connection.configure("busyTimeout", SQLITE_BUSY_TIMEOUT_MS);
			await new Promise<void>((resolve, reject) =>
				connection.exec(SQLITE_PRAGMAS, (error) => (error ? reject(error) : resolve())),
			);
		}
		return connection;
	};
}

/** Statements that leave the schema as it is: everything but DDL. */
const KEEPS_SCHEMA = /^\s*(SELECT|INSERT|UPDATE|DELETE|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b/i;
const COLUMN_TYPES = "PRAGMA table_info(";

/** A database's `PRAGMA table_info` answers, and a count of DDL statements (an answer read across one is dropped). */
interface ColumnTypes {
	known: Map<string, unknown>;
	schemaChanges: number;
}

/**
 * Sequelize's SQLite dialect reads a table's columns (`PRAGMA table_info`) before every model SELECT, to parse
 * its values: one statement more each time. The answer is kept per database (`columnTypes`, shared by its
 * connections) until any of them runs DDL (the migrations).
 */
function keepColumnTypes(connection: SqliteConnection, columnTypes: ColumnTypes): void {
	const all = connection.all.bind(connection);
	const run = connection.run.bind(connection);
	const exec = connection.exec.bind(connection);
	const forget = (sql: unknown) => {
		if (typeof sql === "string" && KEEPS_SCHEMA.test(sql)) return;
		columnTypes.known.clear();
		columnTypes.schemaChanges++;
	};
	connection.all = (sql, ...rest) => {
		const callback = rest.at(-1) as SqliteCallback;
		if (!sql.startsWith(COLUMN_TYPES) || rest.length !== 1) {
			forget(sql);
			return all(sql, ...rest);
		}
		const known = columnTypes.known.get(sql);
		if (known) return process.nextTick(callback, null, known);
		const schema = columnTypes.schemaChanges;
		return all(sql, (error: Error | null, rows: unknown) => {
			if (!error && schema === columnTypes.schemaChanges) columnTypes.known.set(sql, rows);
			callback(error, rows);
		});
	};
	connection.run = (sql, ...rest) => {
		forget(sql);
		return run(sql, ...rest);
	};
	connection.exec = (sql, callback) => {
		forget(sql);
		return exec(sql, callback);
	};
}

interface ReusableConnection {
	uuid?: string;
	close(): void;
}

/**
 * Sequelize's SQLite dialect opens a new connection for every transaction and closes it afterwards: a file
 * open, the schema read and the settings above, each time. The connections of ended transactions are kept and
 * handed to the next ones instead: as many as requests may be in flight, since the next transaction begins
 * while the last ones' commits wait for the disk (below) and a group commit gives them back all at once (with 4
 * kept, an embedded booking load opened and closed about one connection per booking). A connection comes back
 * from a transaction after its COMMIT or ROLLBACK, with nothing open on it.
 */
const IDLE_TRANSACTION_CONNECTIONS = 16;

function reuseTransactionConnections(sequelize: Sequelize): void {
	const manager = sequelize.connectionManager as unknown as {
		connections: Record<string, ReusableConnection>;
		getConnection(options?: { uuid?: string }): Promise<ReusableConnection>;
		releaseConnection(connection: ReusableConnection, force?: boolean): void;
	};
	const open = manager.getConnection.bind(manager);
	const close = manager.releaseConnection.bind(manager);
	const idle: ReusableConnection[] = [];
	manager.getConnection = async (options) => {
		const uuid = options?.uuid;
		const connection =
			uuid === undefined || uuid === "default" || manager.connections[uuid] ? undefined : idle.pop();
		if (!connection) return open(options);
		manager.connections[uuid as string] = connection;
		return connection;
	};
	manager.releaseConnection = (connection, force) => {
		if (!connection.uuid || force === true || idle.length >= IDLE_TRANSACTION_CONNECTIONS) {
			return close(connection, force);
		}
		delete manager.connections[connection.uuid];
		connection.uuid = undefined;
		idle.push(connection);
	};
}

/**
 * Outside a transaction, Sequelize sends every statement of the process to one connection. SELECTs outside
 * transactions go to a connection of their own, so that they never wait behind a write that waits for the lock
 * (WAL lets a reader run beside the writer); each sees every commit made before it starts, as the shared one did.
 * It cannot write (`query_only`): a write belongs in a transaction or on the shared connection.
 */
function readOnItsOwnConnection(sequelize: Sequelize): void {
	const manager = sequelize.connectionManager as unknown as {
		getConnection(options?: { uuid?: string; type?: string }): Promise<SqliteConnection>;
	};
	const open = manager.getConnection.bind(manager);
	manager.getConnection = async (options) => {
		const outsideTransactions = options?.uuid === undefined || options.uuid === "default";
		if (!outsideTransactions || options?.type !== "SELECT") return open(options);
		const reader = await open({ ...options, uuid: "reader" });
		if (sqliteReaders.get(sequelize) !== reader) {
			await new Promise<void>((resolve, reject) =>
				reader.exec("PRAGMA query_only = ON", (error) => (error ? reject(error) : resolve())),
			);
			sqliteReaders.set(sequelize, reader);
		}
		return reader;
	};
}

/** Each SQLite database's read connection, once open. */
const sqliteReaders = new WeakMap<Sequelize, SqliteConnection>();

/** MySQL gives up on one of two transactions that wait on each other; retrying the loser is safe. */
export function isDeadlock(error: unknown): boolean {
	const code = (error as { original?: { code?: string } })?.original?.code;
	return code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT";
}

/** A deadlocked transaction (MySQL under heavy contention) is run again this many times before answering 409. */
const DEADLOCK_ATTEMPTS = 3;

/** Runs `run` in a transaction, again at once when the database picked it as a deadlock's loser. */
export async function inTransaction<T>(
	sequelize: Sequelize,
	run: (transaction: Transaction) => Promise<T>,
): Promise<T> {
	try {
		return await retry(() => sequelize.transaction(run), {
			attempts: DEADLOCK_ATTEMPTS,
			retryable: isDeadlock,
			wait: async () => undefined,
		});
	} catch (error) {
		if (isDeadlock(error)) throw new ConflictError("too much contention, try again", "CONTENTION");
		throw error;
	}
}

/**
 * SQLite takes one writer at a time. The process's transactions queue in JavaScript, each beginning as the one
 * before it has run its COMMIT or ROLLBACK, instead of trying for the lock on a timer side by side (and in no
 * order); nested calls
 * (savepoints, which pass their parent transaction) join the running one instead of queueing.
 */
function oneTransactionAtATime(sequelize: Sequelize): void {
	const begin = sequelize.transaction.bind(sequelize) as (...args: unknown[]) => Promise<unknown>;
	let queue: Promise<unknown> = Promise.resolve();
	(sequelize as unknown as { transaction: (...args: unknown[]) => Promise<unknown> }).transaction = (
		...args
	) => {
		const options = typeof args[0] === "object" ? (args[0] as { transaction?: unknown } | null) : null;
		const isManaged = args.some((arg) => typeof arg === "function");
		if (options?.transaction || !isManaged) return begin(...args);
		let endTurn = () => {};
		const turn = new Promise<void>((resolve) => {
			endTurn = resolve;
		});
		const withTurn = args.map((arg) =>
			typeof arg === "function"
				? (transaction: Transaction) => {
						turnEnds.set(transaction, endTurn);
						return (arg as (transaction: Transaction) => unknown)(transaction);
					}
				: arg,
		);
		const run = queue.then(() => begin(...withTurn));
		run.then(endTurn, endTurn);
		queue = turn;
		return run;
	};
}

/**
 * Ends the turn of a transaction of `oneTransactionAtATime` once its COMMIT or ROLLBACK has run, which frees
 * SQLite's lock: the next transaction begins then, not once the commit is on disk (the driver's group commit).
 */
const turnEnds = new WeakMap<Transaction, () => void>();

interface TransactionStatements {
	queryGenerator: {
		startTransactionQuery(transaction: Transaction): string;
		commitTransactionQuery(transaction: Transaction): string;
		rollbackTransactionQuery(transaction: Transaction): string;
	};
	startTransaction(transaction: Transaction, options?: object): Promise<unknown>;
	commitTransaction(transaction: Transaction, options?: object): Promise<unknown>;
	rollbackTransaction(transaction: Transaction, options?: object): Promise<unknown>;
}

/**
 * A transaction's BEGIN, COMMIT and ROLLBACK as prepared statements (`execute`) instead of Sequelize queries
 * (two per transaction, each as costly as any other statement there). The statements are Sequelize's own;
 * savepoints, whose names change with every transaction, stay on its path.
 */
function beginAndEndPrepared(sequelize: Sequelize): void {
	const queries = sequelize.getQueryInterface() as unknown as TransactionStatements;
	const generator = queries.queryGenerator;
	const own = {
		start: queries.startTransaction.bind(queries),
		commit: queries.commitTransaction.bind(queries),
		rollback: queries.rollbackTransaction.bind(queries),
	};
	const isSavepoint = (transaction: Transaction) =>
		(transaction as { parent?: unknown }).parent !== undefined;
	const finish = (transaction: Transaction, as: "commit" | "rollback") => {
		(transaction as { finished?: string }).finished = as;
	};
	queries.startTransaction = (transaction, options) =>
		isSavepoint(transaction)
			? own.start(transaction, options)
			: execute(sequelize, generator.startTransactionQuery(transaction), [], transaction);
	// Marked finished at once, as Sequelize's own do: nothing may run on the transaction after its end is sent.
	queries.commitTransaction = (transaction, options) => {
		if (isSavepoint(transaction)) return own.commit(transaction, options);
		const done = execute(sequelize, generator.commitTransactionQuery(transaction), [], transaction);
		finish(transaction, "commit");
		turnEnds.get(transaction)?.();
		return done;
	};
	queries.rollbackTransaction = (transaction, options) => {
		if (isSavepoint(transaction)) return own.rollback(transaction, options);
		const done = execute(sequelize, generator.rollbackTransactionQuery(transaction), [], transaction);
		finish(transaction, "rollback");
		turnEnds.get(transaction)?.();
		return done;
	};
}

/** Errors that mean "the database is not reachable right now", as opposed to a bad query. */
const CONNECTION_ERRORS = new Set([
	"SequelizeConnectionError",
	"SequelizeConnectionRefusedError",
	"SequelizeConnectionTimedOutError",
	"SequelizeConnectionAcquireTimeoutError",
	"SequelizeHostNotReachableError",
	"SequelizeHostNotFoundError",
	"SequelizeAccessDeniedError",
]);

export function isDatabaseUnavailable(error: unknown): boolean {
	const name = (error as { name?: string; original?: { code?: string } })?.name ?? "";
	const code = (error as { original?: { code?: string } })?.original?.code ?? "";
	return (
		CONNECTION_ERRORS.has(name) || ["PROTOCOL_CONNECTION_LOST", "ECONNREFUSED", "ETIMEDOUT"].includes(code)
	);
}

/** What a service with its own database offers the modules that work on it (events, seeding). */
export interface DatabaseHolder {
	database(): Sequelize;
}

/**
 * The model of a table on this database, defined on first use: side tables (outbox, idempotency keys, processed
 * events, read models) are reached through the one Sequelize instance of their database.
 */
export function tableOf<TRow extends object>(
	sequelize: Sequelize,
	{ table, columns }: Pick<TableDefinition, "table" | "columns">,
	options: ModelOptions = { timestamps: false },
): ModelStatic<Model<TRow, Partial<TRow>> & TRow> {
	const existing = sequelize.models[table];
	return (existing ?? sequelize.define(table, columns, options)) as ModelStatic<
		Model<TRow, Partial<TRow>> & TRow
	>;
}

/**
 * One Sequelize instance (one pool) per database, shared by every service of the process that owns it (the
 * booking database has three), and closed when the last of them stops. Its migrations run once.
 */
export interface DatabaseHandle {
	readonly sequelize: Sequelize;
	/** Applies the pending migrations, once however many services ask; answers the names applied. */
	migrate(migrations: readonly Migration[], lockName: string): Promise<string[]>;
	/** Lets go of the handle; the last user closes the connections. */
	release(): Promise<void>;
}

interface SharedDatabase {
	sequelize: Sequelize;
	migrated?: Promise<string[]>;
}

/** Keyed by the settings, as JSON: equal settings name the same database. */
const holdDatabase = sharedResources<string, SharedDatabase>((database) => database.sequelize.close());

/** The process's handle on the database these settings name, opened on first use. */
export function openDatabase(settings: DatabaseConfig): DatabaseHandle {
	const { resource: database, release } = holdDatabase(JSON.stringify(settings), () => ({
		sequelize: createSequelize(settings),
	}));
	return {
		sequelize: database.sequelize,
		async migrate(migrations, lockName) {
			if (database.migrated) {
				await database.migrated;
				return [];
			}
			database.migrated = migrate(database.sequelize, migrations, lockName);
			return database.migrated;
		},
		release,
	};
}
