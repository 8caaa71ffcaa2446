/**
 * The input rules every service shares, written once: fastest-validator rules (which also document the
 * API) for ids, paging, coordinates, addresses, instants, codes and phone numbers, and the page every list
 * answers.
 */

/** `{ id }` of the resource an action works on. */
export const ID_PARAMS = { id: { type: "uuid" } } as const;

/** `limit` and `offset` of every list, with the defaults a client that gives neither gets. */
export const PAGE_PARAMS = {
	limit: { type: "number", integer: true, min: 1, max: 100, default: 20, convert: true },
	offset: { type: "number", integer: true, min: 0, max: 100_000, default: 0, convert: true },
} as const;

/** What every list answers: one page of items, and how many there are in all. */
export interface Page<T> {
	items: T[];
	total: number;
	limit: number;
	offset: number;
}

export interface PageParams {
	limit: number;
	offset: number;
}

export const LATITUDE_RULE = { type: "number", min: -90, max: 90 } as const;
export const LONGITUDE_RULE = { type: "number", min: -180, max: 180 } as const;
/** A point on the map, as every service takes it. */
export const COORDINATE_PROPS = { latitude: LATITUDE_RULE, longitude: LONGITUDE_RULE } as const;

/** A postal address with its position: a customer's saved address, or where a booking's vehicle is. */
export const ADDRESS_PROPS = {
	label: { type: "string", max: 60, trim: true, optional: true, nullable: true },
	street: { type: "string", min: 1, max: 120, trim: true },
	postcode: { type: "string", min: 1, max: 16, trim: true },
	city: { type: "string", min: 1, max: 80, trim: true },
	country: {
		type: "string",
		uppercase: true,
		pattern: /^[A-Z]{2}$/,
		messages: { stringPattern: "country: ISO 3166 alpha-2 code" },
	},
	...COORDINATE_PROPS,
} as const;

/** An ISO 8601 date-time with an offset, as the booking API takes start times and ranges. */
export const INSTANT_RULE = {
	type: "string",
	max: 40,
	pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/,
	messages: {
		stringPattern: "'{field}' must be an ISO 8601 date-time with an offset, e.g. 2026-12-01T09:00:00Z",
	},
} as const;

/** Service type codes, as the catalog defines them. */
export const SERVICE_TYPE_CODE_PATTERN = /^[a-z0-9-]{2,40}$/;

/** E.164: "+", country code, subscriber number; 15 digits at most. */
export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/** Contact phone numbers of customers and cleaners. */
export const PHONE_RULE = {
	type: "string",
	pattern: E164_PATTERN,
	optional: true,
	nullable: true,
	messages: { stringPattern: "phone must be in E.164 format, e.g. +31612345678" },
} as const;

/** The same rules with every field optional, for partial updates. */
export function allOptional<T extends Record<string, object>>(
	rules: T,
): { [K in keyof T]: T[K] & { optional: true } } {
	const entries = Object.entries(rules).map(([name, rule]) => [name, { ...rule, optional: true }]);
	return Object.fromEntries(entries);
}
