/**
 * What other services may know of the configuration service (`configuration`): the runtime business settings
 * every node works with (`configuration.current`, pushed as `configuration.changed`) and the reservation grid.
 * (Start-up settings such as ports and database URLs are config/, not this service.)
 */
import * as schema from "../../lib/json-schema.ts";

export const BUSINESS_SETTINGS_SCHEMA = schema.named(
	"BusinessSettings",
	schema.object({
		// Distance between offered start times.
		slotGranularityMinutes: schema.integer(),
		// Free time a cleaner needs between two jobs to travel.
		travelBufferMinutes: schema.integer(),
		// Customers cancel free of charge until this many hours before the start.
		cancellationCutoffHours: schema.number(),
		// Share of the price charged for a cancellation after the cut-off.
		lateCancellationFeePercent: schema.number(),
		// IANA zone of working hours and of the days searched.
		timeZone: schema.string(),
		availabilityCacheTtlSeconds: schema.integer(),
		// How long before a job its customer gets the reminder e-mail.
		reminderLeadHours: schema.integer(),
	}),
);
export type BusinessSettings = schema.Infer<typeof BUSINESS_SETTINGS_SCHEMA>;
export type SettingKey = keyof BusinessSettings;
const SETTING_KEYS = Object.keys(BUSINESS_SETTINGS_SCHEMA.properties as object) as SettingKey[];

/** The answer of `configuration.list` and `configuration.update`: the settings and who changed what, when. */
export const SETTINGS_VIEW_SCHEMA = schema.named(
	"SettingsView",
	schema.object({
		settings: BUSINESS_SETTINGS_SCHEMA,
		changes: schema.arrayOf(
			schema.object({
				key: schema.enumOf(SETTING_KEYS),
				updatedBy: schema.string(),
				updatedAt: schema.instant,
			}),
		),
	}),
);
export type SettingsView = schema.Infer<typeof SETTINGS_VIEW_SCHEMA>;

/** The reservation grid: every duration, buffer and start time is a multiple of it. */
export const RESERVATION_UNIT_MINUTES = 5;
