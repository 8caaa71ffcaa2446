import * as column from "../../../lib/columns.ts";

/** The vehicles table as this migration creates it; the model reads these columns. */
export const VEHICLES_TABLE = column.table("vehicles", {
	columns: {
		id: column.uuidKey(),
		ownerId: column.text(255),
		plate: column.text(16),
		make: column.text(60),
		model: column.text(60),
		year: column.nullable(column.integer()),
		colour: column.nullable(column.text(30)),
		sizeClass: column.text(10),
		lastCleanedAt: column.nullable(column.instant()),
		cleanings: column.counter(),
		upcomingBookingId: column.nullable(column.uuid()),
		...column.timestamps(),
	},
	indexes: [{ name: "vehicles_owner_plate", fields: ["owner_id", "plate"], unique: true }],
});

export const createVehicles = column.tablesMigration("0001-create-vehicles", [VEHICLES_TABLE]);
