/** The days of a weekly schedule, Monday first (Luxon's `weekday` 1..7 indexes it from 1). */
export const WEEKDAYS = [
	"monday",
	"tuesday",
	"wednesday",
	"thursday",
	"friday",
	"saturday",
	"sunday",
] as const;
export type Weekday = (typeof WEEKDAYS)[number];
