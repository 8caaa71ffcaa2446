/**
 * What other services may know of the cleaner service (`cleaners`): its actions' params and results, the
 * events it broadcasts and the shapes of a cleaner's schedule. The only file of services/cleaner/ that another
 * service imports.
 */

import * as schema from "../../lib/json-schema.ts";
import type { Weekday } from "../../lib/weekdays.ts";
import { WEEKDAYS } from "../../lib/weekdays.ts";

/** A working interval in the platform's time zone, "HH:MM" (00:00 to 23:59). */
export interface WorkingInterval {
	start: string;
	end: string;
}

/** As stored and returned: every day present, intervals sorted. */
export type WeeklyHours = Record<Weekday, WorkingInterval[]>;

export interface TimeOffPeriod {
	id: string;
	/** ISO 8601 UTC. */
	start: string;
	end: string;
	reason: string | null;
}

export interface GeoPoint {
	latitude: number;
	longitude: number;
}

export interface Cleaner {
	id: string;
	/** The OIDC subject of the cleaner's login. */
	subject: string;
	displayName: string;
	email: string | null;
	phone: string | null;
	/** Service type codes of the catalog. */
	skills: string[];
	homeBase: GeoPoint;
	radiusKm: number;
	weeklyHours: WeeklyHours;
	timeOff: TimeOffPeriod[];
	active: boolean;
	rating: { average: number | null; count: number };
	jobsCompleted: number;
	createdAt: string;
	updatedAt: string;
}

/** What any signed-in user may see: no login, contact details, home location or time off (which may say why). */
export type PublicCleaner = Omit<Cleaner, "subject" | "email" | "phone" | "homeBase" | "timeOff">;

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

/** JSON Schemas of the answers above, for the API document and its contract test. */
const WORKING_INTERVAL_SCHEMA = schema.object({ start: schema.string(), end: schema.string() });
const GEO_POINT_SCHEMA = schema.object({ latitude: schema.number(), longitude: schema.number() });
const CLEANER_PROPERTIES = {
	id: schema.uuid,
	subject: schema.string(),
	displayName: schema.string(),
	email: schema.nullable(schema.string()),
	phone: schema.nullable(schema.string()),
	skills: schema.arrayOf(schema.string()),
	homeBase: GEO_POINT_SCHEMA,
	radiusKm: schema.number(),
	weeklyHours: schema.object(
		Object.fromEntries(WEEKDAYS.map((day) => [day, schema.arrayOf(WORKING_INTERVAL_SCHEMA)])),
	),
	timeOff: schema.arrayOf(
		schema.object({
			id: schema.uuid,
			start: schema.instant,
			end: schema.instant,
			reason: schema.nullable(schema.string()),
		}),
	),
	active: schema.boolean,
	rating: schema.object({ average: schema.nullable(schema.number()), count: schema.integer({ minimum: 0 }) }),
	jobsCompleted: schema.integer({ minimum: 0 }),
	createdAt: schema.instant,
	updatedAt: schema.instant,
};
export const CLEANER_SCHEMA = schema.named("Cleaner", schema.object(CLEANER_PROPERTIES));
const { subject, email, phone, homeBase, timeOff, ...publicProperties } = CLEANER_PROPERTIES;
/** `cleaners.get` answers this to anyone but an admin. */
export const PUBLIC_CLEANER_SCHEMA = schema.named("PublicCleaner", schema.object(publicProperties));
export const CLEANER_PAGE_SCHEMA = schema.named("CleanerPage", schema.pageOf(CLEANER_SCHEMA));
export const AGENDA_SCHEMA = schema.named(
	"Agenda",
	schema.object({
		items: schema.arrayOf(
			schema.object({
				bookingId: schema.uuid,
				status: schema.enumOf(["confirmed", "in_progress", "completed", "cancelled"]),
				start: schema.instant,
				end: schema.instant,
				serviceType: schema.string(),
				vehicle: schema.object({ id: schema.uuid, plate: schema.string(), sizeClass: schema.string() }),
				location: { type: "object" },
				notes: schema.nullable(schema.string()),
			}),
		),
	}),
);
