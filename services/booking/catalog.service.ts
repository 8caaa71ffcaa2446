import type { Service } from "moleculer";
import type { Model } from "sequelize";
import { config } from "../../config/index.ts";
// The catalog a fresh embedded platform starts with (prices in euro cents); the demo cleaners have these skills.
import DEMO_CATALOG from "../../demo/catalog.json" with { type: "json" };
import { conflictOnDuplicate } from "../../lib/database.ts";
import { ConflictError, NotFoundError, UnprocessableError } from "../../lib/errors.ts";
import type { RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import { RESERVATION_UNIT_MINUTES } from "../configuration/contract.ts";
import { SIZE_CLASSES } from "../vehicle/contract.ts";
import type { PerSizeClass, ServiceType } from "./contract.ts";
import { SERVICE_TYPES_TABLE } from "./migrations/0001-booking-schema.ts";
import { BOOKING_MIGRATIONS } from "./migrations/index.ts";
import type { ServiceTypeRow } from "./models.ts";

const perSizeClass = (rule: object) => ({
	type: "object",
	strict: true,
	props: Object.fromEntries(SIZE_CLASSES.map((size) => [size, rule])),
});
const durationRule = { type: "number", integer: true, min: RESERVATION_UNIT_MINUTES, max: 12 * 60 };
const priceRule = { type: "number", integer: true, min: 0, max: 10_000_000 };
const fields = {
	name: { type: "string", min: 1, max: 80, trim: true },
	description: { type: "string", max: 500, optional: true, nullable: true },
	currency: {
		type: "string",
		pattern: /^[A-Z]{3}$/,
		messages: { stringPattern: "currency must be an ISO 4217 code" },
	},
	durationsMinutes: perSizeClass(durationRule),
	pricesMinor: perSizeClass(priceRule),
	active: { type: "boolean", optional: true },
};
const optional = (rule: object) => ({ ...rule, optional: true });

function toServiceType(row: ServiceTypeRow): ServiceType {
	const { createdAt: _createdAt, updatedAt, ...serviceType } = row;
	// A row just created lacks a description it was not given: null, as a read shows it.
	return { ...serviceType, description: serviceType.description ?? null, updatedAt: updatedAt.toISOString() };
}

function checkDurations(durations: Partial<PerSizeClass<number>> | undefined): void {
	for (const [size, minutes] of Object.entries(durations ?? {})) {
		if (minutes % RESERVATION_UNIT_MINUTES !== 0) {
			throw new UnprocessableError(
				`durationsMinutes.${size}`,
				`must be a multiple of ${RESERVATION_UNIT_MINUTES}`,
			);
		}
	}
}

type Self = Service & DatabaseService;

/** The service catalog: what can be booked, how long it takes and what it costs per vehicle size class. */
const CatalogService: ServiceDefinition<Self> = {
	name: "catalog",
	mixins: [
		databaseMixin({
			owner: "booking",
			migrations: BOOKING_MIGRATIONS,
			model: SERVICE_TYPES_TABLE,
			seed: () => DEMO_CATALOG.map((item) => ({ ...item, active: true })),
		}),
	],

	actions: {
		list: {
			params: { $$strict: true, includeInactive: { type: "boolean", optional: true, convert: true } },
			cache: { keys: ["includeInactive"], ttl: config.cacheTtlSeconds },
			async handler(
				this: Self,
				ctx: RequestContext<{ includeInactive?: boolean }>,
			): Promise<{ items: ServiceType[] }> {
				const rows = await this.model.findAll({
					where: ctx.params.includeInactive ? {} : { active: true },
					order: [["code", "ASC"]],
				});
				return { items: rows.map((row) => toServiceType(row.get() as ServiceTypeRow)) };
			},
		},

		/** One service type, inactive ones included: for bookings, availability and admins. */
		get: {
			params: { $$strict: true, code: { type: "string", max: 40 } },
			cache: { keys: ["code"], ttl: config.cacheTtlSeconds },
			async handler(this: Self, ctx: RequestContext<{ code: string }>): Promise<ServiceType> {
				const row = await this.model.findByPk(ctx.params.code);
				if (!row) throw new NotFoundError("service type", ctx.params.code);
				return toServiceType(row.get() as ServiceTypeRow);
			},
		},

		create: {
			params: {
				$$strict: true,
				code: {
					type: "string",
					pattern: /^[a-z0-9-]{2,40}$/,
					messages: { stringPattern: "code: a-z, 0-9 and dashes" },
				},
				...fields,
			},
			async handler(this: Self, ctx: RequestContext<Omit<ServiceType, "updatedAt">>): Promise<ServiceType> {
				checkDurations(ctx.params.durationsMinutes);
				const row = await conflictOnDuplicate(
					this.model.create({ ...ctx.params, active: ctx.params.active ?? true }),
					() => new ConflictError("service type exists", "DUPLICATE_CODE", { field: "code" }),
				);
				await this.broker.cacher?.clean("catalog.**");
				ctx.meta.$statusCode = 201;
				return toServiceType(row.get() as ServiceTypeRow);
			},
		},

		update: {
			params: {
				$$strict: true,
				code: { type: "string", max: 40 },
				name: optional(fields.name),
				description: fields.description,
				currency: optional(fields.currency),
				durationsMinutes: optional(fields.durationsMinutes),
				pricesMinor: optional(fields.pricesMinor),
				active: fields.active,
			},
			async handler(
				this: Self,
				ctx: RequestContext<Partial<ServiceType> & { code: string }>,
			): Promise<ServiceType> {
				const row = (await this.model.findByPk(ctx.params.code)) as Model | null;
				if (!row) throw new NotFoundError("service type", ctx.params.code);
				const { code: _code, ...changes } = ctx.params;
				checkDurations(changes.durationsMinutes);
				await row.update(changes);
				await this.broker.cacher?.clean("catalog.**");
				return toServiceType(row.get() as ServiceTypeRow);
			},
		},
	},
};

export default CatalogService;
