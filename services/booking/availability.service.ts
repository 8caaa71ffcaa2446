import { DateTime } from "luxon";
import type { Service } from "moleculer";
import { config } from "../../config/index.ts";
import { UnprocessableError } from "../../lib/errors.ts";
import { COORDINATE_PROPS, LATITUDE_RULE, LONGITUDE_RULE } from "../../lib/input-rules.ts";
import { readThrough } from "../../lib/read-through.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type BusinessSettingsHolder, businessSettingsMixin } from "../../mixins/business-settings.mixin.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import type { CandidatesParams, CleanerCandidate } from "../cleaner/contract.ts";
import type { Address } from "../customer/contract.ts";
import type { SizeClass, Vehicle } from "../vehicle/contract.ts";
import {
	type CleanerDay,
	cleanerCanTake,
	dayBounds,
	freeSlots,
	isValidDay,
	rankByLoad,
	workingIntervals,
} from "./availability-rules.ts";
import type {
	AvailabilityResult,
	FreeCleaners,
	FreeCleanersParams,
	Location,
	ServiceType,
	Slot,
} from "./contract.ts";
import { countSearch } from "./metrics.ts";
import { BOOKING_MIGRATIONS } from "./migrations/index.ts";
import { BOOKING_MODEL } from "./models.ts";
import { busyIntervals, generationOf } from "./reservations.ts";

interface SearchParams {
	serviceType: string;
	vehicleId: string;
	date: string;
	latitude?: number;
	longitude?: number;
}

interface CleanerDayQuery {
	serviceType: string;
	latitude: number;
	longitude: number;
	day: string;
	excludeBookingId?: string;
}

/** Keys of the answers of other services that the search caches on this side (see `readThrough`). */
const VEHICLE_SIZE_KEY = "vehicle-size";
const defaultLocationKey = (subject: string) => `default-location:${subject}`;

type Self = Service &
	DatabaseService &
	BusinessSettingsHolder & {
		searchPlan(
			ctx: RequestContext<SearchParams>,
		): Promise<{ result: AvailabilityResult; location: Location; cacheKey: string }>;
		cleanerDays(
			ctx: RequestContext,
			query: CleanerDayQuery,
			candidates: "cached" | "fresh",
		): Promise<CleanerDay[]>;
		vehicleSizeClass(ctx: RequestContext, vehicleId: string): Promise<SizeClass>;
		defaultLocation(ctx: RequestContext): Promise<Location | null>;
	};

/**
 * Availability search: the free start times of a day for a service, each with the cleaners who can take it.
 * Results are cached (Redis in cluster mode) under the day's generation, which every booking change bumps in
 * its own transaction: a search never serves a slot taken before it began, without scanning the cache.
 */
