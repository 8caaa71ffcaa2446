/**
 * What other services may know of the customer service (`customers`): its actions' results and the events it
 * sends. The only file of services/customer/ that another service imports.
 */
import {
	arrayOf,
	boolean,
	instant,
	named,
	nullable,
	number,
	object,
	pageOf,
	string,
	uuid,
} from "../../lib/json-schema.ts";

/** A saved address; `customers.defaultLocation` answers the caller's default one (or null). */
export interface Address {
	id: string;
	label: string | null;
	street: string;
	postcode: string;
	city: string;
	/** ISO 3166-1 alpha-2, upper case. */
	country: string;
	latitude: number;
	longitude: number;
	isDefault: boolean;
}

/** The answer of `customers.me`, `customers.getById` and the items of `customers.search`. */
export interface Customer {
	id: string;
	/** The OIDC subject the profile belongs to. */
	subject: string;
	displayName: string;
	email: string | null;
	phone: string | null;
	language: string;
	addresses: Address[];
	/** A deleted profile keeps its row (bookings refer to it) with the personal data erased. */
	deleted: boolean;
	deletedAt: string | null;
	createdAt: string;
	updatedAt: string;
}

/** Payload of `customers.changed`, broadcast when a profile changed: drop what you cache of that subject. */
export interface CustomerChanged {
	subject: string;
}

/** Payload of `customers.deleted`: the profile's personal data was erased; erase yours. */
export interface CustomerDeleted {
	id: string;
	subject: string;
}

/** JSON Schemas of the answers above, for the API document and its contract test. */
export const ADDRESS_SCHEMA = named(
	"Address",
	object({
		id: uuid,
		label: nullable(string()),
		street: string(),
		postcode: string(),
		city: string(),
		country: string({ pattern: "^[A-Z]{2}$" }),
		latitude: number(),
		longitude: number(),
		isDefault: boolean,
	}),
);
export const CUSTOMER_SCHEMA = named(
	"Customer",
	object({
		id: uuid,
		subject: string(),
		displayName: string(),
		email: nullable(string()),
		phone: nullable(string()),
		language: string(),
		addresses: arrayOf(ADDRESS_SCHEMA),
		deleted: boolean,
		deletedAt: nullable(instant),
		createdAt: instant,
		updatedAt: instant,
	}),
);
export const CUSTOMER_PAGE_SCHEMA = named("CustomerPage", pageOf(CUSTOMER_SCHEMA));
