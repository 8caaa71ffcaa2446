import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuthUser } from "../../lib/auth.ts";
import { BOOKING_STATUSES, type BookingStatus } from "../../services/booking/contract.ts";
import {
	type Actor,
	actorOf,
	type BookingFacts,
	canSee,
	decide,
	type LifecycleAction,
} from "../../services/booking/lifecycle.ts";

const HOUR = 3_600_000;
const START = new Date("2026-06-20T10:00:00Z");
const SETTINGS = { cancellationCutoffHours: 24, lateCancellationFeePercent: 50 };
/** Two days before the start: well before the 24-hour cut-off. */
const EARLY = new Date(START.getTime() - 48 * HOUR);
/** Two hours before the start: after the cut-off. */
const LATE = new Date(START.getTime() - 2 * HOUR);

const ADMIN: Actor = { kind: "admin" };
const OWNER: Actor = { kind: "customer", id: "cust-1" };
const OTHER_CUSTOMER: Actor = { kind: "customer", id: "cust-2" };
const ASSIGNED_CLEANER: Actor = { kind: "cleaner", cleanerId: "cln-1" };
const OTHER_CLEANER: Actor = { kind: "cleaner", cleanerId: "cln-2" };

function booking(overrides: Partial<BookingFacts> = {}): BookingFacts {
	return {
		status: "confirmed",
		customerId: "cust-1",
		cleanerId: "cln-1",
		startAt: START,
		priceMinor: 4999,
		rated: false,
		...overrides,
	};
}

/** Asserts that `decide` allows the move, into `status`, with nothing more (no late-cancellation fee). */
function assertAllowed(
	action: LifecycleAction,
	actor: Actor,
	facts: BookingFacts,
	now: Date,
	status: BookingStatus,
	settings = SETTINGS,
): void {
	assert.deepEqual(decide(action, actor, facts, now, settings), { ok: true, status });
}

const ACTIONS: LifecycleAction[] = ["start", "complete", "cancel", "reschedule", "rate"];

describe("actorOf", () => {
	const user = (roles: AuthUser["roles"]): AuthUser => ({ id: "sub-1", roles, scopes: [] });

	it("an admin is an admin, even with a cleaner profile", () => {
		assert.deepEqual(actorOf(user(["admin"])), { kind: "admin" });
		assert.deepEqual(actorOf(user(["cleaner", "admin"]), "cln-9"), { kind: "admin" });
	});

	it("a user with a cleaner profile acts as that cleaner", () => {
		assert.deepEqual(actorOf(user(["cleaner"]), "cln-9"), { kind: "cleaner", cleanerId: "cln-9" });
	});

	it("anyone else acts as the customer named by the token's subject", () => {
		assert.deepEqual(actorOf(user(["customer"])), { kind: "customer", id: "sub-1" });
		assert.deepEqual(actorOf(user([])), { kind: "customer", id: "sub-1" });
	});
});

describe("canSee", () => {
	it("admin sees everything; the owner and the assigned cleaner see their booking; nobody else does", () => {
		assert.equal(canSee(ADMIN, booking()), true);
		assert.equal(canSee(OWNER, booking()), true);
		assert.equal(canSee(ASSIGNED_CLEANER, booking()), true);
		assert.equal(canSee(OTHER_CUSTOMER, booking()), false);
		assert.equal(canSee(OTHER_CLEANER, booking()), false);
	});

	it("a customer id equal to the cleaner id grants nothing across kinds", () => {
		const b = booking({ customerId: "same", cleanerId: "other" });
		assert.equal(canSee({ kind: "cleaner", cleanerId: "same" }, b), false);
		assert.equal(canSee({ kind: "customer", id: "other" }, b), false);
	});
});

