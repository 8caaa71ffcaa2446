import { closeSync, fdatasync as fdatasyncWithCallback, openSync } from "node:fs";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

/**
 * The part of node-sqlite3's API that Sequelize's SQLite dialect and `lib/database.ts` use, on Node's own SQLite
 * (`node:sqlite`), given to Sequelize as its `dialectModule`.
 *
 * Why: node-sqlite3 hands every statement to a libuv thread and back. A transaction holds SQLite's one write
 * lock across all of its statements, so under load it waited an event-loop turn per statement while holding
 * it: a booking's transaction held the lock 4 ms against 0.5 ms idle, and the lock bounded the bookings a
 * second while the CPUs were half idle. Here a statement runs on the calling thread, and its callback follows
 * on the next tick: a transaction whose body only awaits statements runs from BEGIN to COMMIT without giving
 * the event loop away, in about the time of its CPU work and its commit's fsync (0.15 ms median on this
 * machine's disk). It also drops a native dependency.
 *
 * A commit is on disk before its callback runs, as with node-sqlite3 and `synchronous = FULL`, but the fsync is
 * not SQLite's: the connections run `synchronous = NORMAL` (the commit appends to the write-ahead log and
 * returns), and the driver then syncs the log on a libuv thread, once for every commit made since the last sync
 * began (a group commit). The lock is free again as soon as the commit returns, and the event loop never waits
 * for the disk. The price: another connection may read a commit up to one fsync before it is on disk, which
 * only a power cut in that window can tell.
 *
 * SQLite's own busy handler would block the thread, and with it the holder of the lock when that is this
 * process. A statement that finds the database locked (SQLITE_BUSY) is tried again on a timer instead, until
 * the connection's busy timeout; the statements queued behind it on the connection wait, in order.
 */

/** node-sqlite3's flags for the open mode (the values are SQLite's). */
export const OPEN_READONLY = 0x1;
export const OPEN_READWRITE = 0x2;
export const OPEN_CREATE = 0x4;

type Callback<T = unknown> = (this: RunResult, error: Error | null, result?: T) => void;
type Parameters = readonly unknown[] | Record<string, unknown>;

/** What node-sqlite3 gives a `run` callback as `this`. */
interface RunResult {
	lastID: number | bigint;
	changes: number | bigint;
}

const NO_CHANGES: RunResult = { lastID: 0, changes: 0 };

/** How long a statement that found the database locked waits before it is tried again. */
const BUSY_RETRY_MS = 2;
/** Prepared statements kept per connection, the least recently used dropped first. */
const PREPARED_PER_CONNECTION = 200;

const SQLITE_BUSY = 5;
const SQLITE_IOERR = 10;
/** node-sqlite3's names of SQLite's primary result codes, which Sequelize's dialect reads to name an error. */
const RESULT_CODES = [
	"OK",
	"ERROR",
	"INTERNAL",
	"PERM",
	"ABORT",
	"BUSY",
	"LOCKED",
	"NOMEM",
	"READONLY",
	"INTERRUPT",
	"IOERR",
	"CORRUPT",
	"NOTFOUND",
	"FULL",
	"CANTOPEN",
	"PROTOCOL",
	"EMPTY",
	"SCHEMA",
	"TOOBIG",
	"CONSTRAINT",
	"MISMATCH",
	"MISUSE",
	"NOLFS",
	"AUTH",
	"FORMAT",
	"RANGE",
	"NOTADB",
];

type SqliteFailure = Error & { errcode?: number; errno?: number; code?: string };

const isBusy = (error: SqliteFailure) =>
	error.errcode !== undefined && (error.errcode & 0xff) === SQLITE_BUSY;

/**
 * A `node:sqlite` error as node-sqlite3 raises it: `code` "SQLITE_CONSTRAINT" and the like, `errno` the primary
 * result code, the message prefixed with the code. A value SQLite cannot bind is SQLITE_MISUSE, as there.
 */
function asDriverError(error: SqliteFailure): SqliteFailure {
	const errno = error.errcode === undefined ? 21 : error.errcode & 0xff;
	const code = `SQLITE_${RESULT_CODES[errno] ?? "ERROR"}`;
	return Object.assign(new Error(`${code}: ${error.message}`), { errno, code });
}

/** A value as node-sqlite3 binds it: booleans as 1 and 0, a date as its milliseconds, undefined as NULL. */
function bindable(value: unknown): SQLInputValue {
	if (value === undefined || value === null) return null;
	if (typeof value === "boolean") return value ? 1 : 0;
	if (value instanceof Date) return value.getTime();
	if (typeof value === "object" && !ArrayBuffer.isView(value)) return String(value);
	return value as SQLInputValue;
}

