import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RESERVATION_UNIT_MINUTES } from "../../services/configuration/contract.ts";
import {
	defaultSettings,
	SETTING_RULES,
	settingsProblem,
} from "../../services/configuration/setting-rules.ts";

describe("defaultSettings", () => {
	it("gives the documented defaults in the given zone", () => {
		assert.deepEqual(defaultSettings("Europe/Amsterdam"), {
			slotGranularityMinutes: 30,
			travelBufferMinutes: 15,
			cancellationCutoffHours: 24,
			lateCancellationFeePercent: 50,
			timeZone: "Europe/Amsterdam",
			availabilityCacheTtlSeconds: 60,
			reminderLeadHours: 24,
		});
	});

	it("the defaults pass the cross-field checks", () => {
		assert.equal(settingsProblem(defaultSettings("Europe/Amsterdam")), null);
	});
});

describe("settingsProblem", () => {
	it("the reservation unit is 5 minutes", () => {
		assert.equal(RESERVATION_UNIT_MINUTES, 5);
	});

	it("an empty change has no problem", () => {
		assert.equal(settingsProblem({}), null);
	});

	it("accepts granularity and buffer that are multiples of the unit (0 included)", () => {
		for (const value of [0, 5, 10, 15, 30, 60, 120]) {
			assert.equal(settingsProblem({ slotGranularityMinutes: value }), null, `granularity ${value}`);
			assert.equal(settingsProblem({ travelBufferMinutes: value }), null, `buffer ${value}`);
		}
	});

	it("refuses a slot granularity off the 5-minute grid, naming the field", () => {
		for (const value of [1, 7, 12, 29, 31, 2.5]) {
			assert.deepEqual(settingsProblem({ slotGranularityMinutes: value }), {
				field: "slotGranularityMinutes",
				message: "must be a multiple of 5",
			});
		}
	});

	it("refuses a travel buffer off the 5-minute grid, naming the field", () => {
		for (const value of [1, 12, 14, 16]) {
			assert.deepEqual(settingsProblem({ travelBufferMinutes: value }), {
				field: "travelBufferMinutes",
				message: "must be a multiple of 5",
			});
		}
	});

	it("refuses NaN (NaN % 5 is not 0)", () => {
		assert.equal(settingsProblem({ travelBufferMinutes: Number.NaN })?.field, "travelBufferMinutes");
	});

	it("reports the granularity first when both are wrong", () => {
		assert.deepEqual(settingsProblem({ slotGranularityMinutes: 7, travelBufferMinutes: 12 }), {
			field: "slotGranularityMinutes",
			message: "must be a multiple of 5",
		});
	});

	it("accepts known IANA zones", () => {
		for (const timeZone of ["Europe/Amsterdam", "UTC", "America/New_York", "Asia/Kathmandu"]) {
			assert.equal(settingsProblem({ timeZone }), null, timeZone);
		}
	});

	it("refuses an unknown zone, quoting it", () => {
		assert.deepEqual(settingsProblem({ timeZone: "Mars/Base" }), {
			field: "timeZone",
			message: 'unknown IANA time zone "Mars/Base"',
		});
		assert.deepEqual(settingsProblem({ timeZone: "Europe/Amsterdam " })?.field, "timeZone");
	});

	it("the grid problems come before the zone problem", () => {
		assert.equal(
			settingsProblem({ travelBufferMinutes: 3, timeZone: "Mars/Base" })?.field,
			"travelBufferMinutes",
		);
	});

	it("fields it does not check pass through", () => {
		assert.equal(
			settingsProblem({
				cancellationCutoffHours: 7,
				lateCancellationFeePercent: 33,
				availabilityCacheTtlSeconds: 1,
			}),
			null,
		);
	});
});

describe("SETTING_RULES", () => {
	it("grid settings are integers without conversion, within their ranges", () => {
		assert.deepEqual(SETTING_RULES.slotGranularityMinutes, {
			type: "number",
			integer: true,
			convert: false,
			min: 5,
			max: 120,
		});
		assert.deepEqual(SETTING_RULES.travelBufferMinutes, {
			type: "number",
			integer: true,
			convert: false,
			min: 0,
			max: 120,
		});
		assert.equal(SETTING_RULES.lateCancellationFeePercent.max, 100);
		assert.equal(SETTING_RULES.cancellationCutoffHours.max, 168);
	});
});
