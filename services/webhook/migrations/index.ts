import type { Migration } from "../../../lib/database.ts";
import { webhooksSchema } from "./0001-webhooks.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const WEBHOOK_MIGRATIONS: readonly Migration[] = [webhooksSchema];
