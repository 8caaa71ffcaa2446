import { DataTypes, type Model, type ModelStatic, type Sequelize } from "sequelize";
import { tableOf } from "../../lib/database.ts";
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
	generations: ModelStatic<Row<{ day: string; generation: number }>>;
}

/** The booking database's side tables. */
export function bookingTables(sequelize: Sequelize): BookingTables {
	return {
		reservedUnits: tableOf<ReservedUnitRow>(sequelize, "reserved_units", {
			cleanerId: { type: DataTypes.STRING(36), primaryKey: true },
			unitStart: { type: DataTypes.DATE, primaryKey: true },
			bookingId: DataTypes.STRING(36),
		}),
		generations: tableOf<{ day: string; generation: number }>(sequelize, "availability_generations", {
			day: { type: DataTypes.STRING(10), primaryKey: true },
			generation: DataTypes.INTEGER,
		}),
	};
}
