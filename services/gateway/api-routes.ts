import type { Role } from "../../lib/auth.ts";
import type { JsonSchema } from "../../lib/json-schema.ts";
import {
	AVAILABILITY_SCHEMA,
	BOOKING_PAGE_SCHEMA,
	BOOKING_SCHEMA,
	CATALOG_SCHEMA,
	SERVICE_TYPE_SCHEMA,
} from "../booking/contract.ts";
import {
	AGENDA_SCHEMA,
	CLEANER_PAGE_SCHEMA,
	CLEANER_SCHEMA,
	PUBLIC_CLEANER_SCHEMA,
} from "../cleaner/contract.ts";
import { SETTINGS_VIEW_SCHEMA } from "../configuration/contract.ts";
import { CUSTOMER_PAGE_SCHEMA, CUSTOMER_SCHEMA } from "../customer/contract.ts";
import { MAIL_PREFERENCES_SCHEMA } from "../notification/contract.ts";
import { VEHICLE_PAGE_SCHEMA, VEHICLE_REMOVED_SCHEMA, VEHICLE_SCHEMA } from "../vehicle/contract.ts";
import {
	NEW_WEBHOOK_ENDPOINT_SCHEMA,
	WEBHOOK_DELIVERY_PAGE_SCHEMA,
	WEBHOOK_DELIVERY_SCHEMA,
	WEBHOOK_ENDPOINT_LIST_SCHEMA,
	WEBHOOK_ENDPOINT_SCHEMA,
} from "../webhook/contract.ts";

/**
 * Who may call a route. A user token passes when it has one of `roles`; a third-party client-credentials
 * token (no roles) passes when it has one of `scopes`. "public" routes need no token at all.
 */
export type Access = "public" | { roles: Role[]; scopes?: string[] };

export interface ApiRoute {
	method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
	/** Under /api. */
	path: string;
	action: string;
	access: Access;
	/** One line for the API document. */
	summary: string;
	/**
	 * The success answer: 200 unless said otherwise, with a body of this schema. `existing` says when a create
	 * answers 200 with the resource that was already there instead.
	 */
	responds: { status?: 201; body: JsonSchema; existing?: string };
	/**
	 * Error statuses this route answers beyond those its shape implies (services/gateway/openapi.ts: 401, 403 and
	 * 429 when it needs a token, 404 with a path parameter, 422 with params, 400, 413, 503 and 504 always).
	 */
	errors?: Array<404 | 409>;
}

const anyone: Access = "public";
const admin: Access = { roles: ["admin"] };
const customer = (...scopes: string[]): Access => ({ roles: ["customer", "admin"], scopes });
const cleaner: Access = { roles: ["cleaner"] };
const signedIn: Access = { roles: ["customer", "cleaner", "admin"], scopes: ["catalog:read"] };
const bookingReaders: Access = { roles: ["customer", "cleaner", "admin"], scopes: ["bookings:read"] };
const cleanerOrAdmin: Access = { roles: ["cleaner", "admin"] };
/** Partners' integrations only: webhooks are about a partner's own bookings, and people have none to manage. */
const webhookManagers: Access = { roles: [], scopes: ["webhooks:manage"] };

/**
 * The whole public HTTP API, in one table: every route is listed here explicitly (no auto-aliases), with its
 * action, who may call it and what it answers. The OpenAPI document (`npm run openapi`, served at
 * /api/openapi.json) is generated from it and from the actions' params; docs/api.md describes the same routes.
 */
