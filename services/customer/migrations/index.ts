import type { Migration } from "../../../lib/database.ts";
import { createCustomers } from "./0001-create-customers.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const CUSTOMER_MIGRATIONS: readonly Migration[] = [createCustomers];
