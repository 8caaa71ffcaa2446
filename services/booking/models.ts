import type { Model, ModelStatic, Sequelize } from "sequelize";
import { tableOf } from "../../lib/database.ts";
import type { SizeClass } from "../vehicle/contract.ts";
import type { BookingStatus, Location, ServiceType } from "./contract.ts";
import { BOOKINGS_TABLE, GENERATIONS_TABLE, RESERVED_UNITS_TABLE } from "./migrations/0001-booking-schema.ts";
import { PARTNER_CLIENT_COLUMNS } from "./migrations/0003-partner-client.ts";

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
	partnerClientId: string | null;
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

/** The bookings table with the columns later migrations added. */
export const BOOKING_MODEL = {
	...BOOKINGS_TABLE,
	columns: { ...BOOKINGS_TABLE.columns, ...PARTNER_CLIENT_COLUMNS },
};

export interface BookingTables {
	reservedUnits: ModelStatic<Row<ReservedUnitRow>>;
	generations: ModelStatic<Row<{ day: string; generation: number }>>;
}

/** The booking database's side tables. */
export function bookingTables(sequelize: Sequelize): BookingTables {
	return {
		reservedUnits: tableOf<ReservedUnitRow>(sequelize, RESERVED_UNITS_TABLE),
		generations: tableOf<{ day: string; generation: number }>(sequelize, GENERATIONS_TABLE),
	};
}
