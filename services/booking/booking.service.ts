import { createHash, randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import { type ModelStatic, Op, type Transaction, type WhereOptions } from "sequelize";
import { config } from "../../config/index.ts";
import type { AuthUser } from "../../lib/auth.ts";
import { conflictOnDuplicate, isDeadlock, isUniqueViolation } from "../../lib/database.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../../lib/errors.ts";
import { eventBus } from "../../lib/events/bus.ts";
import type { OutgoingEvent } from "../../lib/events/contract.ts";
import {
	ADDRESS_PROPS,
	COORDINATE_PROPS,
	ID_PARAMS,
	INSTANT_RULE,
	PAGE_PARAMS,
} from "../../lib/input-rules.ts";
import { reportHealth } from "../../lib/ops-endpoint.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type BusinessSettingsHolder, businessSettingsMixin } from "../../mixins/business-settings.mixin.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import type { Address } from "../customer/contract.ts";
import type { Vehicle } from "../vehicle/contract.ts";
import { isOnReservationGrid } from "./availability-rules.ts";
import { toBooking } from "./booking-view.ts";
import {
	BOOKING_STATUSES,
	type Booking,
	type BookingPage,
	type BookingStatus,
	type FreeCleaners,
	type FreeCleanersParams,
	type Location,
	type ServiceType,
} from "./contract.ts";
import { bookingEvents } from "./events.ts";
import { type Actor, actorOf, canSee, decide, type LifecycleAction } from "./lifecycle.ts";
import { BOOKING_MIGRATIONS } from "./migrations/index.ts";
import { BOOKING_MODEL, type BookingRow, bookingTables, type Row } from "./models.ts";
import { OutboxRelay, writeOutbox } from "./outbox.ts";
import { affectedDays, bumpGenerations, releaseUnits, reserveUnits } from "./reservations.ts";

interface CreateParams {
	vehicleId: string;
	serviceType: string;
	start: string;
	location?: Location;
	address?: Location;
	cleanerId?: string;
	notes?: string;
}

/** How far ahead a customer may book. */
const MAX_DAYS_AHEAD = 180;
/** A deadlocked transaction (MySQL under heavy contention) is retried this many times before answering 409. */
const DEADLOCK_ATTEMPTS = 3;

type Self = Service &
	DatabaseService &
	BusinessSettingsHolder & {
		relay: OutboxRelay;
		unreportRelay: () => void;
		bookings(): ModelStatic<Row<BookingRow>>;
		recordEvents(transaction: Transaction, events: OutgoingEvent[]): Promise<void>;
		actorFor(ctx: RequestContext): Promise<Actor>;
		visibleBooking(ctx: RequestContext, id: string): Promise<{ row: Row<BookingRow>; actor: Actor }>;
		replayed<T>(ctx: RequestContext, operation: string): Promise<T | undefined>;
		claimKey(ctx: RequestContext, operation: string, transaction: Transaction): Promise<void>;
		storeResponse(ctx: RequestContext, response: unknown, transaction: Transaction): Promise<void>;
		idempotent<T>(ctx: RequestContext, operation: string, run: (t: Transaction) => Promise<T>): Promise<T>;
		transact<T>(run: (t: Transaction) => Promise<T>): Promise<T>;
		transition(
			ctx: RequestContext<{ id: string }>,
			action: LifecycleAction,
			before: ((row: Row<BookingRow>) => Promise<void>) | undefined,
			apply: (
				row: Row<BookingRow>,
				t: Transaction,
				decision: { status: BookingStatus },
			) => Promise<Partial<BookingRow>>,
		): Promise<Booking>;
		parseStart(value: string, field: string): number;
	};

function requestHash(operation: string, params: unknown): string {
	return createHash("sha256").update(JSON.stringify({ operation, params })).digest("hex");
}

/**
 * Bookings: creation with a database-enforced guarantee against double booking, idempotent retries, the
 * lifecycle (start, complete, cancel, reschedule, rate) and the lists customers, cleaners and admins need.
 */
const BookingService: ServiceDefinition<Self> = {
	name: "bookings",
	mixins: [
		databaseMixin({ owner: "booking", migrations: BOOKING_MIGRATIONS, model: BOOKING_MODEL }),
		businessSettingsMixin,
	],

	actions: {
		create: {
			params: {
				$$strict: true,
				vehicleId: { type: "uuid" },
				serviceType: { type: "string", min: 1, max: 40 },
				start: INSTANT_RULE,
				location: { type: "object", strict: true, optional: true, props: COORDINATE_PROPS },
				address: { type: "object", strict: true, optional: true, props: ADDRESS_PROPS },
				cleanerId: { type: "uuid", optional: true },
				notes: { type: "string", max: 500, optional: true },
			},
			async handler(this: Self, ctx: RequestContext<CreateParams>): Promise<Booking> {
				const customer = currentUser(ctx);
				ctx.meta.$statusCode = 201;
				const replay = await this.replayed<Booking>(ctx, "bookings.create");
				if (replay) return replay;

				const params = ctx.params;
				if (params.location && params.address)
					throw new UnprocessableError("address", "give address or location, not both");
				const start = this.parseStart(params.start, "start");
				const [vehicle, service] = await Promise.all([
					ctx.call<Vehicle, { id: string }>("vehicles.get", { id: params.vehicleId }),
					ctx.call<ServiceType, { code: string }>("catalog.get", { code: params.serviceType }),
				]);
				if (!service.active) throw new UnprocessableError("serviceType", `${service.code} is not offered`);
				const location =
					params.address ?? params.location ?? (await ctx.call<Address | null>("customers.defaultLocation"));
				if (!location)
					throw new UnprocessableError("address", "give an address or location, or set a default address");

				const durationMinutes = service.durationsMinutes[vehicle.sizeClass];
				const job = { start, end: start + durationMinutes * 60_000 };
				const { cleanerIds: free } = await ctx.call<FreeCleaners, FreeCleanersParams>(
					"availability.freeCleaners",
					{
						serviceType: service.code,
						durationMinutes,
						start: new Date(start).toISOString(),
						latitude: location.latitude,
						longitude: location.longitude,
					},
				);
				const candidates = params.cleanerId ? free.filter((id) => id === params.cleanerId) : free;
				if (candidates.length === 0) {
					throw new ConflictError(
						params.cleanerId
							? "this cleaner cannot take the job at that time"
							: "no cleaner is free at that time",
						"SLOT_UNAVAILABLE",
						{ start: params.start },
					);
				}

				const id = randomUUID();
				const buffer = this.businessSettings.travelBufferMinutes;
				return this.idempotent(ctx, "bookings.create", async (transaction) => {
					// Try the cleaners in order of fairness; a unit already held by a concurrent booking makes the
					// database refuse this cleaner, and the next one is tried inside the same transaction.
					let cleanerId: string | undefined;
					for (const candidate of candidates) {
						try {
							await this.database().transaction({ transaction }, (savepoint) =>
								reserveUnits(this.database(), id, candidate, job, buffer, savepoint),
							);
							cleanerId = candidate;
							break;
						} catch (error) {
							if (!isUniqueViolation(error)) throw error;
						}
					}
					if (!cleanerId) {
						throw new ConflictError("the time was just taken by another booking", "SLOT_TAKEN", {
							start: params.start,
						});
					}
					const row = await this.bookings().create(
						{
							id,
							customerId: customer.id,
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
							location,
							notes: params.notes ?? null,
							lateCancellation: false,
							version: 1,
						},
						{ transaction },
					);
					await bumpGenerations(
						this.database(),
						affectedDays(job, buffer, this.businessSettings.timeZone),
						transaction,
					);
					await this.recordEvents(transaction, bookingEvents("create", row.get() as BookingRow));
					return toBooking(row.get() as BookingRow);
				});
			},
		},

		get: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				const { row } = await this.visibleBooking(ctx, ctx.params.id);
				return toBooking(row.get() as BookingRow);
			},
		},

		list: {
			params: {
				$$strict: true,
				...PAGE_PARAMS,
				status: { type: "enum", values: BOOKING_STATUSES, optional: true },
				cleanerId: { type: "uuid", optional: true },
				customerId: { type: "string", max: 255, optional: true },
				from: { ...INSTANT_RULE, optional: true },
				to: { ...INSTANT_RULE, optional: true },
			},
			async handler(
				this: Self,
				ctx: RequestContext<{
					limit: number;
					offset: number;
					status?: BookingStatus;
					cleanerId?: string;
					customerId?: string;
					from?: string;
					to?: string;
				}>,
			): Promise<BookingPage> {
				const actor = await this.actorFor(ctx);
				const { limit, offset, status, cleanerId, customerId, from, to } = ctx.params;
				const where: WhereOptions<BookingRow> = {
					...(status ? { status } : {}),
					...(from || to
						? {
								startAt: {
									...(from ? { [Op.gte]: new Date(this.parseStart(from, "from")) } : {}),
									...(to ? { [Op.lt]: new Date(this.parseStart(to, "to")) } : {}),
								},
							}
						: {}),
				};
				// Filters by person are for admins; everyone else only ever sees their own bookings.
				if (actor.kind === "admin")
					Object.assign(where, cleanerId ? { cleanerId } : {}, customerId ? { customerId } : {});
				if (actor.kind === "customer") Object.assign(where, { customerId: actor.id });
				if (actor.kind === "cleaner") Object.assign(where, { cleanerId: actor.cleanerId });
				const { rows, count } = await this.bookings().findAndCountAll({
					where,
					order: [["startAt", "ASC"]],
					limit,
					offset,
				});
				return { items: rows.map((row) => toBooking(row.get() as BookingRow)), total: count, limit, offset };
			},
		},

		start: {
			params: { $$strict: true, ...ID_PARAMS },
			handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				return this.transition(ctx, "start", undefined, async () => ({ status: "in_progress" }));
			},
		},

		complete: {
			params: { $$strict: true, ...ID_PARAMS },
			handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				return this.transition(ctx, "complete", undefined, async () => ({ status: "completed" }));
			},
		},

		cancel: {
			params: { $$strict: true, ...ID_PARAMS },
			handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				const user = currentUser(ctx);
				return this.transition(ctx, "cancel", undefined, async (row, transaction) => {
					await releaseUnits(this.database(), row.id, transaction);
					const job = { start: new Date(row.startAt).getTime(), end: new Date(row.endAt).getTime() };
					const { travelBufferMinutes, timeZone } = this.businessSettings;
					await bumpGenerations(
						this.database(),
						affectedDays(job, travelBufferMinutes, timeZone),
						transaction,
					);
					return { status: "cancelled", cancelledBy: user.id };
				});
			},
		},

		reschedule: {
			params: { $$strict: true, ...ID_PARAMS, start: INSTANT_RULE },
			handler(this: Self, ctx: RequestContext<{ id: string; start: string }>): Promise<Booking> {
				const start = this.parseStart(ctx.params.start, "start");
				let job = { start, end: start };
				// Checked before the transaction so that no lock is held during a remote call.
				const cleanerFreeAtNewTime = async (row: Row<BookingRow>) => {
					const duration = new Date(row.endAt).getTime() - new Date(row.startAt).getTime();
					job = { start, end: start + duration };
					const { cleanerIds } = await ctx.call<FreeCleaners, FreeCleanersParams>(
						"availability.freeCleaners",
						{
							serviceType: row.serviceType,
							durationMinutes: duration / 60_000,
							start: new Date(start).toISOString(),
							latitude: row.location.latitude,
							longitude: row.location.longitude,
							excludeBookingId: row.id,
						},
					);
					if (!cleanerIds.includes(row.cleanerId)) {
						throw new ConflictError("the cleaner cannot take the job at the new time", "SLOT_UNAVAILABLE");
					}
				};
				return this.transition(ctx, "reschedule", cleanerFreeAtNewTime, async (row, transaction) => {
					const { travelBufferMinutes, timeZone } = this.businessSettings;
					const oldJob = { start: new Date(row.startAt).getTime(), end: new Date(row.endAt).getTime() };
					// One transaction moves the reservation: no one can ever see the booking holding neither time,
					// and if the new time is taken the old one is still held.
					await releaseUnits(this.database(), row.id, transaction);
					await conflictOnDuplicate(
						this.database().transaction({ transaction }, (savepoint) =>
							reserveUnits(this.database(), row.id, row.cleanerId, job, travelBufferMinutes, savepoint),
						),
						() => new ConflictError("the new time was just taken", "SLOT_TAKEN"),
					);
					const days = [
						...affectedDays(oldJob, travelBufferMinutes, timeZone),
						...affectedDays(job, travelBufferMinutes, timeZone),
					];
					await bumpGenerations(this.database(), [...new Set(days)], transaction);
					return { startAt: new Date(job.start), endAt: new Date(job.end) };
				});
			},
		},

		rate: {
			params: {
				$$strict: true,
				...ID_PARAMS,
				score: { type: "number", integer: true, min: 1, max: 5 },
				comment: { type: "string", max: 1000, optional: true },
			},
			handler(
				this: Self,
				ctx: RequestContext<{ id: string; score: number; comment?: string }>,
			): Promise<Booking> {
				return this.transition(ctx, "rate", undefined, async () => ({
					ratingScore: ctx.params.score,
					ratingComment: ctx.params.comment ?? null,
					ratedAt: new Date(),
				}));
			},
		},
	},

	methods: {
		bookings(this: Self) {
			return this.adapter.model as unknown as ModelStatic<Row<BookingRow>>;
		},

		/** Every booking change writes its domain events in its own transaction (the outbox). */
		async recordEvents(this: Self, transaction: Transaction, events: OutgoingEvent[]) {
			await writeOutbox(this.database(), transaction, events);
			transaction.afterCommit(() => this.relay.nudge());
		},

		parseStart(this: Self, value: string, field: string): number {
			const instant = Date.parse(value);
			if (Number.isNaN(instant)) throw new UnprocessableError(field, "not a valid date-time");
			if (field !== "start") return instant;
			if (!isOnReservationGrid(instant))
				throw new UnprocessableError(field, "must be on a 5-minute boundary");
			if (instant <= Date.now()) throw new UnprocessableError(field, "must be in the future");
			if (instant > Date.now() + MAX_DAYS_AHEAD * 86_400_000) {
				throw new UnprocessableError(field, `at most ${MAX_DAYS_AHEAD} days ahead`);
			}
			return instant;
		},

		/** Cleaners act on bookings through their cleaner profile id, looked up from their token's subject. */
		async actorFor(this: Self, ctx: RequestContext): Promise<Actor> {
			const user: AuthUser = currentUser(ctx);
			if (user.roles.includes("admin") || !user.roles.includes("cleaner")) return actorOf(user);
			const profile = await ctx.call<{ id: string }>("cleaners.me");
			return actorOf(user, profile.id);
		},

		async visibleBooking(this: Self, ctx: RequestContext, id: string) {
			const actor = await this.actorFor(ctx);
			const row = await this.bookings().findByPk(id);
			if (!row || !canSee(actor, { ...(row.get() as BookingRow), rated: row.ratingScore !== null })) {
				throw new NotFoundError("booking", id);
			}
			return { row, actor };
		},

		/**
		 * Applies a lifecycle action: the rules decide, the change is written with an optimistic version check so
		 * that two concurrent actions on one booking cannot both succeed.
		 */
		async transition(this: Self, ctx, action, before, apply) {
			const replay = await this.replayed<Booking>(ctx, `bookings.${action}`);
			if (replay) return replay;
			const { row, actor } = await this.visibleBooking(ctx, ctx.params.id);
			const facts = { ...(row.get() as BookingRow), rated: row.ratingScore !== null };
			const decision = decide(action, actor, facts, new Date(), this.businessSettings);
			if (!decision.ok) {
				if (decision.reason === "forbidden") throw new ForbiddenError(decision.message);
				throw new ConflictError(
					decision.message,
					decision.reason === "too_late" ? "TOO_LATE" : "INVALID_STATE",
					{
						status: row.status,
					},
				);
			}
			await before?.(row);
			return this.idempotent(ctx, `bookings.${action}`, async (transaction) => {
				const changes = {
					status: decision.status,
					...(decision.lateCancellation
						? { lateCancellation: true, cancellationFeeMinor: decision.cancellationFeeMinor }
						: {}),
					...(await apply(row, transaction, decision)),
					version: row.version + 1,
				};
				const [updated] = await this.bookings().update(changes, {
					where: { id: row.id, version: row.version },
					transaction,
				});
				if (updated !== 1) {
					throw new ConflictError("the booking was changed meanwhile; reload it", "CONCURRENT_CHANGE", {
						status: row.status,
					});
				}
				const fresh = (await this.bookings().findByPk(row.id, { transaction }))?.get() as BookingRow;
				await this.recordEvents(transaction, bookingEvents(action, fresh, row.get() as BookingRow));
				return toBooking(fresh);
			});
		},

		/** The stored answer to an earlier request with the same Idempotency-Key, if any. */
		async replayed<T>(this: Self, ctx: RequestContext, operation: string): Promise<T | undefined> {
			const key = ctx.meta.idempotencyKey;
			if (key === undefined) return undefined;
			if (key.length < 1 || key.length > 100 || !/^[\x21-\x7e]+$/.test(key)) {
				throw new UnprocessableError("Idempotency-Key", "1 to 100 visible ASCII characters");
			}
			const stored = await bookingTables(this.database()).idempotencyKeys.findOne({
				where: { ownerId: currentUser(ctx).id, idempotencyKey: key },
			});
			if (!stored) return undefined;
			if (stored.operation !== operation || stored.requestHash !== requestHash(operation, ctx.params)) {
				throw new UnprocessableError(
					"Idempotency-Key",
					"already used for a different request",
					"IDEMPOTENCY_KEY_REUSED",
				);
			}
			ctx.meta.$responseHeaders = { "Idempotent-Replayed": "true" };
			return stored.response as T;
		},

		/** Claims the request's Idempotency-Key first: a concurrent duplicate then waits for this one and replays it. */
		async claimKey(this: Self, ctx: RequestContext, operation: string, transaction: Transaction) {
			const key = ctx.meta.idempotencyKey;
			if (key === undefined) return;
			await bookingTables(this.database()).idempotencyKeys.create(
				{
					ownerId: currentUser(ctx).id,
					idempotencyKey: key,
					operation,
					requestHash: requestHash(operation, ctx.params),
					response: null,
				},
				{ transaction },
			);
		},

		async storeResponse(this: Self, ctx: RequestContext, response: unknown, transaction: Transaction) {
			const key = ctx.meta.idempotencyKey;
			if (key === undefined) return;
			await bookingTables(this.database()).idempotencyKeys.update(
				{ response },
				{ where: { ownerId: currentUser(ctx).id, idempotencyKey: key }, transaction },
			);
		},

		/**
		 * Runs the write and records its response under the request's Idempotency-Key in the same transaction.
		 * If a concurrent request with the same key won, its stored response is returned instead.
		 */
		async idempotent<T>(
			this: Self,
			ctx: RequestContext,
			operation: string,
			run: (t: Transaction) => Promise<T>,
		) {
			try {
				return await this.transact(async (transaction) => {
					await this.claimKey(ctx, operation, transaction);
					const response = await run(transaction);
					await this.storeResponse(ctx, response, transaction);
					return response;
				});
			} catch (error) {
				if (isUniqueViolation(error) && ctx.meta.idempotencyKey !== undefined) {
					const replay = await this.replayed<T>(ctx, operation);
					if (replay) return replay;
				}
				throw error;
			}
		},

		async transact<T>(this: Self, run: (t: Transaction) => Promise<T>): Promise<T> {
			for (let attempt = 1; ; attempt++) {
				try {
					return await this.database().transaction(run);
				} catch (error) {
					if (!isDeadlock(error)) throw error;
					if (attempt >= DEADLOCK_ATTEMPTS)
						throw new ConflictError("too much contention, try again", "CONTENTION");
				}
			}
		},
	},

	started(this: Self) {
		this.relay = new OutboxRelay({
			sequelize: this.database(),
			bus: eventBus(this.logger),
			pollMs: config.events.outboxPollMs,
			retentionMs: config.events.retentionMs,
			logger: this.logger,
			metrics: this.broker.metrics,
		});
		this.relay.start();
		this.unreportRelay = reportHealth(this.broker, "outbox-relay", () => this.relay.health());
	},

	async stopped(this: Self) {
		this.unreportRelay();
		await this.relay.stop();
	},
};

export default BookingService;
