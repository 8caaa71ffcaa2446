import {
	counter,
	decimal,
	flag,
	json,
	personColumns,
	tableColumns,
	timestamps,
	uuidKey,
} from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";

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

export const createCleaners: Migration = {
	name: "0001-create-cleaners",
	async up(qi) {
		await qi.createTable("cleaners", tableColumns(CLEANER_COLUMNS));
		await qi.addIndex("cleaners", ["subject"], { unique: true, name: "cleaners_subject" });
		await qi.addIndex("cleaners", ["active"], { name: "cleaners_active" });
	},
};