describe("decide: valid transitions", () => {
	it("the assigned cleaner starts a confirmed job", () => {
		assertAllowed("start", ASSIGNED_CLEANER, booking(), LATE, "in_progress");
	});

	it("an admin starts a confirmed job", () => {
		assertAllowed("start", ADMIN, booking(), LATE, "in_progress");
	});

	it("the assigned cleaner and an admin complete a job in progress", () => {
		const b = booking({ status: "in_progress" });
		assertAllowed("complete", ASSIGNED_CLEANER, b, START, "completed");
		assertAllowed("complete", ADMIN, b, START, "completed");
	});

	it("the owner cancels before the cut-off free of charge", () => {
		assertAllowed("cancel", OWNER, booking(), EARLY, "cancelled");
	});

	it("the owner cancelling exactly at the cut-off is still free", () => {
		const atCutoff = new Date(START.getTime() - 24 * HOUR);
		assertAllowed("cancel", OWNER, booking(), atCutoff, "cancelled");
	});

	it("the owner cancelling one millisecond after the cut-off pays the late fee", () => {
		const justAfter = new Date(START.getTime() - 24 * HOUR + 1);
		assert.deepEqual(decide("cancel", OWNER, booking(), justAfter, SETTINGS), {
			ok: true,
			status: "cancelled",
			lateCancellation: true,
			cancellationFeeMinor: 2500, // round(4999 * 50 / 100) = round(2499.5)
		});
	});

	it("the late fee is round(price * percent / 100)", () => {
		const fee = (priceMinor: number, lateCancellationFeePercent: number) => {
			const d = decide("cancel", OWNER, booking({ priceMinor }), LATE, {
				cancellationCutoffHours: 24,
				lateCancellationFeePercent,
			});
			assert.equal(d.ok, true);
			return d.ok ? d.cancellationFeeMinor : undefined;
		};
		assert.equal(fee(1001, 33), 330); // 330.33
		assert.equal(fee(1002, 33), 331); // 330.66
		assert.equal(fee(4000, 100), 4000);
		assert.equal(fee(4000, 25), 1000);
		assert.equal(fee(4000, 0), 0);
		assert.equal(fee(0, 50), 0);
	});

	it("a zero-percent fee still marks the cancellation as late", () => {
		const d = decide("cancel", OWNER, booking(), LATE, {
			cancellationCutoffHours: 24,
			lateCancellationFeePercent: 0,
		});
		assert.deepEqual(d, { ok: true, status: "cancelled", lateCancellation: true, cancellationFeeMinor: 0 });
	});

	it("a cut-off of 0 hours makes every cancellation before the start free, and after it late", () => {
		const settings = { cancellationCutoffHours: 0, lateCancellationFeePercent: 50 };
		assertAllowed("cancel", OWNER, booking(), new Date(START.getTime() - 1), "cancelled", settings);
		assertAllowed("cancel", OWNER, booking(), START, "cancelled", settings);
		const after = decide("cancel", OWNER, booking(), new Date(START.getTime() + 1), settings);
		assert.equal(after.ok && after.lateCancellation, true);
	});

	it("an admin cancels a confirmed booking after the cut-off without a fee", () => {
		assertAllowed("cancel", ADMIN, booking(), LATE, "cancelled");
	});

	it("an admin cancels a job in progress", () => {
		assertAllowed("cancel", ADMIN, booking({ status: "in_progress" }), START, "cancelled");
	});

	it("the owner reschedules before the cut-off; the status stays confirmed", () => {
		assertAllowed("reschedule", OWNER, booking(), EARLY, "confirmed");
		const atCutoff = new Date(START.getTime() - 24 * HOUR);
		assertAllowed("reschedule", OWNER, booking(), atCutoff, "confirmed");
	});

	it("an admin reschedules even after the cut-off", () => {
		assertAllowed("reschedule", ADMIN, booking(), LATE, "confirmed");
	});

	it("the owner rates a completed job once", () => {
		assertAllowed("rate", OWNER, booking({ status: "completed" }), LATE, "completed");
	});
});

