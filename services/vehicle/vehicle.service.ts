import { randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import type { Model } from "sequelize";
import { conflictOnDuplicate, readPage, readRows } from "../../lib/database.ts";
import { ConflictError, NotFoundError, UnprocessableError } from "../../lib/errors.ts";
import type { Subscription } from "../../lib/events/bus.ts";
import { consumeForService } from "../../lib/events/consumer.ts";
import { CONSUMER_GROUPS } from "../../lib/events/contract.ts";
import { ID_PARAMS, PAGE_PARAMS, type Page } from "../../lib/input-rules.ts";
import { currentUser, isAdmin, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import { SIZE_CLASSES, type Vehicle, type VehicleChanged } from "./contract.ts";
import { applyToHistory } from "./history.ts";
import { VEHICLES_TABLE } from "./migrations/0001-create-vehicles.ts";
import { VEHICLE_MIGRATIONS } from "./migrations/index.ts";
import { normalisePlate, PLATE_PATTERN } from "./vehicle-rules.ts";

interface VehicleRow extends Omit<Vehicle, "history" | "createdAt" | "updatedAt"> {
	lastCleanedAt: Date | null;
	cleanings: number;
	upcomingBookingId: string | null;
	createdAt: Date;
	updatedAt: Date;
}

type VehicleFields = Pick<Vehicle, "plate" | "make" | "model" | "year" | "colour" | "sizeClass">;

const currentYear = new Date().getUTCFullYear();
const editableFields = {
	plate: { type: "string", min: 1, max: 16, trim: true },
	make: { type: "string", min: 1, max: 60, trim: true },
	model: { type: "string", min: 1, max: 60, trim: true },
	year: { type: "number", integer: true, min: 1950, max: currentYear + 1, optional: true, nullable: true },
	colour: { type: "string", min: 1, max: 30, trim: true, optional: true, nullable: true },
	sizeClass: { type: "enum", values: SIZE_CLASSES },
} as const;
const optional = <T extends object>(rule: T) => ({ ...rule, optional: true });

function toVehicle(row: VehicleRow): Vehicle {
	const { lastCleanedAt, cleanings, upcomingBookingId, createdAt, updatedAt, ...vehicle } = row;
	// A row just created lacks the nullable columns it was not given: they are null, as a read shows them.
	return {
		...vehicle,
		year: vehicle.year ?? null,
		colour: vehicle.colour ?? null,
		history: {
			lastCleanedAt: lastCleanedAt?.toISOString() ?? null,
			cleanings,
			upcomingBookingId: upcomingBookingId ?? null,
		},
		createdAt: createdAt.toISOString(),
		updatedAt: updatedAt.toISOString(),
	};
}

function validPlate(plate: string): string {
	const normalised = normalisePlate(plate);
	if (!PLATE_PATTERN.test(normalised)) {
		throw new UnprocessableError("plate", "must be 1 to 12 letters or digits");
	}
	return normalised;
}

/** The vehicle if the caller owns it (or is an admin); another owner's vehicle is "not found". */
function visibleTo<T extends Pick<VehicleRow, "ownerId">>(
	ctx: RequestContext,
	row: T | null | undefined,
	id: string,
): T {
	const user = currentUser(ctx);
	if (!row || (!isAdmin(user) && row.ownerId !== user.id)) throw new NotFoundError("vehicle", id);
	return row;
}

const duplicatePlate = () =>
	new ConflictError("you already have a vehicle with this plate", "DUPLICATE_PLATE", { field: "plate" });

type Self = Service &
	DatabaseService & {
		consumer: Subscription;
		findOwned(ctx: RequestContext, id: string): Promise<Model & VehicleRow>;
	};

/** Customers' vehicles: plate, size class (drives booking price and duration) and cleaning history. */
const VehicleService: ServiceDefinition<Self> = {
	name: "vehicles",
	mixins: [databaseMixin({ owner: "vehicle", migrations: VEHICLE_MIGRATIONS, model: VEHICLES_TABLE })],

	actions: {
		create: {
			params: { $$strict: true, ...editableFields },
			async handler(this: Self, ctx: RequestContext<VehicleFields>): Promise<Vehicle> {
				const owner = currentUser(ctx);
				const created = this.model.create({
					...ctx.params,
					id: randomUUID(),
					ownerId: owner.id,
					plate: validPlate(ctx.params.plate),
					cleanings: 0,
				});
				const row = await conflictOnDuplicate(created, duplicatePlate);
				ctx.meta.$statusCode = 201;
				return toVehicle(row.get() as VehicleRow);
			},
		},

		list: {
			params: {
				$$strict: true,
				...PAGE_PARAMS,
				ownerId: { type: "string", max: 255, optional: true },
			},
			async handler(
				this: Self,
				ctx: RequestContext<{ limit: number; offset: number; ownerId?: string }>,
			): Promise<Page<Vehicle>> {
				const user = currentUser(ctx);
				// Only admins may look at someone else's vehicles; for everyone else the owner is the caller.
				const owner = isAdmin(user) ? ctx.params.ownerId || undefined : user.id;
				const { rows, count } = await readPage<VehicleRow>(this.database(), VEHICLES_TABLE, {
					where: owner === undefined ? "" : "owner_id = ?",
					values: owner === undefined ? [] : [owner],
					orderBy: "created_at ASC",
					limit: ctx.params.limit,
					offset: ctx.params.offset,
				});
				return {
					items: rows.map(toVehicle),
					total: count,
					limit: ctx.params.limit,
					offset: ctx.params.offset,
				};
			},
		},

		get: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Vehicle> {
				const [row] = await readRows<VehicleRow>(
					this.database(),
					VEHICLES_TABLE,
					"SELECT * FROM vehicles WHERE id = ?",
					[ctx.params.id],
				);
				return toVehicle(visibleTo(ctx, row, ctx.params.id));
			},
		},

		update: {
			params: {
				$$strict: true,
				...ID_PARAMS,
				plate: optional(editableFields.plate),
				make: optional(editableFields.make),
				model: optional(editableFields.model),
				year: editableFields.year,
				colour: editableFields.colour,
				sizeClass: optional(editableFields.sizeClass),
			},
			async handler(
				this: Self,
				ctx: RequestContext<{ id: string } & Partial<VehicleFields>>,
			): Promise<Vehicle> {
				const row = await this.findOwned(ctx, ctx.params.id);
				const { id: _id, ...changes } = ctx.params;
				if (changes.plate !== undefined) changes.plate = validPlate(changes.plate);
				await conflictOnDuplicate(row.update(changes), duplicatePlate);
				await this.broker.broadcast("vehicles.changed", { id: row.id } satisfies VehicleChanged);
				return toVehicle(row.get() as VehicleRow);
			},
		},

		remove: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<{ id: string; removed: true }> {
				const row = await this.findOwned(ctx, ctx.params.id);
				await row.destroy();
				await this.broker.broadcast("vehicles.changed", { id: ctx.params.id } satisfies VehicleChanged);
				return { id: ctx.params.id, removed: true };
			},
		},
	},

	methods: {
		/** The vehicle's model, to change it: `visibleTo` the caller. */
		async findOwned(this: Self, ctx: RequestContext, id: string) {
			return visibleTo(ctx, (await this.model.findByPk(id)) as (Model & VehicleRow) | null, id);
		},
	},

	/** The cleaning history is a read model of booking-events. */
	started(this: Self) {
		this.consumer = consumeForService(
			this,
			CONSUMER_GROUPS.vehicle.group,
			CONSUMER_GROUPS.vehicle.topics,
			(event, transaction) => applyToHistory(this.database(), event, transaction),
		);
	},

	async stopped(this: Self) {
		await this.consumer.stop();
	},
};

export default VehicleService;
