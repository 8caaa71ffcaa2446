import type { MetricRegistry, Service } from "moleculer";
import { ensureMetrics } from "../../lib/metrics.ts";
import type { RequestContext } from "../../lib/request-context.ts";
import { defineMixin } from "../../lib/service-definition.ts";
import type { Booking } from "./contract.ts";

/** Business metrics of the bookings service; every label is bounded (service types, reasons, currencies). */
export const BOOKING_METRICS = {
	created: "bookings_created_total",
	rescheduled: "bookings_rescheduled_total",
	cancelled: "bookings_cancelled_total",
	completed: "bookings_completed_total",
	conflicts: "bookings_conflicts_total",
	revenue: "bookings_revenue_minor_total",
} as const;

function register(metrics: MetricRegistry): void {
	const counter = (name: string, labelNames: string[], description: string) =>
		({ type: "counter", name, labelNames, description }) as const;
	ensureMetrics(
		metrics,
		counter(BOOKING_METRICS.created, ["service_type"], "Bookings made"),
		counter(BOOKING_METRICS.rescheduled, ["service_type"], "Bookings moved to another time"),
		counter(
			BOOKING_METRICS.cancelled,
			["service_type", "late"],
			"Bookings cancelled, late (fee charged) or not",
		),
		counter(BOOKING_METRICS.completed, ["service_type"], "Bookings completed by the cleaner"),
		counter(BOOKING_METRICS.conflicts, ["action", "reason"], "Booking changes refused with 409, by reason"),
		counter(
			BOOKING_METRICS.revenue,
			["currency"],
			"Money earned in minor units: the price of completed bookings plus late cancellation fees",
		),
	);
}

/** An answer replayed for a repeated Idempotency-Key changed nothing: it is not counted again. */
const replayed = (ctx: RequestContext) => ctx.meta.$responseHeaders?.["Idempotent-Replayed"] === "true";

type Self = Service;

/** Counts what the bookings service did, from its actions' results and refusals; no handler knows of it. */
export const bookingMetricsMixin = defineMixin<Self>({
	hooks: {
		after: {
			create(this: Self, ctx: RequestContext, booking: Booking) {
				if (!replayed(ctx))
					this.broker.metrics.increment(BOOKING_METRICS.created, { service_type: booking.serviceType });
				return booking;
			},
			reschedule(this: Self, ctx: RequestContext, booking: Booking) {
				if (!replayed(ctx))
					this.broker.metrics.increment(BOOKING_METRICS.rescheduled, { service_type: booking.serviceType });
				return booking;
			},
			cancel(this: Self, ctx: RequestContext, booking: Booking) {
				if (replayed(ctx)) return booking;
				const late = booking.cancellation?.late === true;
				this.broker.metrics.increment(BOOKING_METRICS.cancelled, {
					service_type: booking.serviceType,
					late: String(late),
				});
				const fee = booking.cancellation?.feeMinor ?? 0;
				if (late && fee > 0)
					this.broker.metrics.increment(BOOKING_METRICS.revenue, { currency: booking.price.currency }, fee);
				return booking;
			},
			complete(this: Self, ctx: RequestContext, booking: Booking) {
				if (replayed(ctx)) return booking;
				this.broker.metrics.increment(BOOKING_METRICS.completed, { service_type: booking.serviceType });
				this.broker.metrics.increment(
					BOOKING_METRICS.revenue,
					{ currency: booking.price.currency },
					booking.price.amountMinor,
				);
				return booking;
			},
		},
		error: {
			"*"(this: Self, ctx: RequestContext, error: Error & { code?: number; type?: string }) {
				if (error.code === 409) {
					this.broker.metrics.increment(BOOKING_METRICS.conflicts, {
						action: (ctx.action as { rawName?: string } | undefined)?.rawName ?? "unknown",
						reason: error.type ?? "UNKNOWN",
					});
				}
				throw error;
			},
		},
	},

	created(this: Self) {
		register(this.broker.metrics);
	},
});

const SEARCHES_METRIC = "availability_searches_total";

/** One availability search, answered from the cache (`hit`) or computed (`miss`). */
export function countSearch(metrics: MetricRegistry, cache: "hit" | "miss"): void {
	ensureMetrics(metrics, {
		type: "counter",
		name: SEARCHES_METRIC,
		labelNames: ["cache"],
		description: "Availability searches by cache outcome",
	});
	metrics.increment(SEARCHES_METRIC, { cache });
}
