/** Customer profile rules that need no broker or database. */
import { randomUUID } from "node:crypto";
import { UnprocessableError } from "../../lib/errors.ts";
import type { Address } from "./contract.ts";

/** An address as the customer sends it: `id` names one they already have, to keep it; new ones get an id. */
export type AddressInput = Omit<Address, "id" | "label" | "isDefault"> &
	Partial<Pick<Address, "id" | "label" | "isDefault">>;

export const MAX_ADDRESSES = 10;

/** What a deleted customer's profile keeps of its personal data. */
export const DELETED_CUSTOMER_NAME = "Deleted customer";

/** Language, then up to two subtags (script, region, variant): "en", "nl-NL", "zh-Hant-TW". */
const LANGUAGE_TAG_PATTERN = /^[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,2}$/i;

const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
/** Region codes Intl knows that are not countries. */
const NON_COUNTRY_REGIONS = new Set(["EU", "EZ", "QO", "UN", "ZZ"]);

/** A BCP 47 language tag in its canonical form ("nl-nl" → "nl-NL"), or a 422 naming the field. */
export function canonicalLanguage(tag: string, field = "language"): string {
	if (LANGUAGE_TAG_PATTERN.test(tag)) {
		try {
			return Intl.getCanonicalLocales(tag)[0];
		} catch {
			// not a well-formed tag: falls through to the error below
		}
	}
	throw new UnprocessableError(field, `"${tag}" is not a language tag such as "en" or "nl-NL"`);
}

export function isCountryCode(code: string): boolean {
	return /^[A-Z]{2}$/.test(code) && !NON_COUNTRY_REGIONS.has(code) && regionNames.of(code) !== undefined;
}

/**
 * Checks and normalises a customer's address list: known country codes, server-side ids, and exactly one
 * default when the list is not empty (the first address when the client names none).
 */
export function normaliseAddresses(
	input: readonly AddressInput[],
	currentIds: ReadonlySet<string>,
	newId: () => string = randomUUID,
): Address[] {
	if (input.length > MAX_ADDRESSES) {
		throw new UnprocessableError("addresses", `at most ${MAX_ADDRESSES} addresses`);
	}
	const defaults = input.flatMap((address, index) => (address.isDefault ? [index] : []));
	if (defaults.length > 1) {
		throw new UnprocessableError(
			`addresses[${defaults[1]}].isDefault`,
			`only one default address (already addresses[${defaults[0]}])`,
		);
	}
	const defaultIndex = defaults[0] ?? 0;
	return input.map((address, index) => {
		const country = address.country.toUpperCase();
		if (!isCountryCode(country)) {
			throw new UnprocessableError(
				`addresses[${index}].country`,
				`"${address.country}" is not an ISO 3166-1 alpha-2 code`,
			);
		}
		return {
			id: address.id !== undefined && currentIds.has(address.id) ? address.id : newId(),
			label: address.label || null,
			street: address.street,
			postcode: address.postcode,
			city: address.city,
			country,
			latitude: address.latitude,
			longitude: address.longitude,
			isDefault: index === defaultIndex,
		};
	});
}

export function defaultAddress(addresses: readonly Address[]): Address | null {
	return addresses.find((address) => address.isDefault) ?? null;
}
