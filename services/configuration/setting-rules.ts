/**
 * The rules of the runtime business settings: each setting's range, the defaults, and the checks a per-field
 * schema cannot express. (The settings' shape is the service's contract.ts.)
 */
import { type BusinessSettings, RESERVATION_UNIT_MINUTES, type SettingKey } from "./contract.ts";

const multipleOfUnit = { type: "number", integer: true, convert: false } as const;

/** fastest-validator rules; also the documentation of each setting's range. */
export const SETTING_RULES = {
	slotGranularityMinutes: { ...multipleOfUnit, min: 5, max: 120 },
	travelBufferMinutes: { ...multipleOfUnit, min: 0, max: 120 },
	cancellationCutoffHours: { type: "number", integer: true, min: 0, max: 168 },
	lateCancellationFeePercent: { type: "number", integer: true, min: 0, max: 100 },
	timeZone: { type: "string", min: 1, max: 64 },
	availabilityCacheTtlSeconds: { type: "number", integer: true, min: 1, max: 3600 },
	reminderLeadHours: { type: "number", integer: true, min: 1, max: 168 },
} as const;

export function defaultSettings(timeZone: string): BusinessSettings {
	return {
		slotGranularityMinutes: 30,
		travelBufferMinutes: 15,
		cancellationCutoffHours: 24,
		lateCancellationFeePercent: 50,
		timeZone,
		availabilityCacheTtlSeconds: 60,
		reminderLeadHours: 24,
	};
}

/** Checks the rules that a per-field schema cannot express; returns the failing field and why, or null. */
export function settingsProblem(
	settings: Partial<BusinessSettings>,
): { field: SettingKey; message: string } | null {
	for (const field of ["slotGranularityMinutes", "travelBufferMinutes"] as const) {
		const value = settings[field];
		if (value !== undefined && value % RESERVATION_UNIT_MINUTES !== 0) {
			return { field, message: `must be a multiple of ${RESERVATION_UNIT_MINUTES}` };
		}
	}
	if (settings.timeZone !== undefined) {
		try {
			new Intl.DateTimeFormat("en", { timeZone: settings.timeZone });
		} catch {
			return { field: "timeZone", message: `unknown IANA time zone "${settings.timeZone}"` };
		}
	}
	return null;
}
