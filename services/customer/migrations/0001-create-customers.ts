import * as column from "../../../lib/columns.ts";

/** The customers table as this migration creates it; the model reads these columns. */
export const CUSTOMERS_TABLE = column.table("customers", {
	columns: {
		id: column.uuidKey(),
		// Contact details are nullable: a deleted customer's are erased.
		...column.personColumns(),
		language: column.text(35),
		// At most 10 small objects, always read and written with the profile: no table of their own.
		addresses: column.json(),
		deletedAt: column.nullable(column.instant()),
		...column.timestamps(),
	},
	indexes: [{ name: "customers_subject", fields: ["subject"], unique: true }],
});

export const createCustomers = column.tablesMigration("0001-create-customers", [CUSTOMERS_TABLE]);
