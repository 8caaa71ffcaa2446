import type { Migration } from "../../../lib/database.ts";
import { createVehicles } from "./0001-create-vehicles.ts";
import { createBookingHistory } from "./0002-booking-history.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const VEHICLE_MIGRATIONS: readonly Migration[] = [createVehicles, createBookingHistory];
