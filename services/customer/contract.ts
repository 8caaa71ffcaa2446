/**
 * What other services may know of the customer service (`customers`): its actions' results and the events it
 * sends. The only file of services/customer/ that another service imports.
 */
import * as schema from "../../lib/json-schema.ts";

/** A saved address; `customers.defaultLocation` answers the caller's default one (or null). */
export const ADDRESS_SCHEMA = schema.named(
	"Address",
	schema.object({
		id: schema.uuid,
		label: schema.nullable(schema.string()),
		street: schema.string(),
		postcode: schema.string(),
		city: schema.string(),
		// ISO 3166-1 alpha-2, upper case.
		country: schema.string({ pattern: "^[A-Z]{2}$" }),
		latitude: schema.number(),
		longitude: schema.number(),
		isDefault: schema.boolean,
	}),
);
export type Address = schema.Infer<typeof ADDRESS_SCHEMA>;

/** The answer of `customers.me`, `customers.getById` and the items of `customers.search`. */
export const CUSTOMER_SCHEMA = schema.named(
	"Customer",
	schema.object({
		id: schema.uuid,
		// The OIDC subject the profile belongs to.
		subject: schema.string(),
		displayName: schema.string(),
		email: schema.nullable(schema.string()),
		phone: schema.nullable(schema.string()),
		language: schema.string(),
		addresses: schema.arrayOf(ADDRESS_SCHEMA),
		// A deleted profile keeps its row (bookings refer to it) with the personal data erased.
		deleted: schema.boolean,
		deletedAt: schema.nullable(schema.instant),
		createdAt: schema.instant,
		updatedAt: schema.instant,
	}),
);
export type Customer = schema.Infer<typeof CUSTOMER_SCHEMA>;
export const CUSTOMER_PAGE_SCHEMA = schema.named("CustomerPage", schema.pageOf(CUSTOMER_SCHEMA));

/** The answer of the internal `customers.contact`: what the notification service needs to write to a customer. */
export interface CustomerContact {
	displayName: string;
	/** null once the profile was deleted. */
	email: string | null;
	/** BCP 47, e.g. "nl-NL". */
	language: string;
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
