import type { Service } from "moleculer";
import type { ModelStatic, Transaction } from "sequelize";
import { config } from "../../config/index.ts";
import { findPage, insertRows } from "../../lib/database.ts";
import { ConflictError, DependencyUnavailableError, NotFoundError } from "../../lib/errors.ts";
import { eventBus } from "../../lib/events/bus.ts";
import { TOPICS } from "../../lib/events/contract.ts";
import {
	ADDRESS_PROPS,
	COORDINATE_PROPS,
	ID_PARAMS,
	INSTANT_RULE,
	PAGE_PARAMS,
	type PageParams,
} from "../../lib/input-rules.ts";
import { reportHealth } from "../../lib/ops-endpoint.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type BusinessSettingsHolder, businessSettingsMixin } from "../../mixins/business-settings.mixin.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import { type IdempotentService, idempotencyMixin } from "../../mixins/idempotency.mixin.ts";
import type { Interval } from "./availability-rules.ts";
import {
	actorFor,
	type BookingPlan,
	type CreateParams,
	newBookingRow,
	planBooking,
	planReschedule,
} from "./booking-plan.ts";
import { allowedChange, type ListFilter, listWhere, parseStart } from "./booking-rules.ts";
import { toBooking } from "./booking-view.ts";
import { BOOKING_STATUSES, type Booking, type BookingPage } from "./contract.ts";
import { type BookingChange, bookingEvents } from "./events.ts";
import { type Actor, canSee, type LifecycleAction } from "./lifecycle.ts";
import { bookingMetricsMixin } from "./metrics.ts";
import { BOOKING_MIGRATIONS } from "./migrations/index.ts";
import { BOOKING_MODEL, type BookingRow, type Row } from "./models.ts";
import { bookingOperationsMixin } from "./operations.ts";
import { OutboxRelay, writeOutbox } from "./outbox.ts";
import { jobChanged, moveReservation, releaseReservation, reserveFirstFree } from "./reservations.ts";

/** How a lifecycle action changes the row, besides the status the rules decide. */
interface Change {
	/** Runs before the transaction (remote calls), and may refuse the action. */
	check?: (row: BookingRow) => Promise<void>;
	apply?: (row: BookingRow, transaction: Transaction) => Promise<Partial<BookingRow>>;
}

type Self = Service &
	DatabaseService &
	BusinessSettingsHolder &
	IdempotentService & {
		relay: OutboxRelay;
		unreportRelay: () => void;
		bookings(): ModelStatic<Row<BookingRow>>;
		refuseWritesWhenStopping(): void;
		book(ctx: RequestContext<CreateParams>, plan: BookingPlan): Promise<Booking>;
		publish(
			transaction: Transaction,
			change: BookingChange,
			after: BookingRow,
			before?: BookingRow,
		): Promise<Booking>;
		visibleBooking(ctx: RequestContext, id: string): Promise<{ row: Row<BookingRow>; actor: Actor }>;
		transition(
			ctx: RequestContext<{ id: string }>,
			action: LifecycleAction,
			change?: Change,
		): Promise<Booking>;
	};

/**
 * Bookings: creation with a database-enforced guarantee against double booking, idempotent retries, the
 * lifecycle (start, complete, cancel, reschedule, rate) and the lists customers, cleaners and admins need.
 */
