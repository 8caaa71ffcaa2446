import { nullable, tableColumns, text } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

/** The partner (OAuth client id) whose client-credentials token made the booking; null for people's apps. */
export const PARTNER_CLIENT_COLUMNS = { partnerClientId: nullable(text(255)) };

export const partnerClient: Migration = {
	name: "0003-partner-client",
	async up(qi) {
		for (const [column, definition] of Object.entries(tableColumns(PARTNER_CLIENT_COLUMNS)))
			await qi.addColumn("bookings", column, definition);
	},
};
