import type { AuthUser } from "../../lib/auth.ts";
import type { BusinessSettings } from "../configuration/contract.ts";
import { type BookingStatus, OPEN_STATUSES } from "./contract.ts";

export type LifecycleAction = "start" | "complete" | "cancel" | "reschedule" | "rate";

/** Who is acting on the booking, as far as the rules care. */
export type Actor =
	| { kind: "admin" }
	| { kind: "customer"; id: string }
	| { kind: "cleaner"; cleanerId: string };

export interface BookingFacts {
	status: BookingStatus;
	customerId: string;
	cleanerId: string;
	startAt: Date;
	priceMinor: number;
	rated: boolean;
}

export type Decision =
	| { ok: true; status: BookingStatus; lateCancellation?: boolean; cancellationFeeMinor?: number }
	| { ok: false; reason: "not_found" | "forbidden" | "invalid_state" | "too_late"; message: string };

const ALLOWED_FROM: Record<LifecycleAction, readonly BookingStatus[]> = {
	start: ["confirmed"],
	complete: ["in_progress"],
	cancel: ["confirmed"],
	reschedule: ["confirmed"],
	rate: ["completed"],
};

const RESULTING_STATUS: Record<Exclude<LifecycleAction, "reschedule" | "rate">, BookingStatus> = {
	start: "in_progress",
	complete: "completed",
	cancel: "cancelled",
};

export function actorOf(user: AuthUser, cleanerId?: string): Actor {
	if (user.roles.includes("admin")) return { kind: "admin" };
	if (cleanerId !== undefined) return { kind: "cleaner", cleanerId };
	return { kind: "customer", id: user.id };
}

/** Whether the actor may see the booking at all (others get "not found", never "forbidden"). */
export function canSee(actor: Actor, booking: BookingFacts): boolean {
	if (actor.kind === "admin") return true;
	if (actor.kind === "customer") return booking.customerId === actor.id;
	return booking.cleanerId === actor.cleanerId;
}

/**
 * The booking state machine: who may do what, from which state, and with which consequences (late
 * cancellation fee). Pure, so every rule is tested without a broker or a database.
 */
export function decide(
	action: LifecycleAction,
	actor: Actor,
	booking: BookingFacts,
	now: Date,
	settings: Pick<BusinessSettings, "cancellationCutoffHours" | "lateCancellationFeePercent">,
): Decision {
	if (!canSee(actor, booking)) return { ok: false, reason: "not_found", message: "booking not found" };

	const byCustomerOnly = action === "rate";
	const byCleanerOrAdmin = action === "start" || action === "complete";
	const byCustomerOrAdmin = action === "cancel" || action === "reschedule";
	if (
		(byCustomerOnly && actor.kind !== "customer") ||
		(byCleanerOrAdmin && actor.kind === "customer") ||
		(byCustomerOrAdmin && actor.kind === "cleaner")
	) {
		return { ok: false, reason: "forbidden", message: `you may not ${action} this booking` };
	}

	const allowed = action === "cancel" && actor.kind === "admin" ? OPEN_STATUSES : ALLOWED_FROM[action];
	if (!allowed.includes(booking.status)) {
		return {
			ok: false,
			reason: "invalid_state",
			message: `cannot ${action} a booking that is ${booking.status}`,
		};
	}
	if (action === "rate") {
		if (booking.rated) return { ok: false, reason: "invalid_state", message: "booking is already rated" };
		return { ok: true, status: booking.status };
	}

	const cutoff = booking.startAt.getTime() - settings.cancellationCutoffHours * 3_600_000;
	const afterCutoff = now.getTime() > cutoff;
	if (action === "reschedule") {
		if (actor.kind === "customer" && afterCutoff) {
			return {
				ok: false,
				reason: "too_late",
				message: "too late to reschedule: the cancellation cut-off has passed",
			};
		}
		return { ok: true, status: booking.status };
	}
	if (action === "cancel" && actor.kind === "customer" && afterCutoff) {
		return {
			ok: true,
			status: "cancelled",
			lateCancellation: true,
			cancellationFeeMinor: Math.round((booking.priceMinor * settings.lateCancellationFeePercent) / 100),
		};
	}
	return { ok: true, status: RESULTING_STATUS[action] };
}