/** Runs the statement with node-sqlite3's parameters: an array of values, or an object of named ones. */
function withParameters<T>(
	parameters: Parameters | undefined,
	run: (named: Record<string, SQLInputValue> | undefined, anonymous: SQLInputValue[]) => T,
): T {
	if (parameters === undefined) return run(undefined, []);
	if (Array.isArray(parameters)) return run(undefined, parameters.map(bindable));
	const named: Record<string, SQLInputValue> = {};
	for (const [name, value] of Object.entries(parameters)) named[name] = bindable(value);
	return run(named, []);
}

/** node-sqlite3's optional arguments: `run(sql, [parameters], [callback])`. */
function split(rest: unknown[]): { parameters?: Parameters; callback?: Callback } {
	const callback = typeof rest.at(-1) === "function" ? (rest.at(-1) as Callback) : undefined;
	const parameters = (callback ? rest.slice(0, -1) : rest)[0] as Parameters | undefined;
	return { parameters, callback };
}

/**
 * Syncs a database's write-ahead log to disk (fdatasync, as SQLite does), one sync at a time: a commit asks for
 * the next sync that begins after it, and every commit that asked meanwhile shares it. The log stays open while
 * any connection to the database is: SQLite deletes it, and a later connection makes a new one, only when the
 * last has closed.
 */
class LogSync {
	readonly #database: string;
	readonly #log: string;
	#logFd: number | undefined;
	#running: Promise<void> | undefined;
	#next: Promise<void> | undefined;
	connections = 0;

	constructor(database: string) {
		this.#database = database;
		this.#log = `${database}-wal`;
	}