export const API_ROUTES: readonly ApiRoute[] = [
	// Catalog (booking service)
	{
		method: "GET",
		path: "/services",
		action: "catalog.list",
		access: anyone,
		summary: "The catalog: bookable services with prices and durations per size class",
		responds: { body: CATALOG_SCHEMA },
	},
	{
		method: "POST",
		path: "/services",
		action: "catalog.create",
		access: admin,
		summary: "Add a service to the catalog",
		responds: { status: 201, body: SERVICE_TYPE_SCHEMA },
		errors: [409],
	},
	{
		method: "GET",
		path: "/services/:code",
		action: "catalog.get",
		access: admin,
		summary: "One service of the catalog, inactive ones included",
		responds: { body: SERVICE_TYPE_SCHEMA },
	},
	{
		method: "PATCH",
		path: "/services/:code",
		action: "catalog.update",
		access: admin,
		summary: "Change a service's name, prices, durations or availability",
		responds: { body: SERVICE_TYPE_SCHEMA },
	},

	// Customers
	{
		method: "POST",
		path: "/customers/me",
		action: "customers.registerMe",
		access: customer(),
		summary: "Register the caller's customer profile",
		responds: {
			status: 201,
			body: CUSTOMER_SCHEMA,
			existing: "The caller was registered already: their profile",
		},
		errors: [409],
	},
	{
		method: "GET",
		path: "/customers/me",
		action: "customers.me",
		access: customer(),
		summary: "The caller's customer profile",
		responds: { body: CUSTOMER_SCHEMA },
		errors: [404],
	},
	{
		method: "PATCH",
		path: "/customers/me",
		action: "customers.updateMe",
		access: customer(),
		summary: "Change the caller's profile and addresses",
		responds: { body: CUSTOMER_SCHEMA },
		errors: [404, 409],
	},
	{
		method: "DELETE",
		path: "/customers/me",
		action: "customers.deleteMe",
		access: customer(),
		summary: "Erase the caller's personal data (the profile row stays, anonymised)",
		responds: { body: CUSTOMER_SCHEMA },
		errors: [404],
	},
	{
		method: "GET",
		path: "/customers",
		action: "customers.search",
		access: admin,
		summary: "Search customers by name or e-mail",
		responds: { body: CUSTOMER_PAGE_SCHEMA },
	},
	{
		method: "GET",
		path: "/customers/:id",
		action: "customers.getById",
		access: admin,
		summary: "One customer",
		responds: { body: CUSTOMER_SCHEMA },
	},

	// Vehicles
	{
		method: "GET",
		path: "/vehicles",
		action: "vehicles.list",
		access: customer("vehicles:read"),
		summary: "The caller's vehicles",
		responds: { body: VEHICLE_PAGE_SCHEMA },
	},
	{
		method: "POST",
		path: "/vehicles",
		action: "vehicles.create",
		access: customer("vehicles:write"),
		summary: "Add a vehicle",
		responds: { status: 201, body: VEHICLE_SCHEMA },
		errors: [409],
	},
	{
		method: "GET",
		path: "/vehicles/:id",
		action: "vehicles.get",
		access: customer("vehicles:read"),
		summary: "One of the caller's vehicles, with its cleaning history",
		responds: { body: VEHICLE_SCHEMA },
	},
	{
		method: "PATCH",
		path: "/vehicles/:id",
		action: "vehicles.update",
		access: customer("vehicles:write"),
		summary: "Change a vehicle (its size class drives prices and durations)",
		responds: { body: VEHICLE_SCHEMA },
		errors: [409],
	},
	{
		method: "DELETE",
		path: "/vehicles/:id",
		action: "vehicles.remove",
		access: customer("vehicles:write"),
		summary: "Remove a vehicle",
		responds: { body: VEHICLE_REMOVED_SCHEMA },
	},

	// Cleaners
	{
		method: "POST",
		path: "/cleaners",
		action: "cleaners.create",
		access: admin,
		summary: "Add a cleaner",
		responds: { status: 201, body: CLEANER_SCHEMA },
		errors: [409],
	},
	{
		method: "GET",
		path: "/cleaners",
		action: "cleaners.find",
		access: admin,
		summary: "Cleaners, by activity and skill",
		responds: { body: CLEANER_PAGE_SCHEMA },
	},
	{
		method: "GET",
		path: "/cleaners/me",
		action: "cleaners.me",
		access: cleaner,
		summary: "The caller's cleaner profile",
		responds: { body: CLEANER_SCHEMA },
		errors: [404],
	},
	{
		method: "PATCH",
		path: "/cleaners/me",
		action: "cleaners.updateMe",
		access: cleaner,
		summary: "Change the caller's skills, area, working hours and time off",
		responds: { body: CLEANER_SCHEMA },
		errors: [404],
	},
	{
		method: "GET",
		path: "/cleaners/me/agenda",
		action: "cleaners.agenda",
		access: cleaner,
		summary: "The caller's jobs between `from` and `to` (default: the next 8 days)",
		responds: { body: AGENDA_SCHEMA },
		errors: [404],
	},
	{
		method: "GET",
		path: "/cleaners/:id",
		action: "cleaners.get",
		access: signedIn,
		summary: "A cleaner's public profile (the whole profile for admins)",
		responds: { body: { anyOf: [CLEANER_SCHEMA, PUBLIC_CLEANER_SCHEMA] } },
	},
	{
		method: "PATCH",
		path: "/cleaners/:id",
		action: "cleaners.update",
		access: admin,
		summary: "Change a cleaner",
		responds: { body: CLEANER_SCHEMA },
	},
	{
		method: "POST",
		path: "/cleaners/:id/activate",
		action: "cleaners.activate",
		access: admin,
		summary: "Let a cleaner take jobs again",
		responds: { body: CLEANER_SCHEMA },
	},
	{
		method: "POST",
		path: "/cleaners/:id/deactivate",
		action: "cleaners.deactivate",
		access: admin,
		summary: "Stop offering a cleaner's time",
		responds: { body: CLEANER_SCHEMA },
	},

	// Availability and bookings
	{
		method: "GET",
		path: "/availability",
		action: "availability.search",
		access: customer("bookings:read"),
		summary: "Free start times for a service and vehicle on a day, with the price",
		responds: { body: AVAILABILITY_SCHEMA },
		errors: [404],
	},
	{
		method: "POST",
		path: "/bookings",
		action: "bookings.create",
		access: customer("bookings:write"),
		summary: "Book a service (send an Idempotency-Key)",
		responds: { status: 201, body: BOOKING_SCHEMA },
		errors: [404, 409],
	},
	{
		method: "GET",
		path: "/bookings",
		action: "bookings.list",
		access: bookingReaders,
		summary: "Bookings: the caller's own; admins filter by status, cleaner, customer and time",
		responds: { body: BOOKING_PAGE_SCHEMA },
	},
	{
		method: "GET",
		path: "/bookings/:id",
		action: "bookings.get",
		access: bookingReaders,
		summary: "One booking",
		responds: { body: BOOKING_SCHEMA },
	},
	{
		method: "POST",
		path: "/bookings/:id/cancel",
		action: "bookings.cancel",
		access: customer("bookings:write"),
		summary: "Cancel a booking (a fee applies after the cut-off)",
		responds: { body: BOOKING_SCHEMA },
		errors: [409],
	},
	{
		method: "POST",
		path: "/bookings/:id/reschedule",
		action: "bookings.reschedule",
		access: customer("bookings:write"),
		summary: "Move a booking to another start time",
		responds: { body: BOOKING_SCHEMA },
		errors: [409],
	},
	{
		method: "POST",
		path: "/bookings/:id/start",
		action: "bookings.start",
		access: cleanerOrAdmin,
		summary: "Start the job (the assigned cleaner)",
		responds: { body: BOOKING_SCHEMA },
		errors: [409],
	},
	{
		method: "POST",
		path: "/bookings/:id/complete",
		action: "bookings.complete",
		access: cleanerOrAdmin,
		summary: "Complete the job (the assigned cleaner)",
		responds: { body: BOOKING_SCHEMA },
		errors: [409],
	},
	{
		method: "POST",
		path: "/bookings/:id/rating",
		action: "bookings.rate",
		access: customer("bookings:write"),
		summary: "Rate a completed job",
		responds: { body: BOOKING_SCHEMA },
		errors: [409],
	},

	// Partner webhooks (webhooks service)
	{
		method: "POST",
		path: "/webhooks/endpoints",
		action: "webhooks.createEndpoint",
		access: webhookManagers,
		summary: "Register an HTTPS endpoint for the events of the partner's bookings (the secret is shown once)",
		responds: { status: 201, body: NEW_WEBHOOK_ENDPOINT_SCHEMA },
		errors: [409],
	},
	{
		method: "GET",
		path: "/webhooks/endpoints",
		action: "webhooks.listEndpoints",
		access: webhookManagers,
		summary: "The partner's endpoints, with why the platform disabled one",
		responds: { body: WEBHOOK_ENDPOINT_LIST_SCHEMA },
	},
	{
		method: "DELETE",
		path: "/webhooks/endpoints/:id",
		action: "webhooks.removeEndpoint",
		access: webhookManagers,
		summary: "Remove an endpoint and its deliveries",
		responds: { body: WEBHOOK_ENDPOINT_SCHEMA },
	},
	{
		method: "POST",
		path: "/webhooks/endpoints/:id/enable",
		action: "webhooks.enableEndpoint",
		access: webhookManagers,
		summary: "Enable an endpoint again after the platform disabled it",
		responds: { body: WEBHOOK_ENDPOINT_SCHEMA },
	},
	{
		method: "GET",
		path: "/webhooks/deliveries",
		action: "webhooks.listDeliveries",
		access: webhookManagers,
		summary: "Recent deliveries to the partner's endpoints, newest first, by endpoint and status",
		responds: { body: WEBHOOK_DELIVERY_PAGE_SCHEMA },
	},
	{
		method: "POST",
		path: "/webhooks/deliveries/:id/resend",
		action: "webhooks.resendDelivery",
		access: webhookManagers,
		summary: "Send a delivery again (same webhook-id), with a fresh 24 h of retries",
		responds: { body: WEBHOOK_DELIVERY_SCHEMA },
		errors: [409],
	},

	// Runtime settings (configuration service)
	{
		method: "GET",
		path: "/settings",
		action: "configuration.list",
		access: admin,
		summary: "The runtime business settings and who changed them",
		responds: { body: SETTINGS_VIEW_SCHEMA },
	},
	{
		method: "PATCH",
		path: "/settings",
		action: "configuration.update",
		access: admin,
		summary: "Change runtime business settings (every node applies them at once)",
		responds: { body: SETTINGS_VIEW_SCHEMA },
	},

	// E-mail preferences (notification service)
	{
		method: "GET",
		path: "/notifications/preferences",
		action: "notifications.preferences",
		access: customer(),
		summary: "Which kinds of e-mail the caller gets, and which cannot be turned off",
		responds: { body: MAIL_PREFERENCES_SCHEMA },
	},
	{
		method: "PATCH",
		path: "/notifications/preferences",
		action: "notifications.updatePreferences",
		access: customer(),
		summary: "Turn kinds of e-mail on or off (the booking, move and cancellation e-mails always go)",
		responds: { body: MAIL_PREFERENCES_SCHEMA },
	},
];
