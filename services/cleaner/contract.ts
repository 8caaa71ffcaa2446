/**
 * What other services may know of the cleaner service (`cleaners`): its actions' params and results, the
 * events it broadcasts and the shapes of a cleaner's schedule. The only file of services/cleaner/ that another
 * service imports.
 */

import * as schema from "../../lib/json-schema.ts";
import { WEEKDAYS } from "../../lib/weekdays.ts";
import { BOOKING_STATUSES } from "../booking/contract.ts";

/** A working interval in the platform's time zone, "HH:MM" (00:00 to 23:59). */
const WORKING_INTERVAL_SCHEMA = schema.object({ start: schema.string(), end: schema.string() });
export type WorkingInterval = schema.Infer<typeof WORKING_INTERVAL_SCHEMA>;

/** As stored and returned: every day present, intervals sorted. */
const WEEKLY_HOURS_SCHEMA = schema.keyed(WEEKDAYS, schema.arrayOf(WORKING_INTERVAL_SCHEMA));
export type WeeklyHours = schema.Infer<typeof WEEKLY_HOURS_SCHEMA>;

const TIME_OFF_PERIOD_SCHEMA = schema.object({
	id: schema.uuid,
	start: schema.instant,
	end: schema.instant,
	reason: schema.nullable(schema.string()),
});
export type TimeOffPeriod = schema.Infer<typeof TIME_OFF_PERIOD_SCHEMA>;

const GEO_POINT_SCHEMA = schema.object({ latitude: schema.number(), longitude: schema.number() });
export type GeoPoint = schema.Infer<typeof GEO_POINT_SCHEMA>;

const CLEANER_PROPERTIES = {
	id: schema.uuid,
	// The OIDC subject of the cleaner's login.
	subject: schema.string(),
	displayName: schema.string(),
	email: schema.nullable(schema.string()),
	phone: schema.nullable(schema.string()),
	// Service type codes of the catalog.
	skills: schema.arrayOf(schema.string()),
	homeBase: GEO_POINT_SCHEMA,
	radiusKm: schema.number(),
	weeklyHours: WEEKLY_HOURS_SCHEMA,
	timeOff: schema.arrayOf(TIME_OFF_PERIOD_SCHEMA),
	active: schema.boolean,
	rating: schema.object({ average: schema.nullable(schema.number()), count: schema.integer({ minimum: 0 }) }),
	jobsCompleted: schema.integer({ minimum: 0 }),
	createdAt: schema.instant,
	updatedAt: schema.instant,
};
export const CLEANER_SCHEMA = schema.named("Cleaner", schema.object(CLEANER_PROPERTIES));
export type Cleaner = schema.Infer<typeof CLEANER_SCHEMA>;

const { subject, email, phone, homeBase, timeOff, ...publicProperties } = CLEANER_PROPERTIES;
/**
 * What any signed-in user may see (`cleaners.get` answers it to anyone but an admin): no login, contact
 * details, home location or time off (which may say why).
 */
export const PUBLIC_CLEANER_SCHEMA = schema.named("PublicCleaner", schema.object(publicProperties));
export type PublicCleaner = schema.Infer<typeof PUBLIC_CLEANER_SCHEMA>;

/** What the availability search needs of a cleaner who can take jobs at the point. */
export interface CleanerCandidate {
	id: string;
	weeklyHours: WeeklyHours;
	timeOff: Array<Omit<TimeOffPeriod, "reason">>;
}

/** Params of the internal `cleaners.candidates` (the availability search). */
export interface CandidatesParams {
	serviceType: string;
	latitude: number;
	longitude: number;
	from: string;
	to: string;
}

/** The answer of the internal `cleaners.contact`: what the notification service needs to write to a cleaner. */
export interface CleanerContact {
	displayName: string;
	email: string | null;
}

/** Payload of `cleaners.changed`, broadcast when a profile, its schedule or agenda changed. */
export interface CleanerChanged {
	id: string;
}

export const CLEANER_PAGE_SCHEMA = schema.named("CleanerPage", schema.pageOf(CLEANER_SCHEMA));
export const AGENDA_SCHEMA = schema.named(
	"Agenda",
	schema.object({
		items: schema.arrayOf(
			schema.object({
				bookingId: schema.uuid,
				status: schema.enumOf(BOOKING_STATUSES),
				start: schema.instant,
				end: schema.instant,
				serviceType: schema.string(),
				vehicle: schema.object({ id: schema.uuid, plate: schema.string(), sizeClass: schema.string() }),
				location: schema.anyObject,
				notes: schema.nullable(schema.string()),
			}),
		),
	}),
);
