import * as column from "../../../lib/columns.ts";

/** The cleaners table as this migration creates it; the model reads these columns. */
export const CLEANERS_TABLE = column.table("cleaners", {
	columns: {
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
	},
	indexes: [
		{ name: "cleaners_subject", fields: ["subject"], unique: true },
		{ name: "cleaners_active", fields: ["active"] },
	],
});

export const createCleaners = column.tablesMigration("0001-create-cleaners", [CLEANERS_TABLE]);
