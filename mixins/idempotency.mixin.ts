import { createHash } from "node:crypto";
import type { Service } from "moleculer";
import type { Transaction } from "sequelize";
import { instant, json, nullable, type TableDefinition, text, textKey } from "../lib/columns.ts";
import {
	type DatabaseHolder,
	execute,
	insertRows,
	inTransaction,
	isUniqueViolation,
	readRows,
} from "../lib/database.ts";
import { UnprocessableError } from "../lib/errors.ts";
import { currentUser, type RequestContext } from "../lib/request-context.ts";
import { defineMixin } from "../lib/service-definition.ts";

interface IdempotencyRow {
	ownerId: string;
	idempotencyKey: string;
	operation: string;
	requestHash: string;
	response: unknown;
	createdAt: Date;
}

/**
 * The service's `idempotency_keys` table: (owner, key) → the request's hash and its stored answer. A service
 * using this mixin creates it in one of its migrations.
 */
export const IDEMPOTENCY_KEYS_TABLE: TableDefinition = {
	table: "idempotency_keys",
	columns: {
		ownerId: textKey(255),
		idempotencyKey: textKey(100),
		operation: text(40),
		requestHash: text(64),
		// Null only inside the transaction of the first request; committed together with its response.
		response: nullable(json()),
		createdAt: instant(),
	},
};

/** The action the request called, which with the params is what a key may be used again for. */
const operationOf = (ctx: RequestContext) => ctx.action?.name ?? "";

function requestHash(operation: string, params: unknown): string {
	return createHash("sha256").update(JSON.stringify({ operation, params })).digest("hex");
}

/** What a service using the mixin can reach on `this`. */
export interface IdempotentService {
	/** The stored answer to an earlier request with the same Idempotency-Key, if any. */
	replayed<T>(ctx: RequestContext): Promise<T | undefined>;
	/**
	 * Runs the write in a transaction (retried on deadlock) that first claims the request's Idempotency-Key
	 * and then stores the answer under it. If a concurrent request with the same key won, its answer is returned.
	 */
	idempotent<T>(ctx: RequestContext, write: (transaction: Transaction) => Promise<T>): Promise<T>;
}

type Self = Service & DatabaseHolder & IdempotentService;

/**
 * Idempotent writes for a service with the database mixin, whose database has an `idempotency_keys` table.
 * The key (the gateway puts the Idempotency-Key header in `ctx.meta.idempotencyKey`) is claimed in the same
 * transaction as the write: a concurrent duplicate waits for it and replays its answer.
 */
export const idempotencyMixin = defineMixin<Self>({
	methods: {
		async replayed<T>(this: Self, ctx: RequestContext): Promise<T | undefined> {
			const key = ctx.meta.idempotencyKey;
			if (key === undefined) return undefined;
			if (key.length < 1 || key.length > 100 || !/^[\x21-\x7e]+$/.test(key)) {
				throw new UnprocessableError("Idempotency-Key", "1 to 100 visible ASCII characters");
			}
			const [stored] = await readRows<IdempotencyRow>(
				this.database(),
				IDEMPOTENCY_KEYS_TABLE,
				"SELECT * FROM idempotency_keys WHERE owner_id = ? AND idempotency_key = ?",
				[currentUser(ctx).id, key],
			);
			if (!stored) return undefined;
			const operation = operationOf(ctx);
			if (stored.operation !== operation || stored.requestHash !== requestHash(operation, ctx.params)) {
				throw new UnprocessableError(
					"Idempotency-Key",
					"already used for a different request",
					"IDEMPOTENCY_KEY_REUSED",
				);
			}
			ctx.meta.$responseHeaders = { "Idempotent-Replayed": "true" };
			return stored.response as T;
		},

		async idempotent<T>(this: Self, ctx: RequestContext, write: (transaction: Transaction) => Promise<T>) {
			const key = ctx.meta.idempotencyKey;
			if (key === undefined) return inTransaction(this.database(), write);
			const sequelize = this.database();
			const owner = currentUser(ctx).id;
			try {
				return await inTransaction(sequelize, async (transaction) => {
					const operation = operationOf(ctx);
					// Plain statements: the claim and the answer are on the path of every idempotent write, where
					// Sequelize's model layer cost more than the statements themselves.
					const claim: IdempotencyRow = {
						ownerId: owner,
						idempotencyKey: key,
						operation,
						requestHash: requestHash(operation, ctx.params),
						response: null,
						createdAt: new Date(),
					};
					await insertRows(sequelize, IDEMPOTENCY_KEYS_TABLE, [claim], transaction);
					const response = await write(transaction);
					await execute(
						sequelize,
						"UPDATE idempotency_keys SET response = ? WHERE owner_id = ? AND idempotency_key = ?",
						[JSON.stringify(response), owner, key],
						transaction,
					);
					return response;
				});
			} catch (error) {
				const replay = isUniqueViolation(error) ? await this.replayed<T>(ctx) : undefined;
				if (replay) return replay;
				throw error;
			}
		},
	},
});
