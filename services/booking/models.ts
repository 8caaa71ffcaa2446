import type { Model, ModelStatic, Sequelize } from "sequelize";
import { tableOf } from "../../lib/database.ts";
import type { SizeClass } from "../vehicle/contract.ts";
import type { BookingStatus, Location, ServiceType } from "./contract.ts";
import {
	BOOKING_COLUMNS,
	GENERATION_COLUMNS,
	RESERVED_UNIT_COLUMNS,
	SERVICE_TYPE_COLUMNS,
} from "./migrations/0001-booking-schema.ts";
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

export const SERVICE_TYPE_MODEL = {
	name: "service_types",
	define: SERVICE_TYPE_COLUMNS,
};

export const BOOKING_MODEL = {
	name: "bookings",
	define: { ...BOOKING_COLUMNS, ...PARTNER_CLIENT_COLUMNS },
};

export interface BookingTables {
	reservedUnits: ModelStatic<Row<ReservedUnitRow>>;
	generations: ModelStatic<Row<{ day: string; generation: number }>>;
}

/** The booking database's side tables. */
export function bookingTables(sequelize: Sequelize): BookingTables {
	return {
		reservedUnits: tableOf<ReservedUnitRow>(sequelize, "reserved_units", RESERVED_UNIT_COLUMNS),
		generations: tableOf<{ day: string; generation: number }>(
			sequelize,
			"availability_generations",
			GENERATION_COLUMNS,
		),
	};
}
