import * as column from "../../../lib/columns.ts";

/** The settings table as this migration creates it; the model reads these columns. */
export const SETTING_COLUMNS = {
	key: column.textKey(64),
	value: column.json(),
	updatedBy: column.text(255),
	...column.timestamps(),
};

export const createSettings = column.tableMigration("0001-create-settings", "settings", SETTING_COLUMNS);