const AvailabilityService: ServiceDefinition<Self> = {
	name: "availability",
	mixins: [
		databaseMixin({ owner: "booking", migrations: BOOKING_MIGRATIONS, model: BOOKING_MODEL }),
		businessSettingsMixin,
	],

	actions: {
		search: {
			params: {
				$$strict: true,
				serviceType: { type: "string", min: 1, max: 40 },
				vehicleId: { type: "uuid" },
				date: {
					type: "string",
					pattern: /^\d{4}-\d{2}-\d{2}$/,
					messages: { stringPattern: "date must be YYYY-MM-DD" },
				},
				latitude: { ...LATITUDE_RULE, convert: true, optional: true },
				longitude: { ...LONGITUDE_RULE, convert: true, optional: true },
			},
			async handler(this: Self, ctx: RequestContext<SearchParams>): Promise<AvailabilityResult> {
				const { result, location, cacheKey } = await this.searchPlan(ctx);
				const cached = (await this.broker.cacher?.get(cacheKey)) as Slot[] | null | undefined;
				countSearch(this.broker.metrics, cached ? "hit" : "miss");
				if (cached) return { ...result, slots: cached };

				const settings = this.businessSettings;
				const query = { serviceType: result.serviceType, ...location, day: result.date };
				result.slots = freeSlots({
					day: result.date,
					timeZone: settings.timeZone,
					granularityMinutes: settings.slotGranularityMinutes,
					bufferMinutes: settings.travelBufferMinutes,
					durationMinutes: result.durationMinutes,
					cleaners: await this.cleanerDays(ctx, query, "cached"),
					notBefore: Date.now(),
				});
				await this.broker.cacher?.set(cacheKey, result.slots, settings.availabilityCacheTtlSeconds);
				return result;
			},
		},

		/** Internal (bookings): cleaners free for this exact job, least loaded first. Never cached. */
		freeCleaners: {
			visibility: "public",
			params: {
				$$strict: true,
				serviceType: { type: "string", max: 40 },
				durationMinutes: { type: "number", integer: true, positive: true },
				start: { type: "string", max: 40 },
				...COORDINATE_PROPS,
				excludeBookingId: { type: "uuid", optional: true },
			},
			async handler(this: Self, ctx: RequestContext<FreeCleanersParams>): Promise<FreeCleaners> {
				const settings = this.businessSettings;
				const start = Date.parse(ctx.params.start);
				const day = DateTime.fromMillis(start, { zone: settings.timeZone }).toISODate() as string;
				const cleaners = await this.cleanerDays(ctx, { ...ctx.params, day }, "fresh");
				const job = { start, end: start + ctx.params.durationMinutes * 60_000 };
				const free = cleaners.filter((cleaner) =>
					cleanerCanTake(
						cleaner,
						job,
						workingIntervals(day, settings.timeZone, cleaner.weeklyHours),
						settings.travelBufferMinutes,
					),
				);
				const busy = new Map(cleaners.map((c) => [c.id, c.busy]));
				return {
					cleanerIds: rankByLoad(
						free.map((c) => c.id),
						busy,
					),
				};
			},
		},
	},

	events: {
		// Working hours, time off, skills or area changed: any day's cached availability (and the candidates
		// cached for it) may be wrong now.
		async "cleaners.changed"(this: Self) {
			await this.broker.cacher?.clean("availability:**");
		},
		"vehicles.changed": {
			params: { id: { type: "uuid" } },
			async handler(this: Self, ctx: RequestContext<{ id: string }>) {
				await this.broker.cacher?.clean(`${VEHICLE_SIZE_KEY}:${ctx.params.id}:**`);
			},
		},
		"customers.changed": {
			params: { subject: { type: "string", min: 1 } },
			async handler(this: Self, ctx: RequestContext<{ subject: string }>) {
				await this.broker.cacher?.del(defaultLocationKey(ctx.params.subject));
			},
		},
	},

	methods: {
		/**
		 * Everything a search's answer and cache key need, asked at once: the size class and default location are
		 * cached on this side (see vehicleSizeClass), so a cached search crosses no transporter. The cache key
		 * holds the day's generation, which every booking change bumps.
		 */
		async searchPlan(this: Self, ctx: RequestContext<SearchParams>) {
			const settings = this.businessSettings;
			const { serviceType, date, latitude, longitude } = ctx.params;
			if (!isValidDay(date, settings.timeZone)) throw new UnprocessableError("date", "not a calendar day");
			if ((latitude === undefined) !== (longitude === undefined)) {
				throw new UnprocessableError("latitude", "give latitude and longitude together");
			}
			const [sizeClass, service, location, generation] = await Promise.all([
				this.vehicleSizeClass(ctx, ctx.params.vehicleId),
				ctx.call<ServiceType, { code: string }>("catalog.get", { code: serviceType }),
				latitude !== undefined && longitude !== undefined
					? { latitude, longitude }
					: this.defaultLocation(ctx),
				generationOf(this.database(), date),
			]);
			if (!service.active) throw new UnprocessableError("serviceType", `${serviceType} is not offered`);
			if (!location) {
				throw new UnprocessableError("latitude", "give latitude and longitude, or set a default address");
			}
			const durationMinutes = service.durationsMinutes[sizeClass];
			const { slotGranularityMinutes, travelBufferMinutes, timeZone } = settings;
			const cacheKey = [
				...["availability", date, `g${generation}`, serviceType, durationMinutes],
				...[slotGranularityMinutes, travelBufferMinutes, timeZone],
				...[location.latitude.toFixed(4), location.longitude.toFixed(4)],
			].join(":");
			const price = { amountMinor: service.pricesMinor[sizeClass], currency: service.currency };
			const result: AvailabilityResult = {
				date,
				timeZone,
				serviceType,
				sizeClass,
				durationMinutes,
				price,
				slots: [],
			};
			return { result, location, cacheKey };
		},

		/**
		 * The vehicle's size class as the vehicle service answers it to this caller (ownership is checked there),
		 * cached per vehicle and caller until the vehicle service broadcasts `vehicles.changed`. Only the search
		 * uses it: a booking reads the vehicle afresh, so its price and duration are never stale.
		 */
		async vehicleSizeClass(this: Self, ctx: RequestContext, vehicleId: string): Promise<SizeClass> {
			const key = `${VEHICLE_SIZE_KEY}:${vehicleId}:${currentUser(ctx).id}`;
			return readThrough(this.broker.cacher, key, config.cacheTtlSeconds, async () => {
				const vehicle = await ctx.call<Vehicle, { id: string }>("vehicles.get", { id: vehicleId });
				return vehicle.sizeClass;
			});
		},

		/** The caller's default address, cached until the customer service broadcasts `customers.changed`. */
		async defaultLocation(this: Self, ctx: RequestContext): Promise<Location | null> {
			const key = defaultLocationKey(currentUser(ctx).id);
			return readThrough(this.broker.cacher, key, config.cacheTtlSeconds, () =>
				ctx.call<Address | null>("customers.defaultLocation"),
			);
		},

		/**
		 * The cleaner service's candidates and one query for their booked jobs around the day. A search may take
		 * the candidates cached on this side (cleaned on `cleaners.changed`, like the search results): 200 profiles
		 * cost a noticeable transporter hop even when the cleaner node has them cached. Bookings ask afresh.
		 */
		async cleanerDays(
			this: Self,
			ctx: RequestContext,
			query: CleanerDayQuery,
			candidates: "cached" | "fresh",
		): Promise<CleanerDay[]> {
			const settings = this.businessSettings;
			const bounds = dayBounds(query.day, settings.timeZone);
			const params: CandidatesParams = {
				serviceType: query.serviceType,
				latitude: query.latitude,
				longitude: query.longitude,
				from: new Date(bounds.start).toISOString(),
				to: new Date(bounds.end).toISOString(),
			};
			const load = () =>
				ctx.call<{ items: CleanerCandidate[] }, CandidatesParams>("cleaners.candidates", params);
			const { items } =
				candidates === "fresh"
					? await load()
					: await readThrough(
							this.broker.cacher,
							`availability:candidates:${Object.values(params).join(":")}`,
							settings.availabilityCacheTtlSeconds,
							load,
						);
			const margin = 24 * 3_600_000;
			const busy = await busyIntervals(
				this.database(),
				items.map((c) => c.id),
				{ start: bounds.start - margin, end: bounds.end + margin },
				query.excludeBookingId,
			);
			return items.map((c) => ({
				id: c.id,
				weeklyHours: c.weeklyHours,
				timeOff: c.timeOff,
				busy: busy.get(c.id) ?? [],
			}));
		},
	},
};

export default AvailabilityService;
