import * as column from "../../../lib/columns.ts";

/** The cleaners table as this migration creates it; the model reads these columns. */
export const CLEANER_COLUMNS = {
	id: column.uuidKey(),
	...column.personColumns(),
	// Lists read and written with the profile: service type codes, weekday → intervals, time off periods.
	skills: column.json(),
	weeklyHours: column.json(),
	timeOff: column.json(),
	homeLatitude: column.decimal(),
	homeLongitude: column.decimal(),
	radiusKm: column.decimal(),
	active: column.flag(true),
	// The sum and count of ratings: the average is derived, and a new rating is one atomic increment.
	ratingSum: column.counter(),
	ratingCount: column.counter(),
	jobsCompleted: column.counter(),
	...column.timestamps(),
};

export const createCleaners = column.tableMigration("0001-create-cleaners", "cleaners", CLEANER_COLUMNS, [
	{ name: "cleaners_subject", fields: ["subject"], unique: true },
	{ name: "cleaners_active", fields: ["active"] },
]);
