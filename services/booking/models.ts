import type { Model, ModelStatic, Sequelize } from "sequelize";
import {
	counter,
	flag,
	instant,
	instantKey,
	integer,
	json,
	nullable,
	text,
	textKey,
	uuid,
	uuidKey,
} from "../../lib/columns.ts";
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
		code: textKey(40),
		name: text(80),
		description: nullable(text(500)),
		currency: text(3),
		durationsMinutes: json(),
		pricesMinor: json(),
		active: flag(true),
	},
};

export const BOOKING_MODEL = {
	name: "bookings",
	define: {
		id: uuidKey(),
		customerId: text(255),
		vehicleId: uuid(),
		vehiclePlate: text(16),
		vehicleSizeClass: text(10),
		cleanerId: uuid(),
		serviceType: text(40),
		startAt: instant(),
		endAt: instant(),
		priceMinor: integer(),
		currency: text(3),
		status: text(12),
		location: json(),
		notes: nullable(text(500)),
		lateCancellation: flag(false),
		cancellationFeeMinor: nullable(integer()),
		cancelledBy: nullable(text(255)),
		ratingScore: nullable(integer()),
		ratingComment: nullable(text(1000)),
		ratedAt: nullable(instant()),
		version: counter(1),
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
			cleanerId: textKey(36),
			unitStart: instantKey(),
			bookingId: uuid(),
		}),
		generations: tableOf<{ day: string; generation: number }>(sequelize, "availability_generations", {
			day: textKey(10),
			generation: integer(),
		}),
	};
}
