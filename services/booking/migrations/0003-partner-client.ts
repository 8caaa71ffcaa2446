import * as column from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

/** The partner (OAuth client id) whose client-credentials token made the booking; null for people's apps. */
export const PARTNER_CLIENT_COLUMNS = { partnerClientId: column.nullable(column.text(255)) };

export const partnerClient: Migration = {
	name: "0003-partner-client",
	async up(qi) {
		for (const [name, definition] of Object.entries(column.tableColumns(PARTNER_CLIENT_COLUMNS)))
			await qi.addColumn("bookings", name, definition);
	},
};
