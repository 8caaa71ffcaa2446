import * as column from "../../../lib/columns.ts";

/** The settings table as this migration creates it; the model reads these columns. */
export const SETTINGS_TABLE = column.table("settings", {
	columns: {
		key: column.textKey(64),
		value: column.json(),
		updatedBy: column.text(255),
		...column.timestamps(),
	},
});

export const createSettings = column.tablesMigration("0001-create-settings", [SETTINGS_TABLE]);
