/**
 * The column vocabulary of every table: what a column holds, whether it may be empty and its default, written
 * once. Columns are NOT NULL unless wrapped in `nullable`.
 *
 * Each table is written once, in the migration that creates it, as an exported `TableDefinition`
 * (`VEHICLES_TABLE`: its name, its columns in camelCase, its indexes); the migration creates the table from it
 * (`tableColumns` gives the snake_case names the models' `underscored` option reads) and the model is defined
 * from the same constant (`tableOf`), so the two cannot drift. A later migration that adds columns exports
 * those, and the model spreads both.
 *
 * A migration must create the same table forever: never change a migration's constant or what a builder
 * returns once a migration uses it; a new kind of column gets a new builder.
 */
import { DataTypes, type ModelAttributeColumnOptions, type QueryInterface, Utils } from "sequelize";
import type { Migration } from "./database.ts";

export type Column = ModelAttributeColumnOptions;
export type Columns = Record<string, Column>;

/** A migration's columns as the database names them: `displayName` is the column `display_name`. */
export function tableColumns(columns: Columns): Columns {
	return Object.fromEntries(
		Object.entries(columns).map(([name, column]) => [Utils.underscoredIf(name, true), column]),
	);
}

/** A UUID primary key (crypto.randomUUID). */
export const uuidKey = (): Column => ({ type: DataTypes.STRING(36), primaryKey: true });
/** A natural primary key (a code, a setting's name); part of a composite key when several columns have it. */
export const textKey = (length: number): Column => ({ type: DataTypes.STRING(length), primaryKey: true });
export const instantKey = (): Column => ({ type: DataTypes.DATE, primaryKey: true });
/** Row ids in insert order: the outbox's and the event log's. */
export const sequenceKey = (): Column => ({ type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true });

/** Another row's UUID, in this database or another service's. */
export const uuid = (): Column => ({ type: DataTypes.STRING(36), allowNull: false });
export const text = (length: number): Column => ({ type: DataTypes.STRING(length), allowNull: false });
/** Text without a length limit (event payloads). */
export const longText = (): Column => ({ type: DataTypes.TEXT, allowNull: false });
export const json = (): Column => ({ type: DataTypes.JSON, allowNull: false });
export const integer = (): Column => ({ type: DataTypes.INTEGER, allowNull: false });
export const bigInteger = (): Column => ({ type: DataTypes.BIGINT, allowNull: false });
export const counter = (start = 0): Column => ({
	type: DataTypes.INTEGER,
	allowNull: false,
	defaultValue: start,
});
export const decimal = (): Column => ({ type: DataTypes.DOUBLE, allowNull: false });
export const flag = (defaultValue: boolean): Column => ({
	type: DataTypes.BOOLEAN,
	allowNull: false,
	defaultValue,
});
/** A point in time; `milliseconds` keeps them on MySQL, whose DATETIME otherwise drops them. */
export const instant = (precision: "seconds" | "milliseconds" = "seconds"): Column => ({
	type: precision === "milliseconds" ? DataTypes.DATE(3) : DataTypes.DATE,
	allowNull: false,
});

export const nullable = (column: Column): Column => ({ ...column, allowNull: true });

/** Sequelize's own bookkeeping columns of every model with timestamps (models do not list them). */
export const timestamps = (): Columns => ({ createdAt: instant(), updatedAt: instant() });

/** A person known by an OIDC subject: customers and cleaners. Contact details are erased on deletion. */
export const personColumns = (): Columns => ({
	subject: text(255),
	displayName: text(100),
	email: nullable(text(254)),
	phone: nullable(text(16)),
});

/** An index of a table; its fields as the database names them (snake_case). */
export interface Index {
	name: string;
	fields: string[];
	unique?: boolean;
}

/** A table as a migration creates it: its columns (in camelCase, as the models read them) and its indexes. */
export interface TableDefinition {
	table: string;
	columns: Columns;
	indexes?: Index[];
}

/** A table's definition, named first: `table("vehicles", { columns: {…}, indexes: […] })`. */
export function table(name: string, { columns, indexes }: Omit<TableDefinition, "table">): TableDefinition {
	return { table: name, columns, ...(indexes ? { indexes } : {}) };
}

/** Creates the table and its indexes. */
export async function createTable(qi: QueryInterface, { table, columns, indexes = [] }: TableDefinition) {
	await qi.createTable(table, tableColumns(columns));
	for (const { fields, ...index } of indexes) await qi.addIndex(table, fields, index);
}

/** A migration that creates these tables, in this order. */
export function tablesMigration(name: string, tables: TableDefinition[]): Migration {
	return {
		name,
		async up(qi) {
			for (const table of tables) await createTable(qi, table);
		},
	};
}
