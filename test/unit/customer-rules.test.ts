import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { E164_PATTERN } from "../../lib/input-rules.ts";
import {
	type AddressInput,
	canonicalLanguage,
	defaultAddress,
	isCountryCode,
	MAX_ADDRESSES,
	normaliseAddresses,
} from "../../services/customer/customer-rules.ts";
import { demoCustomers } from "../../services/customer/seed.ts";
import { assertUnprocessable } from "../support/fixtures.ts";

/** A valid address to vary: where the first demo customer lives, without the label, id and default mark. */
const { street, postcode, city, country, latitude, longitude } = demoCustomers()[0].addresses[0];
const address = (overrides: Partial<AddressInput> = {}): AddressInput => ({
	street,
	postcode,
	city,
	country,
	latitude,
	longitude,
	...overrides,
});

function idsFrom(...ids: string[]) {
	let next = 0;
	return () => ids[next++];
}

describe("canonicalLanguage", () => {
	for (const [tag, canonical] of [
		["en", "en"],
		["nl-nl", "nl-NL"],
		["NL-NL", "nl-NL"],
		["zh-hant-tw", "zh-Hant-TW"],
		["pt-BR", "pt-BR"],
	]) {
		test(`${tag} → ${canonical}`, () => assert.equal(canonicalLanguage(tag), canonical));
	}

	for (const tag of ["english", "e", "x-private", "en_GB", "en-", "", "nl-NL-amsterdam-west"]) {
		test(`refuses ${JSON.stringify(tag)}`, () =>
			assertUnprocessable(() => canonicalLanguage(tag), "language"));
	}
});

describe("E164_PATTERN", () => {
	test("accepts international numbers and refuses local or formatted ones", () => {
		for (const phone of ["+31612345678", "+12025550123", "+447911123456"]) assert.match(phone, E164_PATTERN);
		for (const phone of ["0612345678", "+0612345678", "+31 6 1234 5678", "+1234567890123456", "+"]) {
			assert.doesNotMatch(phone, E164_PATTERN);
		}
	});
});

describe("isCountryCode", () => {
	test("knows ISO 3166-1 alpha-2 countries, upper case only", () => {
		for (const code of ["NL", "BE", "DE", "US"]) assert.equal(isCountryCode(code), true);
		for (const code of ["nl", "XX", "NLD", "EU", "UN", "ZZ", ""])
			assert.equal(isCountryCode(code), false, code);
	});
});

describe("normaliseAddresses", () => {
	test("an empty list stays empty", () => {
		assert.deepEqual(normaliseAddresses([], new Set()), []);
	});

	test("the first address is the default when the client names none", () => {
		const addresses = normaliseAddresses(
			[address(), address({ city: "Utrecht" })],
			new Set(),
			idsFrom("a", "b"),
		);
		assert.deepEqual(
			addresses.map((a) => [a.id, a.isDefault]),
			[
				["a", true],
				["b", false],
			],
		);
	});

	test("the client's default is kept", () => {
		const addresses = normaliseAddresses([address(), address({ isDefault: true })], new Set());
		assert.deepEqual(
			addresses.map((a) => a.isDefault),
			[false, true],
		);
		assert.equal(defaultAddress(addresses), addresses[1]);
	});

	test("two defaults are refused, naming the second", () => {
		assertUnprocessable(
			() =>
				normaliseAddresses(
					[address({ isDefault: true }), address(), address({ isDefault: true })],
					new Set(),
				),
			"addresses[2].isDefault",
		);
	});

	test("country codes are upper-cased and must exist", () => {
		assert.equal(normaliseAddresses([address({ country: "be" })], new Set())[0].country, "BE");
		assertUnprocessable(
			() => normaliseAddresses([address(), address({ country: "XX" })], new Set()),
			"addresses[1].country",
		);
	});

	test("known ids are kept, unknown ones replaced; an empty label is null", () => {
		const addresses = normaliseAddresses(
			[address({ id: "mine", label: "Home" }), address({ id: "someone-elses", label: "" })],
			new Set(["mine"]),
			idsFrom("new"),
		);
		assert.deepEqual(
			addresses.map((a) => [a.id, a.label]),
			[
				["mine", "Home"],
				["new", null],
			],
		);
	});

	test(`at most ${MAX_ADDRESSES} addresses`, () => {
		assertUnprocessable(
			() =>
				normaliseAddresses(
					Array.from({ length: MAX_ADDRESSES + 1 }, () => address()),
					new Set(),
				),
			"addresses",
		);
	});

	test("no default address without addresses", () => {
		assert.equal(defaultAddress([]), null);
	});
});
