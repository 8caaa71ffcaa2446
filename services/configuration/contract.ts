/**
 * What other services may know of the configuration service (`configuration`): the runtime business settings
 * every node works with (`configuration.current`, pushed as `configuration.changed`) and the reservation grid.
 * (Start-up settings such as ports and database URLs are config/, not this service.)
 */
import * as schema from "../../lib/json-schema.ts";

export interface BusinessSettings {
	/** Distance between offered start times. */
	slotGranularityMinutes: number;
	/** Free time a cleaner needs between two jobs to travel. */
	travelBufferMinutes: number;
	/** Customers cancel free of charge until this many hours before the start. */
	cancellationCutoffHours: number;
	/** Share of the price charged for a cancellation after the cut-off. */
	lateCancellationFeePercent: number;
	/** IANA zone of working hours and of the days searched. */
	timeZone: string;
	availabilityCacheTtlSeconds: number;
	/** How long before a job its customer gets the reminder e-mail. */
	reminderLeadHours: number;
}

export type SettingKey = keyof BusinessSettings;

/** The answer of `configuration.list` and `configuration.update`: the settings and who changed what, when. */
export interface SettingsView {
	settings: BusinessSettings;
	changes: Array<{ key: SettingKey; updatedBy: string; updatedAt: string }>;
}

/** The reservation grid: every duration, buffer and start time is a multiple of it. */
export const RESERVATION_UNIT_MINUTES = 5;

/** JSON Schemas of the answers above, for the API document and its contract test. */
export const BUSINESS_SETTINGS_SCHEMA = schema.named(
	"BusinessSettings",
	schema.object({
		slotGranularityMinutes: schema.integer(),
		travelBufferMinutes: schema.integer(),
		cancellationCutoffHours: schema.number(),
		lateCancellationFeePercent: schema.number(),
		timeZone: schema.string(),
		availabilityCacheTtlSeconds: schema.integer(),
		reminderLeadHours: schema.integer(),
	}),
);
export const SETTINGS_VIEW_SCHEMA = schema.named(
	"SettingsView",
	schema.object({
		settings: BUSINESS_SETTINGS_SCHEMA,
		changes: schema.arrayOf(
			schema.object({
				key: schema.enumOf(Object.keys(BUSINESS_SETTINGS_SCHEMA.properties as object)),
				updatedBy: schema.string(),
				updatedAt: schema.instant,
			}),
		),
	}),
);
