import { json, tableColumns, text, textKey, timestamps } from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

/** The settings table as this migration creates it; the model reads these columns. */
export const SETTING_COLUMNS = { key: textKey(64), value: json(), updatedBy: text(255), ...timestamps() };

export const createSettings: Migration = {
	name: "0001-create-settings",
	async up(qi) {
		await qi.createTable("settings", tableColumns(SETTING_COLUMNS));
	},
};
