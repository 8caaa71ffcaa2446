import {
	instant,
	json,
	nullable,
	personColumns,
	tableMigration,
	text,
	timestamps,
	uuidKey,
} from "../../../lib/columns.ts";

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

export const createCustomers = tableMigration("0001-create-customers", "customers", CUSTOMER_COLUMNS, [
	{ name: "customers_subject", fields: ["subject"], unique: true },
]);
