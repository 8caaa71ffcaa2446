import {
	counter,
	instant,
	integer,
	nullable,
	tableMigration,
	text,
	timestamps,
	uuid,
	uuidKey,
} from "../../../lib/columns.ts";

/** The vehicles table as this migration creates it; the model reads these columns. */
export const VEHICLE_COLUMNS = {
	id: uuidKey(),
	ownerId: text(255),
	plate: text(16),
	make: text(60),
	model: text(60),
	year: nullable(integer()),
	colour: nullable(text(30)),
	sizeClass: text(10),
	lastCleanedAt: nullable(instant()),
	cleanings: counter(),
	upcomingBookingId: nullable(uuid()),
	...timestamps(),
};

export const createVehicles = tableMigration("0001-create-vehicles", "vehicles", VEHICLE_COLUMNS, [
	{ name: "vehicles_owner_plate", fields: ["owner_id", "plate"], unique: true },
]);
