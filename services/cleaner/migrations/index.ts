import type { Migration } from "../../../lib/database.ts";
import { createCleaners } from "./0001-create-cleaners.ts";
import { createAgenda } from "./0002-agenda.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const CLEANER_MIGRATIONS: readonly Migration[] = [createCleaners, createAgenda];
