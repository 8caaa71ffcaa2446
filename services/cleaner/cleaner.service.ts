import { randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import { col, type Model, Op, where } from "sequelize";
import { config } from "../../config/index.ts";
import { conflictOnDuplicate, findPage, readRows } from "../../lib/database.ts";
import { ConflictError, NotFoundError, UnprocessableError } from "../../lib/errors.ts";
import type { Subscription } from "../../lib/events/bus.ts";
import { consumeForService } from "../../lib/events/consumer.ts";
import { CONSUMER_GROUPS } from "../../lib/events/contract.ts";
import {
	allOptional,
	COORDINATE_PROPS,
	LATITUDE_RULE,
	LONGITUDE_RULE,
	PAGE_PARAMS,
	type Page,
	PHONE_RULE,
	SERVICE_TYPE_CODE_PATTERN,
} from "../../lib/input-rules.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import { type AgendaItem, agendaOf, applyToAgenda } from "./agenda.ts";
import type {
	CandidatesParams,
	Cleaner,
	CleanerCandidate,
	CleanerChanged,
	CleanerContact,
	GeoPoint,
	PublicCleaner,
	TimeOffPeriod,
} from "./contract.ts";
import { CLEANERS_TABLE } from "./migrations/0001-create-cleaners.ts";
import { CLEANER_MIGRATIONS } from "./migrations/index.ts";
import {
	emptyWeeklyHours,
	homeBaseSearchBox,
	isWithinServiceArea,
	MAX_INTERVALS_PER_DAY,
	MAX_RADIUS_KM,
	MAX_TIME_OFF_PERIODS,
	normaliseTimeOff,
	normaliseWeeklyHours,
	parseInstant,
	TIME_OF_DAY_PATTERN,
	TIME_OFF_REASON_MAX_LENGTH,
	type TimeOffInput,
	timeOffWithin,
	WEEKDAYS,
	type WeeklyHoursInput,
} from "./schedule-rules.ts";
import { demoCleanerRows } from "./seed.ts";

interface CleanerRow extends Omit<Cleaner, "homeBase" | "rating" | "createdAt" | "updatedAt"> {
	homeLatitude: number;
	homeLongitude: number;
	ratingSum: number;
	ratingCount: number;
	createdAt: Date;
	updatedAt: Date;
}

/** Fields clients may set (which ones depends on the action); rating, jobs, active and subject are the server's. */
interface EditableFields {
	displayName: string;
	email?: string | null;
	phone?: string | null;
	skills: string[];
	homeBase: GeoPoint;
	radiusKm: number;
	weeklyHours?: WeeklyHoursInput;
	timeOff?: TimeOffInput[];
}

/** A change to a profile: client fields, or the admin's switch. */
type ProfileChanges = Partial<EditableFields> & { active?: boolean };

type CleanerModel = Model & CleanerRow;

const timeOfDay = {
	type: "string",
	pattern: TIME_OF_DAY_PATTERN,
	messages: { stringPattern: "'{field}' must be a time of day HH:MM (00:00 to 23:59)" },
} as const;
const serviceTypeCode = {
	type: "string",
	pattern: SERVICE_TYPE_CODE_PATTERN,
	messages: { stringPattern: "'{field}' must be a service type code (a-z, 0-9 and dashes)" },
} as const;
const instant = { type: "string", min: 1, max: 40 } as const;
/** What an admin gives when creating a cleaner. */
const profileFields = {
	displayName: { type: "string", min: 1, max: 100, trim: true },
	email: { type: "email", max: 254, normalize: true, optional: true, nullable: true },
	phone: PHONE_RULE,
	skills: { type: "array", min: 1, max: 20, unique: true, items: serviceTypeCode },
	homeBase: { type: "object", strict: true, props: COORDINATE_PROPS },
	radiusKm: { type: "number", min: 1, max: MAX_RADIUS_KM },
	weeklyHours: {
		type: "object",
		title: "WeeklyHoursInput",
		strict: true,
		optional: true,
		props: Object.fromEntries(
			WEEKDAYS.map((day) => [
				day,
				{
					type: "array",
					max: MAX_INTERVALS_PER_DAY,
					optional: true,
					items: { type: "object", strict: true, props: { start: timeOfDay, end: timeOfDay } },
				},
			]),
		),
	},
} as const;
const timeOffRule = {
	type: "array",
	max: MAX_TIME_OFF_PERIODS,
	optional: true,
	items: {
		type: "object",
		strict: true,
		props: {
			id: { type: "uuid", optional: true },
			start: instant,
			end: instant,
			reason: { type: "string", max: TIME_OFF_REASON_MAX_LENGTH, trim: true, optional: true, nullable: true },
		},
	},
} as const;
const changeableFields = { ...allOptional(profileFields), timeOff: timeOffRule };
/** Email stays with the admins: it identifies the person behind the login. */
const { email: _email, ...selfServiceFields } = changeableFields;
const uuidParam = { $$strict: true, id: { type: "uuid" } } as const;

/**
 * The key under which `cleaners.get` caches one cleaner: Moleculer's default key generator with `keys: ["id"]`
 * writes "<action>:" and the value, quoting strings (node_modules/moleculer/src/cachers/base.js).
 */
const profileCacheKey = (id: string) => `cleaners.get:"${id}"`;
/** Cached lists any cleaner may appear in (or drop out of). */
const LIST_CACHE_PATTERNS = ["cleaners.find:**", "cleaners.candidates:**"];

/**
 * Cleaners whose skills include the code: it is quoted in the stored JSON array, and its pattern admits no LIKE
 * wildcards. The same condition on SQLite and MySQL.
 */
const skillPattern = (code: string) => `%"${code}"%`;
const withSkill = (code: string) => where(col("skills"), Op.like, skillPattern(code));

function toCleaner(row: CleanerRow): Cleaner {
	const { homeLatitude, homeLongitude, ratingSum, ratingCount, createdAt, updatedAt, ...cleaner } = row;
	// A row just created lacks the contact details it was not given: null, as a read shows them.
	return {
		...cleaner,
		email: cleaner.email ?? null,
		phone: cleaner.phone ?? null,
		homeBase: { latitude: homeLatitude, longitude: homeLongitude },
		rating: {
			average: ratingCount > 0 ? Math.round((ratingSum / ratingCount) * 10) / 10 : null,
			count: ratingCount,
		},
		createdAt: createdAt.toISOString(),
		updatedAt: updatedAt.toISOString(),
	};
}

/** An allowlist, so that a field added to the profile later stays private until someone decides otherwise. */
const PUBLIC_FIELDS = [
	"id",
	"displayName",
	"skills",
	"radiusKm",
	"weeklyHours",
	"active",
	"rating",
	"jobsCompleted",
	"createdAt",
	"updatedAt",
] as const satisfies ReadonlyArray<keyof PublicCleaner>;

function toPublicCleaner(row: CleanerRow): PublicCleaner {
	const cleaner = toCleaner(row);
	return Object.fromEntries(PUBLIC_FIELDS.map((field) => [field, cleaner[field]])) as PublicCleaner;
}

const rowOf = (model: Model) => model.get() as CleanerRow;

/** Validated client fields in stored form; time off periods keep the ids the cleaner already has. */
function storedFields(fields: ProfileChanges, currentTimeOff: readonly TimeOffPeriod[]): Partial<CleanerRow> {
	const { homeBase, weeklyHours, timeOff, ...rest } = fields;
	return {
		...rest,
		...(homeBase ? { homeLatitude: homeBase.latitude, homeLongitude: homeBase.longitude } : {}),
		...(weeklyHours ? { weeklyHours: normaliseWeeklyHours(weeklyHours) } : {}),
		...(timeOff
			? { timeOff: normaliseTimeOff(timeOff, new Set(currentTimeOff.map((period) => period.id))) }
			: {}),
	};
}

/** What `catalog.list` (booking service) answers, as far as skills are concerned. */
interface CatalogList {
	items: Array<{ code: string }>;
}

type Self = Service &
	DatabaseService & {
		consumer: Subscription;
		findCleaner(id: string): Promise<CleanerModel>;
		findOwnProfile(ctx: RequestContext): Promise<CleanerModel>;
		assertKnownSkills(ctx: RequestContext, skills: readonly string[] | undefined): Promise<void>;
		applyChanges(ctx: RequestContext, row: CleanerModel, changes: ProfileChanges): Promise<Cleaner>;
		cleanerChanged(id: string): Promise<void>;
		cleanCache(id: string): Promise<void>;
	};

/** Admin actions that switch a cleaner in or out of availability searches. */
function activation(active: boolean) {
	return {
		params: uuidParam,
		async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Cleaner> {
			return this.applyChanges(ctx, await this.findCleaner(ctx.params.id), { active });
		},
	};
}

/**
 * Cleaners' profiles: skills, service area, weekly working hours and time off; the input of every availability
 * search. Profiles are read far more often than they change, so reads are cached and every change cleans
 * exactly the entries it can affect, on every node.
 */
const CleanerService: ServiceDefinition<Self> = {
	name: "cleaners",
	mixins: [
		databaseMixin({
			owner: "cleaner",
			migrations: CLEANER_MIGRATIONS,
			seed: demoCleanerRows,
			model: CLEANERS_TABLE,
		}),
	],

	actions: {
		create: {
			params: {
				$$strict: true,
				subject: { type: "string", min: 1, max: 255, trim: true },
				...profileFields,
			},
			async handler(this: Self, ctx: RequestContext<{ subject: string } & EditableFields>): Promise<Cleaner> {
				await this.assertKnownSkills(ctx, ctx.params.skills);
				const created = this.model.create({
					weeklyHours: emptyWeeklyHours(),
					...storedFields(ctx.params, []),
					id: randomUUID(),
					timeOff: [],
					active: true,
					ratingSum: 0,
					ratingCount: 0,
					jobsCompleted: 0,
				});
				const row = await conflictOnDuplicate(
					created,
					() =>
						new ConflictError("a cleaner with this subject exists", "DUPLICATE_SUBJECT", {
							field: "subject",
						}),
				);
				await this.cleanerChanged(row.get("id") as string);
				ctx.meta.$statusCode = 201;
				return toCleaner(rowOf(row));
			},
		},

		find: {
			params: {
				$$strict: true,
				active: { type: "boolean", optional: true, convert: true },
				skill: { ...serviceTypeCode, optional: true },
				...PAGE_PARAMS,
			},
			cache: { ttl: config.cacheTtlSeconds },
			async handler(
				this: Self,
				ctx: RequestContext<{ active?: boolean; skill?: string; limit: number; offset: number }>,
			): Promise<Page<Cleaner>> {
				const { active, skill, limit, offset } = ctx.params;
				const { rows, count } = await findPage(this.model, {
					where: {
						...(active !== undefined ? { active } : {}),
						...(skill ? { [Op.and]: [withSkill(skill)] } : {}),
					},
					order: [
						["displayName", "ASC"],
						["id", "ASC"],
					],
					limit,
					offset,
				});
				return { items: rows.map((row) => toCleaner(rowOf(row))), total: count, limit, offset };
			},
		},

		get: {
			params: uuidParam,
			cache: { keys: ["id"], ttl: config.cacheTtlSeconds },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<PublicCleaner> {
				return toPublicCleaner(rowOf(await this.findCleaner(ctx.params.id)));
			},
		},

		update: {
			params: { ...uuidParam, ...changeableFields },
			async handler(
				this: Self,
				ctx: RequestContext<{ id: string } & Partial<EditableFields>>,
			): Promise<Cleaner> {
				const { id, ...changes } = ctx.params;
				return this.applyChanges(ctx, await this.findCleaner(id), changes);
			},
		},

		activate: activation(true),
		deactivate: activation(false),

		me: {
			params: { $$strict: true },
			async handler(this: Self, ctx: RequestContext): Promise<Cleaner> {
				return toCleaner(rowOf(await this.findOwnProfile(ctx)));
			},
		},

		/** The caller's jobs from the read model the booking service's events build (default: the next 8 days). */
		agenda: {
			params: { $$strict: true, from: { ...instant, optional: true }, to: { ...instant, optional: true } },
			async handler(
				this: Self,
				ctx: RequestContext<{ from?: string; to?: string }>,
			): Promise<{ items: AgendaItem[] }> {
				const cleaner = await this.findOwnProfile(ctx);
				const from = ctx.params.from
					? Date.parse(parseInstant(ctx.params.from, "from"))
					: Date.now() - 12 * 3_600_000;
				const to = ctx.params.to ? Date.parse(parseInstant(ctx.params.to, "to")) : from + 8 * 24 * 3_600_000;
				if (to <= from) throw new UnprocessableError("to", "must be after from");
				return { items: await agendaOf(this.database(), cleaner.id, new Date(from), new Date(to)) };
			},
		},

		/** timeOff, when given, replaces the whole list. */
		updateMe: {
			params: { $$strict: true, ...selfServiceFields },
			async handler(this: Self, ctx: RequestContext<Partial<EditableFields>>): Promise<Cleaner> {
				return this.applyChanges(ctx, await this.findOwnProfile(ctx), ctx.params);
			},
		},

		/** Internal (no route): where the notification service writes to a cleaner; null for an unknown id. */
		contact: {
			visibility: "public",
			params: uuidParam,
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<CleanerContact | null> {
				const row = (await this.model.findByPk(ctx.params.id)) as Model | null;
				if (!row) return null;
				const { displayName, email } = rowOf(row);
				return { displayName, email: email ?? null };
			},
		},

		/**
		 * Internal (no route), for the booking service's availability search: active cleaners with the skill whose
		 * service area contains the point, with their time off during [from, to).
		 */
		candidates: {
			visibility: "public",
			params: {
				$$strict: true,
				serviceType: serviceTypeCode,
				latitude: LATITUDE_RULE,
				longitude: LONGITUDE_RULE,
				from: instant,
				to: instant,
			},
			cache: { ttl: config.cacheTtlSeconds },
			async handler(
				this: Self,
				ctx: RequestContext<CandidatesParams>,
			): Promise<{ items: CleanerCandidate[] }> {
				const { serviceType, latitude, longitude } = ctx.params;
				const from = parseInstant(ctx.params.from, "from");
				const to = parseInstant(ctx.params.to, "to");
				if (Date.parse(to) <= Date.parse(from)) throw new UnprocessableError("to", "must be after from");
				const box = homeBaseSearchBox({ latitude, longitude });
				type CandidateRow = Pick<
					CleanerRow,
					"id" | "homeLatitude" | "homeLongitude" | "radiusKm" | "weeklyHours" | "timeOff"
				>;
				const rows = await readRows<CandidateRow>(
					this.database(),
					CLEANERS_TABLE,
					"SELECT id, home_latitude, home_longitude, radius_km, weekly_hours, time_off FROM cleaners " +
						`WHERE active = ? AND home_latitude BETWEEN ? AND ?${box.longitude ? " AND home_longitude BETWEEN ? AND ?" : ""} AND skills LIKE ? ORDER BY id ASC`,
					[
						true,
						box.latitude.min,
						box.latitude.max,
						...(box.longitude ? [box.longitude.min, box.longitude.max] : []),
						skillPattern(serviceType),
					],
				);
				const items = rows
					.filter((row) =>
						isWithinServiceArea({ latitude: row.homeLatitude, longitude: row.homeLongitude }, row.radiusKm, {
							latitude,
							longitude,
						}),
					)
					.map((row) => ({
						id: row.id,
						weeklyHours: row.weeklyHours,
						timeOff: timeOffWithin(row.timeOff, from, to).map(({ id, start, end }) => ({ id, start, end })),
					}));
				return { items };
			},
		},
	},

	events: {
		/** Another node (or this one) changed a cleaner: drop what this node's cacher may hold about it. */
		"cleaners.changed": {
			params: uuidParam,
			async handler(this: Self, ctx: RequestContext<{ id: string }>) {
				await this.cleanCache(ctx.params.id);
			},
		},
	},

	methods: {
		/**
		 * Exact id match: MySQL's case-insensitive collation would also find an upper-case spelling, which
		 * `cleaners.get` would then cache under a key that invalidation never cleans.
		 */
		async findCleaner(this: Self, id: string) {
			const row = (await this.model.findByPk(id)) as CleanerModel | null;
			if (!row || row.id !== id) throw new NotFoundError("cleaner", id);
			return row;
		},

		/** The caller's own cleaner profile, or 404 when an admin has not created one for their login. */
		async findOwnProfile(this: Self, ctx: RequestContext) {
			const subject = currentUser(ctx).id;
			const row = (await this.model.findOne({ where: { subject } })) as CleanerModel | null;
			if (!row) throw new NotFoundError("cleaner profile", subject);
			return row;
		},

		/** Skills must be service types of the catalog (inactive ones included: they may come back). */
		async assertKnownSkills(this: Self, ctx: RequestContext, skills: readonly string[] | undefined) {
			if (!skills || skills.length === 0) return;
			const catalog = await ctx.call<CatalogList, { includeInactive: boolean }>("catalog.list", {
				includeInactive: true,
			});
			const known = new Set(catalog.items.map((serviceType) => serviceType.code));
			const unknown = skills.findIndex((skill) => !known.has(skill));
			if (unknown >= 0) {
				throw new UnprocessableError(
					`skills[${unknown}]`,
					`"${skills[unknown]}" is not a service type of the catalog`,
					"UNKNOWN_SERVICE_TYPE",
				);
			}
		},

		async applyChanges(this: Self, ctx: RequestContext, row: CleanerModel, changes: ProfileChanges) {
			await this.assertKnownSkills(ctx, changes.skills);
			await row.update(storedFields(changes, row.timeOff));
			await this.cleanerChanged(row.id);
			return toCleaner(rowOf(row));
		},

		/**
		 * Cleans this node's cache at once (so the caller's next read is fresh) and tells every node to do the
		 * same: memory cachers are per node. With the shared Redis cacher the repeats find nothing left to clean.
		 * The booking service listens too, for its availability cache.
		 */
		async cleanerChanged(this: Self, id: string) {
			await this.cleanCache(id);
			await this.broker.broadcast("cleaners.changed", { id } satisfies CleanerChanged);
		},

		async cleanCache(this: Self, id: string) {
			try {
				await this.broker.cacher?.clean([profileCacheKey(id), ...LIST_CACHE_PATTERNS]);
			} catch (error) {
				// The change is committed; the entries expire with their TTL.
				this.logger.warn("Could not clean the cleaner cache", { id, error: (error as Error).message });
			}
		},
	},

	async started(this: Self) {
		// After seeding (the database mixin's start): events about the demo cleaners find them.
		this.consumer = consumeForService(
			this,
			CONSUMER_GROUPS.cleaner.group,
			CONSUMER_GROUPS.cleaner.topics,
			async (event, transaction) => {
				if (await applyToAgenda(this.database(), event, transaction)) {
					const { cleanerId } = event.data as { cleanerId: string };
					transaction.afterCommit(() => this.cleanerChanged(cleanerId));
				}
			},
		);
	},

	async stopped(this: Self) {
		await this.consumer.stop();
	},
};

export default CleanerService;
