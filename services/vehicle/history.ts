import type { Model, ModelStatic, Sequelize, Transaction } from "sequelize";
import { insertRows, selectRows } from "../../lib/database.ts";
import { type CloudEvent, InvalidEventError } from "../../lib/events/contract.ts";
import { BOOKING_EVENT_TYPES, type BookingEventData, OPEN_STATUSES } from "../booking/contract.ts";
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
	vehicles: ModelStatic<Model>,
	event: CloudEvent,
	transaction: Transaction,
): Promise<void> {
	if (!BOOKING_TYPES.has(event.type)) return;
	const booking = event.data as BookingEventData;
	if (typeof booking.vehicle?.id !== "string" || typeof booking.bookingId !== "string") {
		throw new InvalidEventError("the event names no vehicle.id and bookingId");
	}
	const vehicle = (await vehicles.findByPk(booking.vehicle.id, {
		transaction,
		lock: transaction.LOCK.UPDATE,
	})) as (Model & VehicleHistory) | null;
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
		`SELECT booking_id FROM ${VEHICLE_BOOKINGS_TABLE.table} WHERE vehicle_id = ? AND status IN (${OPEN_STATUSES.map(() => "?").join(", ")}) ORDER BY start_at LIMIT 1`,
		[booking.vehicle.id, ...OPEN_STATUSES],
		transaction,
	);
	const changes: Partial<VehicleHistory> = { upcomingBookingId: upcoming?.booking_id ?? null };
	if (event.type === BOOKING_EVENT_TYPES.completed) {
		const cleanedAt = new Date(event.time);
		changes.cleanings = vehicle.cleanings + 1;
		changes.lastCleanedAt =
			vehicle.lastCleanedAt && vehicle.lastCleanedAt > cleanedAt ? vehicle.lastCleanedAt : cleanedAt;
	}
	await vehicle.update(changes, { transaction });
}
