import type { Role } from "../../lib/auth.ts";

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
}

const anyone: Access = "public";
const admin: Access = { roles: ["admin"] };
const customer = (...scopes: string[]): Access => ({ roles: ["customer", "admin"], scopes });
const cleaner: Access = { roles: ["cleaner"] };
const signedIn: Access = { roles: ["customer", "cleaner", "admin"], scopes: ["catalog:read"] };

/**
 * The whole public HTTP API, in one table: every route is listed here explicitly (no auto-aliases), with its
 * action and who may call it. docs/api.md describes the same routes for client developers.
 */
export const API_ROUTES: readonly ApiRoute[] = [
	// Catalog (booking service)
	{ method: "GET", path: "/services", action: "catalog.list", access: anyone },
	{ method: "POST", path: "/services", action: "catalog.create", access: admin },
	{ method: "PATCH", path: "/services/:code", action: "catalog.update", access: admin },

	// Customers
	{ method: "POST", path: "/customers/me", action: "customers.registerMe", access: customer() },
	{ method: "GET", path: "/customers/me", action: "customers.me", access: customer() },
	{ method: "PATCH", path: "/customers/me", action: "customers.updateMe", access: customer() },
	{ method: "DELETE", path: "/customers/me", action: "customers.deleteMe", access: customer() },
	{ method: "GET", path: "/customers", action: "customers.search", access: admin },
	{ method: "GET", path: "/customers/:id", action: "customers.getById", access: admin },

	// Vehicles
	{ method: "GET", path: "/vehicles", action: "vehicles.list", access: customer("vehicles:read") },
	{ method: "POST", path: "/vehicles", action: "vehicles.create", access: customer("vehicles:write") },
	{ method: "GET", path: "/vehicles/:id", action: "vehicles.get", access: customer("vehicles:read") },
	{ method: "PATCH", path: "/vehicles/:id", action: "vehicles.update", access: customer("vehicles:write") },
	{ method: "DELETE", path: "/vehicles/:id", action: "vehicles.remove", access: customer("vehicles:write") },

	// Cleaners
	{ method: "POST", path: "/cleaners", action: "cleaners.create", access: admin },
	{ method: "GET", path: "/cleaners", action: "cleaners.find", access: admin },
	{ method: "GET", path: "/cleaners/me", action: "cleaners.me", access: cleaner },
	{ method: "PATCH", path: "/cleaners/me", action: "cleaners.updateMe", access: cleaner },
	{ method: "GET", path: "/cleaners/me/agenda", action: "cleaners.agenda", access: cleaner },
	{ method: "GET", path: "/cleaners/:id", action: "cleaners.get", access: signedIn },
	{ method: "PATCH", path: "/cleaners/:id", action: "cleaners.update", access: admin },
	{ method: "POST", path: "/cleaners/:id/activate", action: "cleaners.activate", access: admin },
	{ method: "POST", path: "/cleaners/:id/deactivate", action: "cleaners.deactivate", access: admin },

	// Availability and bookings
	{ method: "GET", path: "/availability", action: "availability.search", access: customer("bookings:read") },
	{ method: "POST", path: "/bookings", action: "bookings.create", access: customer("bookings:write") },
	{
		method: "GET",
		path: "/bookings",
		action: "bookings.list",
		access: { roles: ["customer", "cleaner", "admin"], scopes: ["bookings:read"] },
	},
	{
		method: "GET",
		path: "/bookings/:id",
		action: "bookings.get",
		access: { roles: ["customer", "cleaner", "admin"], scopes: ["bookings:read"] },
	},
	{
		method: "POST",
		path: "/bookings/:id/cancel",
		action: "bookings.cancel",
		access: customer("bookings:write"),
	},
	{
		method: "POST",
		path: "/bookings/:id/reschedule",
		action: "bookings.reschedule",
		access: customer("bookings:write"),
	},
	{
		method: "POST",
		path: "/bookings/:id/start",
		action: "bookings.start",
		access: { roles: ["cleaner", "admin"] },
	},
	{
		method: "POST",
		path: "/bookings/:id/complete",
		action: "bookings.complete",
		access: { roles: ["cleaner", "admin"] },
	},
	{
		method: "POST",
		path: "/bookings/:id/rating",
		action: "bookings.rate",
		access: customer("bookings:write"),
	},

	// Runtime settings (configuration service)
	{ method: "GET", path: "/settings", action: "configuration.list", access: admin },
	{ method: "PATCH", path: "/settings", action: "configuration.update", access: admin },
];
