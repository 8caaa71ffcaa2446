/**
 * What other services may know of the configuration service (`configuration`): the runtime business settings
 * every node works with (`configuration.current`, pushed as `configuration.changed`) and the reservation grid.
 * (Start-up settings such as ports and database URLs are config/, not this service.)
 */

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
}

export type SettingKey = keyof BusinessSettings;

/** The answer of `configuration.list` and `configuration.update`: the settings and who changed what, when. */
export interface SettingsView {
	settings: BusinessSettings;
	changes: Array<{ key: SettingKey; updatedBy: string; updatedAt: string }>;
}

/** The reservation grid: every duration, buffer and start time is a multiple of it. */
export const RESERVATION_UNIT_MINUTES = 5;
