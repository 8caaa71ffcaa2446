import { DateTime } from "luxon";
import type { Service } from "moleculer";
import { col, fn, type Model, type ModelStatic, Op } from "sequelize";
import { UnprocessableError } from "../../lib/errors.ts";
import { TOPICS } from "../../lib/events/contract.ts";
import { ensureMetrics } from "../../lib/metrics.ts";
import { nodeHealth } from "../../lib/ops-endpoint.ts";
import { type RequestContext, requireRole } from "../../lib/request-context.ts";
import { defineMixin } from "../../lib/service-definition.ts";
import type { BusinessSettingsHolder } from "../../mixins/business-settings.mixin.ts";
import type { DatabaseService } from "../../mixins/database.mixin.ts";
import { BOOKING_STATUSES, type BookingStatus, type DayStats, type OutboxStatus } from "./contract.ts";
import { outboxBacklog } from "./outbox.ts";

const BACKLOG_METRICS = { waiting: "outbox_events_waiting", age: "outbox_oldest_event_age_seconds" } as const;
/** How often each booking node measures the backlog for /actuator/prometheus. */
const BACKLOG_SAMPLE_MS = 5_000;

type Self = Service &
	DatabaseService &
	BusinessSettingsHolder & {
		backlogTimer?: NodeJS.Timeout;
		sampleBacklog(): Promise<OutboxStatus["backlog"]>;
	};

const ageSeconds = (since: Date | null, now: number) =>
	since === null ? null : Math.max(0, Math.round((now - since.getTime()) / 1000));

/** Bookings of one day, counted per status, late cancellation and currency. */
interface DayCount {
	status: BookingStatus;
	lateCancellation: boolean | number;
	currency: string;
	count: number | string;
	fees: number | string | null;
}

/** Counts the bookings starting on the day (in the platform's zone) in one grouped query. */
async function countDay(model: ModelStatic<Model>, day: DateTime): Promise<DayCount[]> {
	return (await model.findAll({
		attributes: [
			"status",
			"lateCancellation",
			"currency",
			[fn("COUNT", col("id")), "count"],
			[fn("SUM", col("cancellation_fee_minor")), "fees"],
		],
		where: { startAt: { [Op.gte]: day.toJSDate(), [Op.lt]: day.plus({ days: 1 }).toJSDate() } },
		group: ["status", "lateCancellation", "currency"],
		raw: true,
	})) as unknown as DayCount[];
}

/** The day's figures for ops: every status (0 when none), late cancellations and their fees per currency. */
function summariseDay(date: string, timeZone: string, rows: DayCount[]): DayStats {
	const stats: DayStats = {
		date,
		timeZone,
		byStatus: Object.fromEntries(BOOKING_STATUSES.map((status) => [status, 0])) as DayStats["byStatus"],
		lateCancellations: 0,
		feesMinor: {},
	};
	for (const row of rows) {
		stats.byStatus[row.status] += Number(row.count);
		if (row.status === "cancelled" && row.lateCancellation) {
			stats.lateCancellations += Number(row.count);
			stats.feesMinor[row.currency] = (stats.feesMinor[row.currency] ?? 0) + Number(row.fees ?? 0);
		}
	}
	return stats;
}

/**
 * What ops need from the booking service (the ops REPL's `outbox` and `bookings stats`), and the outbox
 * backlog as gauges. Internal actions: no route of the gateway leads to them, and they want an admin.
 */
export const bookingOperationsMixin = defineMixin<Self>({
	actions: {
		outboxStatus: {
			visibility: "public",
			params: {},
			async handler(this: Self, ctx: RequestContext): Promise<OutboxStatus> {
				requireRole(ctx, "admin");
				const health = await nodeHealth(this.broker);
				const relay = health.components.find((c) => c.component === "outbox-relay") ?? {
					component: "outbox-relay",
					ok: false,
					detail: "not running",
				};
				return { node: this.broker.nodeID, relay, backlog: await this.sampleBacklog() };
			},
		},

		dayStats: {
			visibility: "public",
			params: {
				$$strict: true,
				date: {
					type: "string",
					optional: true,
					pattern: /^\d{4}-\d{2}-\d{2}$/,
					messages: { stringPattern: "date: YYYY-MM-DD" },
				},
			},
			async handler(this: Self, ctx: RequestContext<{ date?: string }>): Promise<DayStats> {
				requireRole(ctx, "admin");
				const { timeZone } = this.businessSettings;
				const day =
					ctx.params.date === undefined
						? DateTime.now().setZone(timeZone).startOf("day")
						: DateTime.fromISO(ctx.params.date, { zone: timeZone });
				if (!day.isValid) throw new UnprocessableError("date", `${ctx.params.date} is not a calendar day`);
				const rows = await countDay(this.model, day);
				return summariseDay(day.toISODate() as string, timeZone, rows);
			},
		},
	},

	methods: {
		async sampleBacklog(this: Self) {
			const now = Date.now();
			const backlog = (await outboxBacklog(this.database(), Object.values(TOPICS))).map((entry) => ({
				topic: entry.topic,
				waiting: entry.waiting,
				oldestAgeSeconds: ageSeconds(entry.oldestCreatedAt, now),
			}));
			for (const { topic, waiting, oldestAgeSeconds } of backlog) {
				this.broker.metrics.set(BACKLOG_METRICS.waiting, waiting, { topic });
				this.broker.metrics.set(BACKLOG_METRICS.age, oldestAgeSeconds ?? 0, { topic });
			}
			return backlog;
		},
	},

	created(this: Self) {
		ensureMetrics(
			this.broker.metrics,
			{
				type: "gauge",
				name: BACKLOG_METRICS.waiting,
				labelNames: ["topic"],
				description: "Domain events written to the outbox and not yet published",
			},
			{
				type: "gauge",
				name: BACKLOG_METRICS.age,
				labelNames: ["topic"],
				unit: "seconds",
				description: "Age of the oldest unpublished outbox event (0 when none waits)",
			},
		);
	},

	started(this: Self) {
		const sample = () =>
			this.sampleBacklog().catch((error: Error) =>
				this.logger.warn(`Outbox backlog not measured: ${error.message}`),
			);
		this.backlogTimer = setInterval(sample, BACKLOG_SAMPLE_MS);
		this.backlogTimer.unref();
		void sample();
	},

	stopped(this: Self) {
		clearInterval(this.backlogTimer);
	},
});
