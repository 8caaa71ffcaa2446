import { cloudEvent, type OutgoingEvent, TOPICS } from "../../lib/events/contract.ts";
import { bookingEventData } from "./booking-view.ts";
import {
	BOOKING_EVENT_TYPES,
	type BookingEventData,
	SLOT_EVENT_TYPES,
	type SlotEventData,
} from "./contract.ts";
import type { LifecycleAction } from "./lifecycle.ts";
import type { BookingRow } from "./models.ts";

const SOURCE = "/cleaning-platform/booking";

export type BookingChange = "create" | LifecycleAction;

const TYPE_OF_CHANGE: Record<BookingChange, string> = {
	create: BOOKING_EVENT_TYPES.created,
	reschedule: BOOKING_EVENT_TYPES.rescheduled,
	start: BOOKING_EVENT_TYPES.started,
	complete: BOOKING_EVENT_TYPES.completed,
	cancel: BOOKING_EVENT_TYPES.cancelled,
	rate: BOOKING_EVENT_TYPES.rated,
};

const iso = (date: Date) => new Date(date).toISOString();

function slotEvent(type: string, row: BookingRow, time: Date): OutgoingEvent {
	const data: SlotEventData = {
		cleanerId: row.cleanerId,
		bookingId: row.id,
		start: iso(row.startAt),
		end: iso(row.endAt),
	};
	return {
		topic: TOPICS.cleanerAvailability,
		key: row.cleanerId,
		event: cloudEvent(SOURCE, type, row.cleanerId, data, time),
	};
}

/**
 * The events one booking change publishes: the booking's new state on booking-events (keyed by booking), and
 * the cleaner's time taken or given back on cleaner-availability-updates (keyed by cleaner).
 */
export function bookingEvents(
	change: BookingChange,
	after: BookingRow,
	before: BookingRow = after,
): OutgoingEvent[] {
	const time = new Date(after.updatedAt);
	const data: BookingEventData = {
		...bookingEventData(after),
		...(change === "reschedule" ? { previous: { start: iso(before.startAt), end: iso(before.endAt) } } : {}),
	};
	const events: OutgoingEvent[] = [
		{
			topic: TOPICS.bookingEvents,
			key: after.id,
			event: cloudEvent(SOURCE, TYPE_OF_CHANGE[change], after.id, data, time),
		},
	];
	if (change === "cancel" || change === "reschedule")
		events.push(slotEvent(SLOT_EVENT_TYPES.released, before, time));
	if (change === "create" || change === "reschedule")
		events.push(slotEvent(SLOT_EVENT_TYPES.reserved, after, time));
	return events;
}
