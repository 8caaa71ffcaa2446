import type { Migration } from "../../../lib/database.ts";
import { createNotifications } from "./0001-create-notifications.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const NOTIFICATION_MIGRATIONS: readonly Migration[] = [createNotifications];
