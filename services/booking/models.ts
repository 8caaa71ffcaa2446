import { DataTypes, type Model, type ModelStatic, type Sequelize } from "sequelize";
import type { SizeClass } from "../vehicle/contract.ts";
import type { BookingStatus, Location, ServiceType } from "./contract.ts";

export interface ServiceTypeRow extends Omit<ServiceType, "updatedAt"> {
	createdAt: Date;
	updatedAt: Date;
}

export interface BookingRow {
	id: string;
	customerId: string;
	vehicleId: string;
	vehiclePlate: string;
	vehicleSizeClass: SizeClass;
	cleanerId: string;
	serviceType: string;
	startAt: Date;
	endAt: Date;
	priceMinor: number;
	currency: string;
	status: BookingStatus;
	location: Location;
	notes: string | null;
	lateCancellation: boolean;
	cancellationFeeMinor: number | null;
	cancelledBy: string | null;
	ratingScore: number | null;
	ratingComment: string | null;
	ratedAt: Date | null;
	version: number;
	createdAt: Date;
	updatedAt: Date;
}

export interface ReservedUnitRow {
	cleanerId: string;
	unitStart: Date;
	bookingId: string;
}

export interface IdempotencyRow {
	ownerId: string;
	idempotencyKey: string;
	operation: string;
	requestHash: string;
	response: unknown;
	createdAt: Date;
}

export type Row<T extends object> = Model<T, Partial<T>> & T;

export const SERVICE_TYPE_MODEL = {
	name: "service_types",
	define: {
		code: { type: DataTypes.STRING(40), primaryKey: true },
		name: DataTypes.STRING(80),
		description: DataTypes.STRING(500),
		currency: DataTypes.STRING(3),
		durationsMinutes: DataTypes.JSON,
		pricesMinor: DataTypes.JSON,
		active: DataTypes.BOOLEAN,
	},
};

export const BOOKING_MODEL = {
	name: "bookings",
	define: {
		id: { type: DataTypes.STRING(36), primaryKey: true },
		customerId: DataTypes.STRING(255),
		vehicleId: DataTypes.STRING(36),
		vehiclePlate: DataTypes.STRING(16),
		vehicleSizeClass: DataTypes.STRING(10),
		cleanerId: DataTypes.STRING(36),
		serviceType: DataTypes.STRING(40),
		startAt: DataTypes.DATE,
		endAt: DataTypes.DATE,
		priceMinor: DataTypes.INTEGER,
		currency: DataTypes.STRING(3),
		status: DataTypes.STRING(12),
		location: DataTypes.JSON,
		notes: DataTypes.STRING(500),
		lateCancellation: DataTypes.BOOLEAN,
		cancellationFeeMinor: DataTypes.INTEGER,
		cancelledBy: DataTypes.STRING(255),
		ratingScore: DataTypes.INTEGER,
		ratingComment: DataTypes.STRING(1000),
		ratedAt: DataTypes.DATE,
		version: DataTypes.INTEGER,
	},
};

export interface BookingTables {
	reservedUnits: ModelStatic<Row<ReservedUnitRow>>;
	idempotencyKeys: ModelStatic<Row<IdempotencyRow>>;
	generations: ModelStatic<Row<{ day: string; generation: number }>>;
}

const tablesBySequelize = new WeakMap<Sequelize, BookingTables>();

/** The booking database's side tables, defined once per connection. */
export function bookingTables(sequelize: Sequelize): BookingTables {
	let tables = tablesBySequelize.get(sequelize);
	if (!tables) {
		const noTimestamps = { timestamps: false };
		tables = {
			reservedUnits: sequelize.define(
				"reserved_units",
				{
					cleanerId: { type: DataTypes.STRING(36), primaryKey: true },
					unitStart: { type: DataTypes.DATE, primaryKey: true },
					bookingId: DataTypes.STRING(36),
				},
				noTimestamps,
			) as ModelStatic<Row<ReservedUnitRow>>,
			idempotencyKeys: sequelize.define(
				"idempotency_keys",
				{
					ownerId: { type: DataTypes.STRING(255), primaryKey: true },
					idempotencyKey: { type: DataTypes.STRING(100), primaryKey: true },
					operation: DataTypes.STRING(40),
					requestHash: DataTypes.STRING(64),
					response: DataTypes.JSON,
					createdAt: DataTypes.DATE,
				},
				{ timestamps: true, updatedAt: false },
			) as ModelStatic<Row<IdempotencyRow>>,
			generations: sequelize.define(
				"availability_generations",
				{ day: { type: DataTypes.STRING(10), primaryKey: true }, generation: DataTypes.INTEGER },
				noTimestamps,
			) as ModelStatic<Row<{ day: string; generation: number }>>,
		};
		tablesBySequelize.set(sequelize, tables);
	}
	return tables;
}
