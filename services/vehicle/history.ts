import type { Sequelize, Transaction } from "sequelize";
import { execute, forUpdate, insertRows, placeholders, readRows, selectRows } from "../../lib/database.ts";
import { type CloudEvent, InvalidEventError } from "../../lib/events/contract.ts";
import { BOOKING_EVENT_TYPES, type BookingEventData, OPEN_STATUSES } from "../booking/contract.ts";
import { VEHICLES_TABLE } from "./migrations/0001-create-vehicles.ts";
import { VEHICLE_BOOKINGS_TABLE } from "./migrations/0002-booking-history.ts";

interface VehicleBookingRow {
	bookingId: string;
	vehicleId: string;
	startAt: Date;
	status: BookingEventData["status"];
}

/** The history fields of a vehicle that booking-events drive. */
interface VehicleHistory {
	lastCleanedAt: Date | null;
	cleanings: number;
	upcomingBookingId: string | null;
}

const BOOKING_TYPES = new Set<string>(Object.values(BOOKING_EVENT_TYPES));

/**
 * Applies one booking event to the vehicle's history: cleanings and last cleaned at (on completion), and the
 * upcoming booking (the earliest one still confirmed or in progress). The vehicle's row is locked first, so
 * that events of different bookings of one vehicle, read from different partitions, apply one at a time.
 * A vehicle its owner has removed keeps no history: its events are passed over.
 */
export async function applyToHistory(
	sequelize: Sequelize,
	event: CloudEvent,
	transaction: Transaction,
): Promise<void> {
	if (!BOOKING_TYPES.has(event.type)) return;
	const booking = event.data as BookingEventData;
	if (typeof booking.vehicle?.id !== "string" || typeof booking.bookingId !== "string") {
		throw new InvalidEventError("the event names no vehicle.id and bookingId");
	}
	const [vehicle] = await readRows<VehicleHistory>(
		sequelize,
		VEHICLES_TABLE,
		`SELECT last_cleaned_at, cleanings, upcoming_booking_id FROM vehicles WHERE id = ?${forUpdate(sequelize)}`,
		[booking.vehicle.id],
		transaction,
	);
	if (!vehicle) return;

	const row: VehicleBookingRow = {
		bookingId: booking.bookingId,
		vehicleId: booking.vehicle.id,
		startAt: new Date(booking.start),
		status: booking.status,
	};
	await insertRows(sequelize, VEHICLE_BOOKINGS_TABLE, [row], transaction, "update");

	const [upcoming] = await selectRows<{ booking_id: string }>(
		sequelize,
		`SELECT booking_id FROM ${VEHICLE_BOOKINGS_TABLE.table} WHERE vehicle_id = ? AND status IN (${placeholders(OPEN_STATUSES)}) ORDER BY start_at LIMIT 1`,
		[booking.vehicle.id, ...OPEN_STATUSES],
		transaction,
	);
	const after: VehicleHistory = { ...vehicle, upcomingBookingId: upcoming?.booking_id ?? null };
	if (event.type === BOOKING_EVENT_TYPES.completed) {
		const cleanedAt = new Date(event.time);
		after.cleanings = vehicle.cleanings + 1;
		after.lastCleanedAt =
			vehicle.lastCleanedAt && vehicle.lastCleanedAt > cleanedAt ? vehicle.lastCleanedAt : cleanedAt;
	}
	await updateHistory(sequelize, booking.vehicle.id, vehicle, after, transaction);
}

const HISTORY_COLUMNS = {
	lastCleanedAt: "last_cleaned_at",
	cleanings: "cleanings",
	upcomingBookingId: "upcoming_booking_id",
} as const;

/** Writes the history fields that changed, and `updated_at` with them, as the model's `update` did; none, nothing. */
async function updateHistory(
	sequelize: Sequelize,
	id: string,
	before: VehicleHistory,
	after: VehicleHistory,
	transaction: Transaction,
): Promise<void> {
	const same = (a: unknown, b: unknown) =>
		a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
	const changed = (Object.keys(HISTORY_COLUMNS) as (keyof VehicleHistory)[]).filter(
		(field) => !same(after[field], before[field]),
	);
	if (changed.length === 0) return;
	await execute(
		sequelize,
		`UPDATE vehicles SET ${changed.map((field) => `${HISTORY_COLUMNS[field]} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
		[...changed.map((field) => after[field]), new Date(), id],
		transaction,
	);
}
