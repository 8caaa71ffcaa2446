import { json, tableMigration, text, textKey, timestamps } from "../../../lib/columns.ts";

/** The settings table as this migration creates it; the model reads these columns. */
export const SETTING_COLUMNS = { key: textKey(64), value: json(), updatedBy: text(255), ...timestamps() };

export const createSettings = tableMigration("0001-create-settings", "settings", SETTING_COLUMNS);
