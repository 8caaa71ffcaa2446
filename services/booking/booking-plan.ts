/**
 * What a booking needs from the other services, asked before any transaction so that no lock is held during
 * a remote call: the vehicle, the service type, where the job is and which cleaners are free for it.
 */
import { randomUUID } from "node:crypto";
import { partnerClientId } from "../../lib/auth.ts";
import { ConflictError, UnprocessableError } from "../../lib/errors.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { Address } from "../customer/contract.ts";
import type { Vehicle } from "../vehicle/contract.ts";
import type { Interval } from "./availability-rules.ts";
import { parseStart } from "./booking-rules.ts";
import type { FreeCleaners, FreeCleanersParams, Location, ServiceType } from "./contract.ts";
import { type Actor, actorOf } from "./lifecycle.ts";
import type { BookingRow } from "./models.ts";

export interface CreateParams {
	vehicleId: string;
	serviceType: string;
	start: string;
	location?: Location;
	address?: Location;
	cleanerId?: string;
	notes?: string;
}

export interface BookingPlan {
	id: string;
	customerId: string;
	vehicle: Vehicle;
	service: ServiceType;
	job: Interval;
	location: Location;
	/** The partner booking through its client-credentials token, if any. */
	partnerClientId: string | null;
	/** The cleaners who may take the job, in order of fairness. */
	candidates: string[];
	notes: string | null;
}

/** The cleaners free for the job at the location (`availability.freeCleaners`), least loaded first. */
async function freeCleaners(
	ctx: RequestContext,
	job: Interval,
	serviceType: string,
	location: Location,
	excludeBookingId?: string,
): Promise<string[]> {
	const { cleanerIds } = await ctx.call<FreeCleaners, FreeCleanersParams>("availability.freeCleaners", {
		serviceType,
		durationMinutes: (job.end - job.start) / 60_000,
		start: new Date(job.start).toISOString(),
		latitude: location.latitude,
		longitude: location.longitude,
		...(excludeBookingId ? { excludeBookingId } : {}),
	});
	return cleanerIds;
}

/** Checks the request against the other services and answers what the booking will be, or a 4xx. */
export async function planBooking(ctx: RequestContext<CreateParams>): Promise<BookingPlan> {
	const user = currentUser(ctx);
	const params = ctx.params;
	if (params.location && params.address)
		throw new UnprocessableError("address", "give address or location, not both");
	const start = parseStart(params.start);
	// Side by side: the vehicle, the service type and, when the request names no place, the default address.
	const [vehicle, service, location] = await Promise.all([
		ctx.call<Vehicle, { id: string }>("vehicles.get", { id: params.vehicleId }),
		ctx.call<ServiceType, { code: string }>("catalog.get", { code: params.serviceType }),
		params.address ?? params.location ?? ctx.call<Address | null>("customers.defaultLocation"),
	]);
	if (!service.active) throw new UnprocessableError("serviceType", `${service.code} is not offered`);
	if (!location)
		throw new UnprocessableError("address", "give an address or location, or set a default address");

	const job = { start, end: start + service.durationsMinutes[vehicle.sizeClass] * 60_000 };
	const free = await freeCleaners(ctx, job, service.code, location);
	const candidates = params.cleanerId ? free.filter((id) => id === params.cleanerId) : free;
	if (candidates.length === 0) {
		throw new ConflictError(
			params.cleanerId ? "this cleaner cannot take the job at that time" : "no cleaner is free at that time",
			"SLOT_UNAVAILABLE",
			{ start: params.start },
		);
	}
	return {
		id: randomUUID(),
		customerId: user.id,
		partnerClientId: partnerClientId(user),
		vehicle,
		service,
		job,
		location,
		candidates,
		notes: params.notes ?? null,
	};
}

/** The row of a planned booking, once the cleaner's time is held, as it is written at `now`. */
export function newBookingRow(plan: BookingPlan, cleanerId: string, now: Date): BookingRow {
	const { vehicle, service, job } = plan;
	return {
		id: plan.id,
		customerId: plan.customerId,
		partnerClientId: plan.partnerClientId,
		vehicleId: vehicle.id,
		vehiclePlate: vehicle.plate,
		vehicleSizeClass: vehicle.sizeClass,
		cleanerId,
		serviceType: service.code,
		startAt: new Date(job.start),
		endAt: new Date(job.end),
		priceMinor: service.pricesMinor[vehicle.sizeClass],
		currency: service.currency,
		status: "confirmed",
		location: plan.location,
		notes: plan.notes,
		lateCancellation: false,
		cancellationFeeMinor: null,
		cancelledBy: null,
		ratingScore: null,
		ratingComment: null,
		ratedAt: null,
		version: 1,
		createdAt: now,
		updatedAt: now,
	};
}

/** The same job at a new start: 409 unless its cleaner is free then (the booking's own time not counted). */
export async function planReschedule(ctx: RequestContext, row: BookingRow, start: number): Promise<Interval> {
	const job = { start, end: start + (new Date(row.endAt).getTime() - new Date(row.startAt).getTime()) };
	const free = await freeCleaners(ctx, job, row.serviceType, row.location, row.id);
	if (!free.includes(row.cleanerId)) {
		throw new ConflictError("the cleaner cannot take the job at the new time", "SLOT_UNAVAILABLE");
	}
	return job;
}

/** Cleaners act on bookings through their cleaner profile id, looked up from their token's subject. */
export async function actorFor(ctx: RequestContext): Promise<Actor> {
	const user = currentUser(ctx);
	if (user.roles.includes("admin") || !user.roles.includes("cleaner")) return actorOf(user);
	const profile = await ctx.call<{ id: string }>("cleaners.me");
	return actorOf(user, profile.id);
}
