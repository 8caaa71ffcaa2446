import type { Migration } from "../../../lib/database.ts";
import { createSettings } from "./0001-create-settings.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const CONFIGURATION_MIGRATIONS: readonly Migration[] = [createSettings];
