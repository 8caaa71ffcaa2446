import { type Options, Sequelize } from "sequelize";
import { sharedResources } from "../shared-resource.ts";

export interface ReadCommittedSessions {
	/** Begins its transactions at READ COMMITTED (on SQLite: the database's own `transaction`). */
	readonly sequelize: Sequelize;
	/** Lets go of the sessions; the last user of the database's closes their connections. */
	close(): Promise<void>;
}

const READ_COMMITTED_SESSION = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";

interface CallbackConnection {
	query(sql: string, callback: (error: Error | null) => void): void;
}

/** Each database's sessions, shared by its consumers and relay in the process. */
const holdSessions = sharedResources<Sequelize, Sequelize>((pool) => pool.close());

/**
 * A pool of its own on `database`'s MySQL database whose connections are READ COMMITTED for their whole session,
 * set once as each connects, for the transactions that need that level (the consumers', the outbox relay's).
 * Sequelize's `isolationLevel` option sends `SET TRANSACTION ISOLATION LEVEL` before every transaction, one round
 * trip each; setting the session level on the database's shared pool instead would also change the level of every
 * other transaction that later took one of those connections (the booking's run at the server's REPEATABLE READ).
 * Nothing else runs on these connections and nothing sets another level on them, so each transaction begun here
 * runs READ COMMITTED, as with the option, and the shared pool's are untouched. Statements inside a transaction
 * may go through the database's own instance and models: a statement given a transaction runs on its connection.
 * One pool per database: every caller in the process on the same instance shares it, and the last to close it
 * closes it. SQLite has no levels to set (one writer at a time): there the database itself begins the transactions.
 */
export function readCommittedSessions(database: Sequelize): ReadCommittedSessions {
	if (database.getDialect() !== "mysql") return { sequelize: database, close: async () => undefined };
	const { resource, release } = holdSessions(database, () => readCommittedPool(database));
	return { sequelize: resource, close: release };
}

function readCommittedPool(database: Sequelize): Sequelize {
	const { database: name, username, password } = database.config;
	const { options } = database as unknown as { options: Options };
	return new Sequelize(name, username, password ?? undefined, {
		...options,
		hooks: {
			afterConnect: (connection) =>
				new Promise<void>((resolve, reject) =>
					(connection as CallbackConnection).query(READ_COMMITTED_SESSION, (error) =>
						error ? reject(error) : resolve(),
					),
				),
		},
	});
}
