import { json, tableColumns, text, textKey, timestamps } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

export const createSettings: Migration = {
	name: "0001-create-settings",
	async up(qi) {
		await qi.createTable(
			"settings",
			tableColumns({ key: textKey(64), value: json(), updatedBy: text(255), ...timestamps() }),
		);
	},
};