const BookingService: ServiceDefinition<Self> = {
	name: "bookings",
	// Moleculer starts the last mixin first: the ops and metrics mixins start once the database is there.
	mixins: [
		bookingOperationsMixin,
		bookingMetricsMixin,
		databaseMixin({ owner: "booking", migrations: BOOKING_MIGRATIONS, model: BOOKING_MODEL }),
		businessSettingsMixin,
		idempotencyMixin,
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
				ctx.meta.$statusCode = 201;
				return (await this.replayed<Booking>(ctx)) ?? this.book(ctx, await planBooking(ctx));
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
			async handler(this: Self, ctx: RequestContext<PageParams & ListFilter>): Promise<BookingPage> {
				const { limit, offset, ...filter } = ctx.params;
				const { rows, count } = await findPage(this.bookings(), {
					where: listWhere(await actorFor(ctx), filter),
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
				return this.transition(ctx, "start");
			},
		},

		complete: {
			params: { $$strict: true, ...ID_PARAMS },
			handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				return this.transition(ctx, "complete");
			},
		},

		cancel: {
			params: { $$strict: true, ...ID_PARAMS },
			handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Booking> {
				const user = currentUser(ctx);
				return this.transition(ctx, "cancel", {
					apply: async (row, transaction) => {
						await releaseReservation(this.database(), row, this.businessSettings, transaction);
						return { cancelledBy: user.id };
					},
				});
			},
		},

		reschedule: {
			params: { $$strict: true, ...ID_PARAMS, start: INSTANT_RULE },
			handler(this: Self, ctx: RequestContext<{ id: string; start: string }>): Promise<Booking> {
				const start = parseStart(ctx.params.start);
				let job: Interval = { start, end: start };
				return this.transition(ctx, "reschedule", {
					check: async (row) => {
						job = await planReschedule(ctx, row, start);
					},
					apply: async (row, transaction) => {
						await moveReservation(this.database(), row, job, this.businessSettings, transaction);
						return { startAt: new Date(job.start), endAt: new Date(job.end) };
					},
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
				return this.transition(ctx, "rate", {
					apply: async () => ({
						ratingScore: ctx.params.score,
						ratingComment: ctx.params.comment ?? null,
						ratedAt: new Date(),
					}),
				});
			},
		},
	},

	methods: {
		bookings(this: Self) {
			return this.model as unknown as ModelStatic<Row<BookingRow>>;
		},

		/** Reserve the cleaner's time, write the booking, publish its events: one transaction. */
		async book(this: Self, ctx: RequestContext<CreateParams>, plan: BookingPlan) {
			this.refuseWritesWhenStopping();
			const settings = this.businessSettings;
			return this.idempotent(ctx, async (transaction) => {
				const { id, candidates, job } = plan;
				const buffer = settings.travelBufferMinutes;
				const cleanerId = await reserveFirstFree(this.database(), id, candidates, job, buffer, transaction);
				if (!cleanerId) {
					throw new ConflictError("the time was just taken by another booking", "SLOT_TAKEN", {
						start: ctx.params.start,
					});
				}
				const row = newBookingRow(plan, cleanerId, new Date());
				await insertRows(this.database(), BOOKING_MODEL, [row], transaction);
				await jobChanged(this.database(), job, settings, transaction);
				return this.publish(transaction, "create", row);
			});
		},

		/**
		 * A stopping node takes no new writes (503: the client retries, on another node), so that its outbox relay,
		 * stopping last, publishes every change committed here. Writes already under way finish first.
		 */
		refuseWritesWhenStopping(this: Self) {
			if (this.broker.stopping) throw new DependencyUnavailableError("bookings on this node (stopping)");
		},

		/** Writes the change's domain events in its own transaction (the outbox), and answers the booking. */
		async publish(
			this: Self,
			transaction: Transaction,
			change: BookingChange,
			after: BookingRow,
			before?: BookingRow,
		) {
			await writeOutbox(this.database(), transaction, bookingEvents(change, after, before));
			transaction.afterCommit(() => this.relay.nudge());
			return toBooking(after);
		},

		async visibleBooking(this: Self, ctx: RequestContext, id: string) {
			const actor = await actorFor(ctx);
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
		async transition(
			this: Self,
			ctx: RequestContext<{ id: string }>,
			action: LifecycleAction,
			change: Change = {},
		) {
			this.refuseWritesWhenStopping();
			const replay = await this.replayed<Booking>(ctx);
			if (replay) return replay;
			const { row, actor } = await this.visibleBooking(ctx, ctx.params.id);
			const before = row.get() as BookingRow;
			const allowed = allowedChange(action, actor, before, this.businessSettings);
			await change.check?.(before);
			return this.idempotent(ctx, async (transaction) => {
				const changes = {
					...allowed,
					...(await change.apply?.(before, transaction)),
					version: row.version + 1,
				};
				const where = { id: row.id, version: row.version };
				const [updated] = await this.bookings().update(changes, { where, transaction });
				if (updated !== 1) {
					throw new ConflictError("the booking was changed meanwhile; reload it", "CONCURRENT_CHANGE", {
						status: row.status,
					});
				}
				const after = (await this.bookings().findByPk(row.id, { transaction }))?.get() as BookingRow;
				return this.publish(transaction, action, after, before);
			});
		},
	},

	started(this: Self) {
		this.relay = new OutboxRelay({
			sequelize: this.database(),
			bus: eventBus(this.logger),
			topics: Object.values(TOPICS),
			pollMs: config.events.outboxPollMs,
			retentionMs: config.events.retentionMs,
			logger: this.logger,
			metrics: this.broker.metrics,
		});
		this.relay.start();
		this.unreportRelay = reportHealth(this.broker, this.relay.component, () => this.relay.health());
	},

	async stopped(this: Self) {
		this.unreportRelay();
		await this.relay.stop();
	},
};

export default BookingService;
