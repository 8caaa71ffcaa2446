/** Rules of booking requests that need no broker or database. */
import { Op, type WhereOptions } from "sequelize";
import { ConflictError, ForbiddenError, UnprocessableError } from "../../lib/errors.ts";
import type { BusinessSettings } from "../configuration/contract.ts";
import { isOnReservationGrid } from "./availability-rules.ts";
import type { BookingStatus } from "./contract.ts";
import { type Actor, decide, type LifecycleAction } from "./lifecycle.ts";
import type { BookingRow } from "./models.ts";

/** How far ahead a customer may book. */
export const MAX_DAYS_AHEAD = 180;

/** A date-time the validator let through, as epoch milliseconds, or a 422 naming the field. */
export function parseInstant(value: string, field: string): number {
	const instant = Date.parse(value);
	if (Number.isNaN(instant)) throw new UnprocessableError(field, "not a valid date-time");
	return instant;
}

/** A job's start: on the reservation grid, in the future, at most MAX_DAYS_AHEAD days ahead. */
export function parseStart(value: string, now = Date.now()): number {
	const instant = parseInstant(value, "start");
	if (!isOnReservationGrid(instant)) throw new UnprocessableError("start", "must be on a 5-minute boundary");
	if (instant <= now) throw new UnprocessableError("start", "must be in the future");
	if (instant > now + MAX_DAYS_AHEAD * 86_400_000) {
		throw new UnprocessableError("start", `at most ${MAX_DAYS_AHEAD} days ahead`);
	}
	return instant;
}

export interface ListFilter {
	status?: BookingStatus;
	cleanerId?: string;
	customerId?: string;
	from?: string;
	to?: string;
}

/** Which bookings a list shows: filters by person are for admins, everyone else only sees their own. */
export function listWhere(actor: Actor, filter: ListFilter): WhereOptions<BookingRow> {
	const { status, cleanerId, customerId, from, to } = filter;
	const startAt = {
		...(from ? { [Op.gte]: new Date(parseInstant(from, "from")) } : {}),
		...(to ? { [Op.lt]: new Date(parseInstant(to, "to")) } : {}),
	};
	return {
		...(status ? { status } : {}),
		...(from || to ? { startAt } : {}),
		...(actor.kind === "admin" && cleanerId ? { cleanerId } : {}),
		...(actor.kind === "admin" && customerId ? { customerId } : {}),
		...(actor.kind === "customer" ? { customerId: actor.id } : {}),
		...(actor.kind === "cleaner" ? { cleanerId: actor.cleanerId } : {}),
	};
}

/** What the lifecycle rules let the actor change on the booking: its status and any late-cancellation fee; or 403/409. */
export function allowedChange(
	action: LifecycleAction,
	actor: Actor,
	booking: BookingRow,
	settings: BusinessSettings,
	now = new Date(),
): Partial<BookingRow> {
	const decision = decide(action, actor, { ...booking, rated: booking.ratingScore !== null }, now, settings);
	if (!decision.ok) {
		if (decision.reason === "forbidden") throw new ForbiddenError(decision.message);
		const type = decision.reason === "too_late" ? "TOO_LATE" : "INVALID_STATE";
		throw new ConflictError(decision.message, type, { status: booking.status });
	}
	const { status, lateCancellation, cancellationFeeMinor } = decision;
	return lateCancellation ? { status, lateCancellation, cancellationFeeMinor } : { status };
}