describe("decide: too late", () => {
	it("the owner may not reschedule after the cut-off", () => {
		assert.deepEqual(decide("reschedule", OWNER, booking(), LATE, SETTINGS), {
			ok: false,
			reason: "too_late",
			message: "too late to reschedule: the cancellation cut-off has passed",
		});
		const justAfter = new Date(START.getTime() - 24 * HOUR + 1);
		const d = decide("reschedule", OWNER, booking(), justAfter, SETTINGS);
		assert.equal(d.ok ? "ok" : d.reason, "too_late");
	});
});

describe("decide: invalid state", () => {
	/** Every (action, actor allowed to attempt it, state the action is not allowed from). */
	const cases: Array<[LifecycleAction, Actor, BookingStatus[]]> = [
		["start", ASSIGNED_CLEANER, ["in_progress", "completed", "cancelled"]],
		["start", ADMIN, ["in_progress", "completed", "cancelled"]],
		["complete", ASSIGNED_CLEANER, ["confirmed", "completed", "cancelled"]],
		["complete", ADMIN, ["confirmed", "completed", "cancelled"]],
		["cancel", OWNER, ["in_progress", "completed", "cancelled"]],
		["cancel", ADMIN, ["completed", "cancelled"]],
		["reschedule", OWNER, ["in_progress", "completed", "cancelled"]],
		["reschedule", ADMIN, ["in_progress", "completed", "cancelled"]],
		["rate", OWNER, ["confirmed", "in_progress", "cancelled"]],
	];
	for (const [action, actor, states] of cases) {
		for (const status of states) {
			it(`${actor.kind} cannot ${action} a booking that is ${status}`, () => {
				assert.deepEqual(decide(action, actor, booking({ status }), EARLY, SETTINGS), {
					ok: false,
					reason: "invalid_state",
					message: `cannot ${action} a booking that is ${status}`,
				});
			});
		}
	}

	it("the invalid-state answer comes before the cut-off check (a cancelled booking is never 'too late')", () => {
		const d = decide("reschedule", OWNER, booking({ status: "cancelled" }), LATE, SETTINGS);
		assert.equal(d.ok ? "ok" : d.reason, "invalid_state");
	});

	it("a completed job is rated only once", () => {
		assert.deepEqual(decide("rate", OWNER, booking({ status: "completed", rated: true }), LATE, SETTINGS), {
			ok: false,
			reason: "invalid_state",
			message: "booking is already rated",
		});
	});

	it("the cases above cover every status for every action", () => {
		const allowedFrom: Record<LifecycleAction, BookingStatus[]> = {
			start: ["confirmed"],
			complete: ["in_progress"],
			cancel: ["confirmed"],
			reschedule: ["confirmed"],
			rate: ["completed"],
		};
		for (const action of ACTIONS) {
			const customerOrOthers = cases.filter(([a, actor]) => a === action && actor.kind !== "admin");
			for (const [, , states] of customerOrOthers) {
				assert.deepEqual(
					[...states, ...allowedFrom[action]].sort(),
					[...BOOKING_STATUSES].sort(),
					`${action} states`,
				);
			}
		}
	});
});

describe("decide: not found for those who cannot see the booking", () => {
	for (const action of ACTIONS) {
		for (const status of BOOKING_STATUSES) {
			it(`${action} on a ${status} booking: another customer and another cleaner get not_found`, () => {
				const expected = { ok: false, reason: "not_found", message: "booking not found" };
				assert.deepEqual(decide(action, OTHER_CUSTOMER, booking({ status }), EARLY, SETTINGS), expected);
				assert.deepEqual(decide(action, OTHER_CLEANER, booking({ status }), EARLY, SETTINGS), expected);
			});
		}
	}
});

