import { type Model, type ModelStatic, Op, type Sequelize, type Transaction } from "sequelize";
import { execute, forUpdate, insertRows, selectRows, tableOf } from "../../lib/database.ts";
import { type CloudEvent, InvalidEventError } from "../../lib/events/contract.ts";
import {
	BOOKING_EVENT_TYPES,
	type BookingEventData,
	SLOT_EVENT_TYPES,
	type SlotEventData,
} from "../booking/contract.ts";
import { AGENDA_TABLE } from "./migrations/0002-agenda.ts";

export interface AgendaItem {
	bookingId: string;
	status: BookingEventData["status"];
	start: string;
	end: string;
	serviceType: string;
	vehicle: BookingEventData["vehicle"];
	location: BookingEventData["location"];
	notes: string | null;
}

interface AgendaRow {
	bookingId: string;
	cleanerId: string;
	startAt: Date | null;
	endAt: Date | null;
	reserved: boolean;
	status: BookingEventData["status"] | null;
	serviceType: string | null;
	vehicle: BookingEventData["vehicle"] | null;
	location: BookingEventData["location"] | null;
	notes: string | null;
}

type AgendaModel = ModelStatic<Model<AgendaRow, Partial<AgendaRow>>>;

function agendaModel(sequelize: Sequelize): AgendaModel {
	return tableOf<AgendaRow>(sequelize, AGENDA_TABLE);
}

/** The counters on a cleaner's profile that booking-events drive. */
/** The cleaner's counters a booking event adds to, as their columns are named. */
type CounterColumn = "jobs_completed" | "rating_sum" | "rating_count";

/** Adds to the cleaner's counters, and marks the row updated as the model's `increment` does. */
async function addToCounters(
	sequelize: Sequelize,
	cleanerId: string,
	amounts: Partial<Record<CounterColumn, number>>,
	transaction: Transaction,
): Promise<void> {
	const columns = Object.keys(amounts) as CounterColumn[];
	await execute(
		sequelize,
		`UPDATE cleaners SET ${columns.map((column) => `${column} = ${column} + ?`).join(", ")}, updated_at = ? WHERE id = ?`,
		[...columns.map((column) => amounts[column] as number), new Date(), cleanerId],
		transaction,
	);
}

const BOOKING_TYPES = new Set<string>(Object.values(BOOKING_EVENT_TYPES));

/**
 * Writes the row's columns, creating the booking's row if there is none yet: one prepared statement (on the
 * way of every booking event, where reading the row through the model first cost two). As the model did, a
 * column the event leaves undefined keeps its value.
 */
function upsert(
	sequelize: Sequelize,
	row: Partial<AgendaRow> & { bookingId: string; cleanerId: string },
	transaction: Transaction,
) {
	return insertRows(sequelize, AGENDA_TABLE, [row], transaction, "update");
}

/**
 * Applies one event of booking-events or cleaner-availability-updates to the cleaner's agenda and counters.
 * The cleaner's row is locked first, so one cleaner's events apply one at a time across instances. An event
 * for a cleaner this service does not know is refused (cleaners are never deleted, so it is an inconsistency
 * for a person to look at: it goes to the dead-letter topic). Returns whether the public profile changed.
 */
export async function applyToAgenda(
	sequelize: Sequelize,
	event: CloudEvent,
	transaction: Transaction,
): Promise<boolean> {
	const isBookingEvent = BOOKING_TYPES.has(event.type);
	const isSlotEvent = event.type === SLOT_EVENT_TYPES.reserved || event.type === SLOT_EVENT_TYPES.released;
	if (!isBookingEvent && !isSlotEvent) return false;
	const { cleanerId, bookingId } = event.data as { cleanerId?: unknown; bookingId?: unknown };
	if (typeof cleanerId !== "string" || typeof bookingId !== "string") {
		throw new InvalidEventError("the event names no cleanerId and bookingId");
	}
	const [cleaner] = await selectRows<{ id: string }>(
		sequelize,
		`SELECT id FROM cleaners WHERE id = ?${forUpdate(sequelize)}`,
		[cleanerId],
		transaction,
	);
	if (!cleaner) throw new Error(`unknown cleaner ${cleanerId}`);
	const agenda = agendaModel(sequelize);

	if (event.type === SLOT_EVENT_TYPES.reserved) {
		const slot = event.data as SlotEventData;
		await upsert(
			sequelize,
			{ bookingId, cleanerId, startAt: new Date(slot.start), endAt: new Date(slot.end), reserved: true },
			transaction,
		);
		return false;
	}
	if (event.type === SLOT_EVENT_TYPES.released) {
		// Only the interval it names: a release never gives back a newer reservation of the same booking.
		const slot = event.data as SlotEventData;
		await agenda.update(
			{ reserved: false },
			{ where: { bookingId, startAt: new Date(slot.start) }, transaction },
		);
		return false;
	}

	const booking = event.data as BookingEventData;
	await upsert(
		sequelize,
		{
			bookingId,
			cleanerId,
			status: booking.status,
			serviceType: booking.serviceType,
			vehicle: booking.vehicle,
			location: booking.location,
			notes: booking.notes,
		},
		transaction,
	);
	if (event.type === BOOKING_EVENT_TYPES.completed) {
		await addToCounters(sequelize, cleanerId, { jobs_completed: 1 }, transaction);
		return true;
	}
	if (event.type === BOOKING_EVENT_TYPES.rated) {
		if (!booking.rating) throw new InvalidEventError("booking.rated.v1 without a rating");
		await addToCounters(
			sequelize,
			cleanerId,
			{ rating_sum: booking.rating.score, rating_count: 1 },
			transaction,
		);
		return true;
	}
	return false;
}

/** The cleaner's reserved jobs starting in [from, to), once both topics have reported them. */
export async function agendaOf(
	sequelize: Sequelize,
	cleanerId: string,
	from: Date,
	to: Date,
): Promise<AgendaItem[]> {
	const rows = await agendaModel(sequelize).findAll({
		where: {
			cleanerId,
			reserved: true,
			status: { [Op.ne]: null },
			startAt: { [Op.gte]: from, [Op.lt]: to },
		},
		order: [["startAt", "ASC"]],
		limit: 500,
	});
	return rows.map((model) => {
		const row = model.get();
		return {
			bookingId: row.bookingId,
			status: row.status as AgendaItem["status"],
			start: new Date(row.startAt as Date).toISOString(),
			end: new Date(row.endAt as Date).toISOString(),
			serviceType: row.serviceType as string,
			vehicle: row.vehicle as AgendaItem["vehicle"],
			location: row.location as AgendaItem["location"],
			notes: row.notes,
		};
	});
}