	afterCommit(): Promise<void> {
		if (!this.#running) {
			this.#running = this.#sync().finally(() => {
				this.#running = undefined;
			});
			return this.#running;
		}
		this.#next ??= this.#running
			.catch(() => undefined)
			.then(() => {
				this.#next = undefined;
				return this.afterCommit();
			});
		return this.#next;
	}

	/** Closes the log once its last sync is done. */
	close(): void {
		const fd = this.#logFd;
		this.#logFd = undefined;
		if (fd === undefined) return;
		void (this.#running ?? Promise.resolve()).catch(() => undefined).then(() => closeSync(fd));
	}

	async #sync(): Promise<void> {
		try {
			this.#logFd ??= openSync(this.#log, "r");
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
			// No log yet (nothing written since the journal became WAL): what there is, is in the database file.
			const file = await open(this.#database, "r");
			try {
				return await file.datasync();
			} finally {
				await file.close();
			}
		}
		await fdatasync(this.#logFd);
	}
}

const fdatasync = (fd: number) =>
	new Promise<void>((resolve, reject) =>
		fdatasyncWithCallback(fd, (error) => (error ? reject(error) : resolve())),
	);

/** One per database file, shared by its connections. */
const logSyncs = new Map<string, LogSync>();

function connected(filename: string): LogSync {
	let sync = logSyncs.get(filename);
	if (!sync) {
		sync = new LogSync(filename);
		logSyncs.set(filename, sync);
	}
	sync.connections++;
	return sync;
}

function disconnected(filename: string): void {
	const sync = logSyncs.get(filename);
	if (!sync || --sync.connections > 0) return;
	logSyncs.delete(filename);
	sync.close();
}

/** What a statement did: its callback, and the rows it changed (for a `run`). */
interface Ran {
	answer: () => void;
	changes?: number | bigint;
}

/** A statement waiting its turn on a connection: run it, or fail it once the lock stayed taken too long. */
interface Waiting {
	/** Runs the statement; `BUSY` if the database was locked. */
	attempt(): { answer: () => void; committed: boolean } | typeof BUSY;
	fail(error: Error): void;
	giveUpAt: number;
}
const BUSY = Symbol("busy");

export class Database {
	readonly filename: string;
	/** The log's sync of this database file; none in memory. */
	#logSync: LogSync | undefined;
	/** Set by Sequelize on the connection of a transaction. */
	uuid?: string;
	#database: DatabaseSync | undefined;
	#busyTimeoutMs = 0;
	readonly #prepared = new Map<string, StatementSync>();
	/** The statements asked for on this connection and not run yet: more than one only while it waits for a lock. */
	readonly #waiting: Waiting[] = [];

	constructor(
		filename: string,
		mode: number = OPEN_READWRITE | OPEN_CREATE,
		callback?: (error: Error | null) => void,
	) {
		this.filename = filename;
		try {
			// timeout 0: SQLITE_BUSY at once, tried again on a timer (above).
			this.#database = new DatabaseSync(filename, { readOnly: (mode & OPEN_READWRITE) === 0, timeout: 0 });
			this.#logSync = filename === ":memory:" || filename === "" ? undefined : connected(resolve(filename));
			if (callback) process.nextTick(callback, null);
		} catch (error) {
			if (!callback) throw asDriverError(error as SqliteFailure);
			process.nextTick(callback, asDriverError(error as SqliteFailure));
		}
	}

	configure(option: "busyTimeout", milliseconds: number): void {
		if (option === "busyTimeout") this.#busyTimeoutMs = milliseconds;
	}

	/** node-sqlite3 runs the callback's statements one after another; here every statement is. */
	serialize(callback?: () => void): void {
		callback?.();
	}

	run(sql: string, ...rest: unknown[]): this {
		const { parameters, callback } = split(rest);
		this.#schedule(() => {
			const statement = this.#statement(sql);
			const { changes, lastInsertRowid } = withParameters(parameters, (named, anonymous) =>
				named ? statement.run(named) : statement.run(...anonymous),
			);
			return { answer: () => callback?.call({ lastID: lastInsertRowid, changes }, null), changes };
		}, callback);
		return this;
	}

	all(sql: string, ...rest: unknown[]): this {
		const { parameters, callback } = split(rest);
		this.#schedule(() => {
			// Plain objects, as node-sqlite3 gives (node:sqlite's rows have no prototype).
			const statement = this.#statement(sql);
			const rows = withParameters(parameters, (named, anonymous) =>
				named ? statement.all(named) : statement.all(...anonymous),
			).map((row) => ({ ...row }));
			return { answer: () => callback?.call(NO_CHANGES, null, rows) };
		}, callback);
		return this;
	}

	exec(sql: string, callback?: (error: Error | null) => void): this {
		this.#schedule(() => {
			this.#open().exec(sql);
			return { answer: () => callback?.(null) };
		}, callback);
		return this;
	}

	close(callback?: (error: Error | null) => void): void {
		try {
			this.#prepared.clear();
			this.#database?.close();
			this.#database = undefined;
			if (this.#logSync) disconnected(resolve(this.filename));
			this.#logSync = undefined;
			if (callback) process.nextTick(callback, null);
		} catch (error) {
			if (callback) process.nextTick(callback, asDriverError(error as SqliteFailure));
		}
	}

	/** node-sqlite3 is an event emitter; nothing here emits. */
	on(): this {
		return this;
	}

	/** The connection's prepared statement for this SQL, prepared on first use. */
	#statement(sql: string): StatementSync {
		let statement = this.#prepared.get(sql);
		if (statement) {
			this.#prepared.delete(sql);
		} else {
			statement = this.#open().prepare(sql);
			if (this.#prepared.size >= PREPARED_PER_CONNECTION) {
				this.#prepared.delete(this.#prepared.keys().next().value as string);
			}
		}
		this.#prepared.set(sql, statement);
		return statement;
	}

	#open(): DatabaseSync {
		if (!this.#database) throw Object.assign(new Error("Database is closed"), { errcode: 21 });
		return this.#database;
	}

	/**
	 * Runs `work` now, or after the statements already waiting; its callback follows on the next tick, or, if it
	 * committed (the statement that ended a transaction, or a write that changed rows outside one), once the log
	 * is on disk.
	 */
	#schedule(work: () => Ran, callback: Callback | ((error: Error | null) => void) | undefined): void {
		this.#waiting.push({
			attempt: () => {
				const inTransaction = this.#database?.isTransaction === true;
				try {
					const { answer, changes } = work();
					const ended = !this.#open().isTransaction && (inTransaction || Number(changes ?? 0) > 0);
					return { answer, committed: ended && this.#logSync !== undefined };
				} catch (error) {
					if (isBusy(error as SqliteFailure)) return BUSY;
					const failure = asDriverError(error as SqliteFailure);
					return { answer: () => callback?.call(NO_CHANGES, failure), committed: false };
				}
			},
			fail: (error) => callback?.call(NO_CHANGES, error),
			giveUpAt: Date.now() + this.#busyTimeoutMs,
		});
		if (this.#waiting.length === 1) this.#drain();
	}

	#drain = (): void => {
		while (this.#waiting.length > 0) {
			const [head] = this.#waiting;
			const outcome = head.attempt();
			if (outcome === BUSY && Date.now() < head.giveUpAt) {
				setTimeout(this.#drain, BUSY_RETRY_MS);
				return;
			}
			this.#waiting.shift();
			if (outcome === BUSY) {
				process.nextTick(
					head.fail,
					asDriverError(Object.assign(new Error("database is locked"), { errcode: SQLITE_BUSY })),
				);
			} else if (outcome.committed) {
				(this.#logSync as LogSync)
					.afterCommit()
					.then(outcome.answer, (error: Error) =>
						head.fail(asDriverError(Object.assign(error, { errcode: SQLITE_IOERR }))),
					);
			} else {
				process.nextTick(outcome.answer);
			}
		}
	};
}