describe("decide: forbidden for the wrong role", () => {
	const forbidden = (action: LifecycleAction) => ({
		ok: false,
		reason: "forbidden",
		message: `you may not ${action} this booking`,
	});

	it("the owner may not start or complete a job", () => {
		assert.deepEqual(decide("start", OWNER, booking(), LATE, SETTINGS), forbidden("start"));
		assert.deepEqual(
			decide("complete", OWNER, booking({ status: "in_progress" }), LATE, SETTINGS),
			forbidden("complete"),
		);
	});

	it("the assigned cleaner may not cancel or reschedule", () => {
		assert.deepEqual(decide("cancel", ASSIGNED_CLEANER, booking(), EARLY, SETTINGS), forbidden("cancel"));
		assert.deepEqual(
			decide("reschedule", ASSIGNED_CLEANER, booking(), EARLY, SETTINGS),
			forbidden("reschedule"),
		);
	});

	it("only the customer rates: an admin and the cleaner may not", () => {
		const completed = booking({ status: "completed" });
		assert.deepEqual(decide("rate", ADMIN, completed, LATE, SETTINGS), forbidden("rate"));
		assert.deepEqual(decide("rate", ASSIGNED_CLEANER, completed, LATE, SETTINGS), forbidden("rate"));
	});

	it("the role check comes before the state check (a customer starting a completed job is forbidden)", () => {
		assert.deepEqual(
			decide("start", OWNER, booking({ status: "completed" }), LATE, SETTINGS),
			forbidden("start"),
		);
	});

	it("visibility comes before the role check (another customer starting a job gets not_found)", () => {
		const d = decide("start", OTHER_CUSTOMER, booking(), LATE, SETTINGS);
		assert.equal(d.ok ? "ok" : d.reason, "not_found");
	});
});

describe("decide: exhaustive table", () => {
	it("every (action, actor, status) answers exactly as the rules say", () => {
		const actors: Array<[string, Actor]> = [
			["admin", ADMIN],
			["owner", OWNER],
			["cleaner", ASSIGNED_CLEANER],
		];
		const outcome = (action: LifecycleAction, actor: Actor, status: BookingStatus, now: Date): string => {
			const d = decide(action, actor, booking({ status }), now, SETTINGS);
			if (!d.ok) return d.reason;
			return d.lateCancellation ? `${d.status}+fee${d.cancellationFeeMinor}` : d.status;
		};
		const table: string[] = [];
		for (const action of ACTIONS) {
			for (const [name, actor] of actors) {
				const row = BOOKING_STATUSES.map(
					(s) => `${outcome(action, actor, s, EARLY)}/${outcome(action, actor, s, LATE)}`,
				);
				table.push(`${action} ${name}: ${row.join(" ")}`);
			}
		}
		const I = "invalid_state/invalid_state";
		const F = "forbidden/forbidden";
		assert.deepEqual(table, [
			`start admin: in_progress/in_progress ${I} ${I} ${I}`,
			`start owner: ${F} ${F} ${F} ${F}`,
			`start cleaner: in_progress/in_progress ${I} ${I} ${I}`,
			`complete admin: ${I} completed/completed ${I} ${I}`,
			`complete owner: ${F} ${F} ${F} ${F}`,
			`complete cleaner: ${I} completed/completed ${I} ${I}`,
			`cancel admin: cancelled/cancelled cancelled/cancelled ${I} ${I}`,
			`cancel owner: cancelled/cancelled+fee2500 ${I} ${I} ${I}`,
			`cancel cleaner: ${F} ${F} ${F} ${F}`,
			`reschedule admin: confirmed/confirmed ${I} ${I} ${I}`,
			`reschedule owner: confirmed/too_late ${I} ${I} ${I}`,
			`reschedule cleaner: ${F} ${F} ${F} ${F}`,
			`rate admin: ${F} ${F} ${F} ${F}`,
			`rate owner: ${I} ${I} completed/completed ${I}`,
			`rate cleaner: ${F} ${F} ${F} ${F}`,
		]);
	});
});
