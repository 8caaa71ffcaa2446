import {
	counter,
	decimal,
	flag,
	json,
	personColumns,
	tableMigration,
	timestamps,
	uuidKey,
} from "../../../lib/columns.ts";

/** The cleaners table as this migration creates it; the model reads these columns. */
export const CLEANER_COLUMNS = {
	id: uuidKey(),
	...personColumns(),
	// Lists read and written with the profile: service type codes, weekday → intervals, time off periods.
	skills: json(),
	weeklyHours: json(),
	timeOff: json(),
	homeLatitude: decimal(),
	homeLongitude: decimal(),
	radiusKm: decimal(),
	active: flag(true),
	// The sum and count of ratings: the average is derived, and a new rating is one atomic increment.
	ratingSum: counter(),
	ratingCount: counter(),
	jobsCompleted: counter(),
	...timestamps(),
};

export const createCleaners = tableMigration("0001-create-cleaners", "cleaners", CLEANER_COLUMNS, [
	{ name: "cleaners_subject", fields: ["subject"], unique: true },
	{ name: "cleaners_active", fields: ["active"] },
]);
