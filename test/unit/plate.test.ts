import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SIZE_CLASSES } from "../../services/vehicle/contract.ts";
import { normalisePlate, PLATE_PATTERN } from "../../services/vehicle/vehicle-rules.ts";

/** What the vehicle service does: normalise, then test the pattern. */
const accepted = (plate: string): boolean => PLATE_PATTERN.test(normalisePlate(plate));

describe("normalisePlate", () => {
	it('"ab-12 cd" and "AB12CD" are the same plate', () => {
		assert.equal(normalisePlate("ab-12 cd"), "AB12CD");
		assert.equal(normalisePlate("AB12CD"), "AB12CD");
		assert.equal(normalisePlate("ab-12 cd"), normalisePlate("AB12CD"));
	});

	it("removes every run of spaces, tabs, newlines and dashes, wherever it is", () => {
		assert.equal(normalisePlate("  ab -- 12\t-\tcd \n"), "AB12CD");
		assert.equal(normalisePlate("-X-"), "X");
		assert.equal(normalisePlate("1-ABC-234"), "1ABC234");
		assert.equal(normalisePlate("ab\u00a012"), "AB12"); // no-break space
	});

	it("keeps other characters for the pattern to refuse", () => {
		assert.equal(normalisePlate("ab.12_cd"), "AB.12_CD");
		assert.equal(normalisePlate("ab–12"), "AB–12"); // an en dash is not a dash here
	});

	it("is idempotent", () => {
		for (const plate of ["ab-12 cd", "  x ", "GV-123-B"]) {
			assert.equal(normalisePlate(normalisePlate(plate)), normalisePlate(plate));
		}
	});

	it("an input of only separators becomes empty", () => {
		assert.equal(normalisePlate(" - - "), "");
		assert.equal(normalisePlate(""), "");
	});
});

describe("PLATE_PATTERN", () => {
	it("accepts 1 to 12 upper-case letters and digits", () => {
		for (const plate of ["A", "1", "AB12CD", "123456789012", "ABCDEFGHIJKL"]) {
			assert.equal(PLATE_PATTERN.test(plate), true, plate);
		}
	});

	it("refuses empty, too long, lower case, punctuation and non-ASCII letters", () => {
		for (const plate of [
			"",
			"1234567890123",
			"ab12cd",
			"AB-12",
			"AB 12",
			"AB.12",
			"AB_12",
			"ÄB12",
			"AB12\n",
		]) {
			assert.equal(PLATE_PATTERN.test(plate), false, JSON.stringify(plate));
		}
	});

	it("normalised input: dashes and spaces do not count toward the 12 characters", () => {
		assert.equal(accepted("ab-12-cd"), true);
		assert.equal(accepted("1234-5678-9012"), true);
		assert.equal(accepted("1234-5678-9012-3"), false);
		assert.equal(accepted(" - "), false);
		assert.equal(accepted("äb-12"), false);
		assert.equal(accepted("AB/12"), false);
	});
});

describe("SIZE_CLASSES", () => {
	it("lists the four size classes in order", () => {
		assert.deepEqual([...SIZE_CLASSES], ["small", "medium", "large", "van"]);
	});
});
