import {
	instant,
	json,
	nullable,
	personColumns,
	tableColumns,
	text,
	timestamps,
	uuidKey,
} from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

/** The customers table as this migration creates it; the model reads these columns. */
export const CUSTOMER_COLUMNS = {
	id: uuidKey(),
	// Contact details are nullable: a deleted customer's are erased.
	...personColumns(),
	language: text(35),
	// At most 10 small objects, always read and written with the profile: no table of their own.
	addresses: json(),
	deletedAt: nullable(instant()),
	...timestamps(),
};

export const createCustomers: Migration = {
	name: "0001-create-customers",
	async up(qi) {
		await qi.createTable("customers", tableColumns(CUSTOMER_COLUMNS));
		await qi.addIndex("customers", ["subject"], { unique: true, name: "customers_subject" });
	},
};
