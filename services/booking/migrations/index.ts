import type { Migration } from "../../../lib/database.ts";
import { bookingSchema } from "./0001-booking-schema.ts";
import { outbox } from "./0002-outbox.ts";
import { partnerClient } from "./0003-partner-client.ts";
import { cleanerEndIndex } from "./0004-cleaner-end-index.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const BOOKING_MIGRATIONS: readonly Migration[] = [
	bookingSchema,
	outbox,
	partnerClient,
	cleanerEndIndex,
];
