// Generated from docs/openapi.json by `npm run openapi`: do not edit.
import type { Operation, Page } from "./shapes.ts";

export type Address = {
	id: string;
	label: string | null;
	street: string;
	postcode: string;
	city: string;
	country: string;
	latitude: number;
	longitude: number;
	isDefault: boolean;
};

export type AddressInput = {
	id?: string;
	label?: string | null;
	street: string;
	postcode: string;
	city: string;
	country: string;
	latitude: number;
	longitude: number;
	isDefault?: boolean;
};

export type Agenda = {
	items: Array<{
		bookingId: string;
		status: "confirmed" | "in_progress" | "completed" | "cancelled";
		start: string;
		end: string;
		serviceType: string;
		vehicle: { id: string; plate: string; sizeClass: string };
		location: Record<string, never>;
		notes: string | null;
	}>;
};

export type Availability = {
	date: string;
	timeZone: string;
	serviceType: string;
	sizeClass: "small" | "medium" | "large" | "van";
	durationMinutes: number;
	price: { amountMinor: number; currency: string };
	slots: Array<{ start: string; end: string; cleanerIds: Array<string> }>;
};

export type Booking = {
	id: string;
	status: "confirmed" | "in_progress" | "completed" | "cancelled";
	customerId: string;
	vehicle: { id: string; plate: string; sizeClass: string };
	cleanerId: string;
	serviceType: string;
	start: string;
	end: string;
	price: { amountMinor: number; currency: string };
	location: Location;
	notes: string | null;
	cancellation: { by: string; late: boolean; feeMinor: number | null } | null;
	rating: { score: number; comment: string | null; ratedAt: string } | null;
	version: number;
	createdAt: string;
	updatedAt: string;
};

export type BookingPage = Page<Booking>;

export type BusinessSettings = {
	slotGranularityMinutes: number;
	travelBufferMinutes: number;
	cancellationCutoffHours: number;
	lateCancellationFeePercent: number;
	timeZone: string;
	availabilityCacheTtlSeconds: number;
	reminderLeadHours: number;
};

export type Catalog = { items: Array<ServiceType> };

export type Cleaner = {
	id: string;
	subject: string;
	displayName: string;
	email: string | null;
	phone: string | null;
	skills: Array<string>;
	homeBase: { latitude: number; longitude: number };
	radiusKm: number;
	weeklyHours: {
		monday: Array<{ start: string; end: string }>;
		tuesday: Array<{ start: string; end: string }>;
		wednesday: Array<{ start: string; end: string }>;
		thursday: Array<{ start: string; end: string }>;
		friday: Array<{ start: string; end: string }>;
		saturday: Array<{ start: string; end: string }>;
		sunday: Array<{ start: string; end: string }>;
	};
	timeOff: Array<{ id: string; start: string; end: string; reason: string | null }>;
	active: boolean;
	rating: { average: number | null; count: number };
	jobsCompleted: number;
	createdAt: string;
	updatedAt: string;
};

export type CleanerPage = Page<Cleaner>;

export type Customer = {
	id: string;
	subject: string;
	displayName: string;
	email: string | null;
	phone: string | null;
	language: string;
	addresses: Array<Address>;
	deleted: boolean;
	deletedAt: string | null;
	createdAt: string;
	updatedAt: string;
};

export type CustomerPage = Page<Customer>;

export type Location = {
	latitude: number;
	longitude: number;
	label?: string | null;
	street?: string;
	postcode?: string;
	city?: string;
	country?: string;
};

export type MailPreferences = {
	email: {
		booked: boolean;
		rescheduled: boolean;
		cancelled: boolean;
		completed: boolean;
		reminder: boolean;
	};
	required: Array<"booked" | "rescheduled" | "cancelled" | "completed" | "reminder">;
};

export type NewWebhookEndpoint = {
	id: string;
	url: string;
	eventTypes: Array<"booking.created.v1" | "booking.rescheduled.v1" | "booking.started.v1" | "booking.completed.v1" | "booking.cancelled.v1" | "booking.rated.v1">;
	description: string | null;
	status: "enabled" | "disabled";
	disabled: { reason: string; at: string } | null;
	createdAt: string;
	updatedAt: string;
	secret: string;
};

export type PublicCleaner = {
	id: string;
	displayName: string;
	skills: Array<string>;
	radiusKm: number;
	weeklyHours: {
		monday: Array<{ start: string; end: string }>;
		tuesday: Array<{ start: string; end: string }>;
		wednesday: Array<{ start: string; end: string }>;
		thursday: Array<{ start: string; end: string }>;
		friday: Array<{ start: string; end: string }>;
		saturday: Array<{ start: string; end: string }>;
		sunday: Array<{ start: string; end: string }>;
	};
	active: boolean;
	rating: { average: number | null; count: number };
	jobsCompleted: number;
	createdAt: string;
	updatedAt: string;
};

export type ServiceType = {
	code: string;
	name: string;
	description: string | null;
	currency: string;
	durationsMinutes: { small: number; medium: number; large: number; van: number };
	pricesMinor: { small: number; medium: number; large: number; van: number };
	active: boolean;
	updatedAt: string;
};

export type SettingsView = {
	settings: BusinessSettings;
	changes: Array<{
		key: "slotGranularityMinutes" | "travelBufferMinutes" | "cancellationCutoffHours" | "lateCancellationFeePercent" | "timeZone" | "availabilityCacheTtlSeconds" | "reminderLeadHours";
		updatedBy: string;
		updatedAt: string;
	}>;
};

export type Vehicle = {
	id: string;
	ownerId: string;
	plate: string;
	make: string;
	model: string;
	year: number | null;
	colour: string | null;
	sizeClass: "small" | "medium" | "large" | "van";
	history: {
		lastCleanedAt: string | null;
		cleanings: number;
		upcomingBookingId: string | null;
	};
	createdAt: string;
	updatedAt: string;
};

export type VehiclePage = Page<Vehicle>;

export type VehicleRemoved = { id: string; removed: true };

export type WebhookDelivery = {
	id: string;
	endpointId: string;
	messageId: string;
	eventType: "booking.created.v1" | "booking.rescheduled.v1" | "booking.started.v1" | "booking.completed.v1" | "booking.cancelled.v1" | "booking.rated.v1";
	bookingId: string;
	status: "pending" | "succeeded" | "failed";
	attempts: number;
	lastStatusCode: number | null;
	lastError: string | null;
	nextAttemptAt: string | null;
	deliveredAt: string | null;
	createdAt: string;
};

export type WebhookDeliveryPage = Page<WebhookDelivery>;

export type WebhookEndpoint = {
	id: string;
	url: string;
	eventTypes: Array<"booking.created.v1" | "booking.rescheduled.v1" | "booking.started.v1" | "booking.completed.v1" | "booking.cancelled.v1" | "booking.rated.v1">;
	description: string | null;
	status: "enabled" | "disabled";
	disabled: { reason: string; at: string } | null;
	createdAt: string;
	updatedAt: string;
};

export type WebhookEndpointList = { items: Array<WebhookEndpoint> };

export type WeeklyHoursInput = {
	monday?: Array<{ start: string; end: string }>;
	tuesday?: Array<{ start: string; end: string }>;
	wednesday?: Array<{ start: string; end: string }>;
	thursday?: Array<{ start: string; end: string }>;
	friday?: Array<{ start: string; end: string }>;
	saturday?: Array<{ start: string; end: string }>;
	sunday?: Array<{ start: string; end: string }>;
};

export type Error = {
	error: {
		status: number;
		type: string;
		message: string;
		details?: unknown;
		requestId?: string;
	};
};

/** Every operation of the API, keyed by its operation id (the action it calls). */
export interface Operations {
	/** The catalog: bookable services with prices and durations per size class */
	"catalog.list": Operation<Record<string, never>, { includeInactive?: boolean }, undefined, 200, Catalog>;
	/** Add a service to the catalog */
	"catalog.create": Operation<Record<string, never>, Record<string, never>, {
		code: string;
		name: string;
		description?: string | null;
		currency: string;
		durationsMinutes: { small: number; medium: number; large: number; van: number };
		pricesMinor: { small: number; medium: number; large: number; van: number };
		active?: boolean;
	}, 201, ServiceType>;
	/** One service of the catalog, inactive ones included */
	"catalog.get": Operation<{ code: string }, Record<string, never>, undefined, 200, ServiceType>;
	/** Change a service's name, prices, durations or availability */
	"catalog.update": Operation<{ code: string }, Record<string, never>, {
		name?: string;
		description?: string | null;
		currency?: string;
		durationsMinutes?: { small: number; medium: number; large: number; van: number };
		pricesMinor?: { small: number; medium: number; large: number; van: number };
		active?: boolean;
	}, 200, ServiceType>;
	/** Register the caller's customer profile */
	"customers.registerMe": Operation<Record<string, never>, Record<string, never>, {
		displayName: string;
		email: string;
		phone?: string | null;
		language?: string;
		addresses?: Array<AddressInput>;
	}, 200, Customer>;
	/** The caller's customer profile */
	"customers.me": Operation<Record<string, never>, Record<string, never>, undefined, 200, Customer>;
	/** Change the caller's profile and addresses */
	"customers.updateMe": Operation<Record<string, never>, Record<string, never>, {
		displayName?: string;
		email?: string;
		phone?: string | null;
		language?: string;
		addresses?: Array<AddressInput>;
	}, 200, Customer>;
	/** Erase the caller's personal data (the profile row stays, anonymised) */
	"customers.deleteMe": Operation<Record<string, never>, Record<string, never>, undefined, 200, Customer>;
	/** Search customers by name or e-mail */
	"customers.search": Operation<Record<string, never>, { q?: string; limit?: number; offset?: number }, undefined, 200, CustomerPage>;
	/** One customer */
	"customers.getById": Operation<{ id: string }, Record<string, never>, undefined, 200, Customer>;
	/** The caller's vehicles */
	"vehicles.list": Operation<Record<string, never>, { limit?: number; offset?: number; ownerId?: string }, undefined, 200, VehiclePage>;
	/** Add a vehicle */
	"vehicles.create": Operation<Record<string, never>, Record<string, never>, {
		plate: string;
		make: string;
		model: string;
		year?: number | null;
		colour?: string | null;
		sizeClass: "small" | "medium" | "large" | "van";
	}, 201, Vehicle>;
	/** One of the caller's vehicles, with its cleaning history */
	"vehicles.get": Operation<{ id: string }, Record<string, never>, undefined, 200, Vehicle>;
	/** Change a vehicle (its size class drives prices and durations) */
	"vehicles.update": Operation<{ id: string }, Record<string, never>, {
		plate?: string;
		make?: string;
		model?: string;
		year?: number | null;
		colour?: string | null;
		sizeClass?: "small" | "medium" | "large" | "van";
	}, 200, Vehicle>;
	/** Remove a vehicle */
	"vehicles.remove": Operation<{ id: string }, Record<string, never>, undefined, 200, VehicleRemoved>;
	/** Add a cleaner */
	"cleaners.create": Operation<Record<string, never>, Record<string, never>, {
		subject: string;
		displayName: string;
		email?: string | null;
		phone?: string | null;
		skills: Array<string>;
		homeBase: { latitude: number; longitude: number };
		radiusKm: number;
		weeklyHours?: WeeklyHoursInput;
	}, 201, Cleaner>;
	/** Cleaners, by activity and skill */
	"cleaners.find": Operation<Record<string, never>, { active?: boolean; skill?: string; limit?: number; offset?: number }, undefined, 200, CleanerPage>;
	/** The caller's cleaner profile */
	"cleaners.me": Operation<Record<string, never>, Record<string, never>, undefined, 200, Cleaner>;
	/** Change the caller's skills, area, working hours and time off */
	"cleaners.updateMe": Operation<Record<string, never>, Record<string, never>, {
		displayName?: string;
		phone?: string | null;
		skills?: Array<string>;
		homeBase?: { latitude: number; longitude: number };
		radiusKm?: number;
		weeklyHours?: WeeklyHoursInput;
		timeOff?: Array<{ id?: string; start: string; end: string; reason?: string | null }>;
	}, 200, Cleaner>;
	/** The caller's jobs between `from` and `to` (default: the next 8 days) */
	"cleaners.agenda": Operation<Record<string, never>, { from?: string; to?: string }, undefined, 200, Agenda>;
	/** A cleaner's public profile (the whole profile for admins) */
	"cleaners.get": Operation<{ id: string }, Record<string, never>, undefined, 200, Cleaner | PublicCleaner>;
	/** Change a cleaner */
	"cleaners.update": Operation<{ id: string }, Record<string, never>, {
		displayName?: string;
		email?: string | null;
		phone?: string | null;
		skills?: Array<string>;
		homeBase?: { latitude: number; longitude: number };
		radiusKm?: number;
		weeklyHours?: WeeklyHoursInput;
		timeOff?: Array<{ id?: string; start: string; end: string; reason?: string | null }>;
	}, 200, Cleaner>;
	/** Let a cleaner take jobs again */
	"cleaners.activate": Operation<{ id: string }, Record<string, never>, undefined, 200, Cleaner>;
	/** Stop offering a cleaner's time */
	"cleaners.deactivate": Operation<{ id: string }, Record<string, never>, undefined, 200, Cleaner>;
	/** Free start times for a service and vehicle on a day, with the price */
	"availability.search": Operation<Record<string, never>, {
		serviceType: string;
		vehicleId: string;
		date: string;
		latitude?: number;
		longitude?: number;
	}, undefined, 200, Availability>;
	/** Book a service (send an Idempotency-Key) */
	"bookings.create": Operation<Record<string, never>, Record<string, never>, {
		vehicleId: string;
		serviceType: string;
		start: string;
		location?: { latitude: number; longitude: number };
		address?: {
			label?: string | null;
			street: string;
			postcode: string;
			city: string;
			country: string;
			latitude: number;
			longitude: number;
		};
		cleanerId?: string;
		notes?: string;
	}, 201, Booking>;
	/** Bookings: the caller's own; admins filter by status, cleaner, customer and time */
	"bookings.list": Operation<Record<string, never>, {
		limit?: number;
		offset?: number;
		status?: "confirmed" | "in_progress" | "completed" | "cancelled";
		cleanerId?: string;
		customerId?: string;
		from?: string;
		to?: string;
	}, undefined, 200, BookingPage>;
	/** One booking */
	"bookings.get": Operation<{ id: string }, Record<string, never>, undefined, 200, Booking>;
	/** Cancel a booking (a fee applies after the cut-off) */
	"bookings.cancel": Operation<{ id: string }, Record<string, never>, undefined, 200, Booking>;
	/** Move a booking to another start time */
	"bookings.reschedule": Operation<{ id: string }, Record<string, never>, { start: string }, 200, Booking>;
	/** Start the job (the assigned cleaner) */
	"bookings.start": Operation<{ id: string }, Record<string, never>, undefined, 200, Booking>;
	/** Complete the job (the assigned cleaner) */
	"bookings.complete": Operation<{ id: string }, Record<string, never>, undefined, 200, Booking>;
	/** Rate a completed job */
	"bookings.rate": Operation<{ id: string }, Record<string, never>, { score: number; comment?: string }, 200, Booking>;
	/** Register an HTTPS endpoint for the events of the partner's bookings (the secret is shown once) */
	"webhooks.createEndpoint": Operation<Record<string, never>, Record<string, never>, {
		url: string;
		eventTypes: Array<"booking.created.v1" | "booking.rescheduled.v1" | "booking.started.v1" | "booking.completed.v1" | "booking.cancelled.v1" | "booking.rated.v1">;
		description?: string;
	}, 201, NewWebhookEndpoint>;
	/** The partner's endpoints, with why the platform disabled one */
	"webhooks.listEndpoints": Operation<Record<string, never>, Record<string, never>, undefined, 200, WebhookEndpointList>;
	/** Remove an endpoint and its deliveries */
	"webhooks.removeEndpoint": Operation<{ id: string }, Record<string, never>, undefined, 200, WebhookEndpoint>;
	/** Enable an endpoint again after the platform disabled it */
	"webhooks.enableEndpoint": Operation<{ id: string }, Record<string, never>, undefined, 200, WebhookEndpoint>;
	/** Recent deliveries to the partner's endpoints, newest first, by endpoint and status */
	"webhooks.listDeliveries": Operation<Record<string, never>, {
		limit?: number;
		offset?: number;
		endpointId?: string;
		status?: "pending" | "succeeded" | "failed";
	}, undefined, 200, WebhookDeliveryPage>;
	/** Send a delivery again (same webhook-id), with a fresh 24 h of retries */
	"webhooks.resendDelivery": Operation<{ id: string }, Record<string, never>, undefined, 200, WebhookDelivery>;
	/** The runtime business settings and who changed them */
	"configuration.list": Operation<Record<string, never>, Record<string, never>, undefined, 200, SettingsView>;
	/** Change runtime business settings (every node applies them at once) */
	"configuration.update": Operation<Record<string, never>, Record<string, never>, {
		slotGranularityMinutes?: number;
		travelBufferMinutes?: number;
		cancellationCutoffHours?: number;
		lateCancellationFeePercent?: number;
		timeZone?: string;
		availabilityCacheTtlSeconds?: number;
		reminderLeadHours?: number;
	}, 200, SettingsView>;
	/** Which kinds of e-mail the caller gets, and which cannot be turned off */
	"notifications.preferences": Operation<Record<string, never>, Record<string, never>, undefined, 200, MailPreferences>;
	/** Turn kinds of e-mail on or off (the booking, move and cancellation e-mails always go) */
	"notifications.updatePreferences": Operation<Record<string, never>, Record<string, never>, {
		booked?: boolean;
		rescheduled?: boolean;
		cancelled?: boolean;
		completed?: boolean;
		reminder?: boolean;
	}, 200, MailPreferences>;
}

export type OperationId = keyof Operations;

/** Method and path template of every operation. */
export const OPERATION_ROUTES: Record<OperationId, { method: string; path: string }> = {
	"catalog.list": { method: "GET", path: "/api/services" },
	"catalog.create": { method: "POST", path: "/api/services" },
	"catalog.get": { method: "GET", path: "/api/services/{code}" },
	"catalog.update": { method: "PATCH", path: "/api/services/{code}" },
	"customers.registerMe": { method: "POST", path: "/api/customers/me" },
	"customers.me": { method: "GET", path: "/api/customers/me" },
	"customers.updateMe": { method: "PATCH", path: "/api/customers/me" },
	"customers.deleteMe": { method: "DELETE", path: "/api/customers/me" },
	"customers.search": { method: "GET", path: "/api/customers" },
	"customers.getById": { method: "GET", path: "/api/customers/{id}" },
	"vehicles.list": { method: "GET", path: "/api/vehicles" },
	"vehicles.create": { method: "POST", path: "/api/vehicles" },
	"vehicles.get": { method: "GET", path: "/api/vehicles/{id}" },
	"vehicles.update": { method: "PATCH", path: "/api/vehicles/{id}" },
	"vehicles.remove": { method: "DELETE", path: "/api/vehicles/{id}" },
	"cleaners.create": { method: "POST", path: "/api/cleaners" },
	"cleaners.find": { method: "GET", path: "/api/cleaners" },
	"cleaners.me": { method: "GET", path: "/api/cleaners/me" },
	"cleaners.updateMe": { method: "PATCH", path: "/api/cleaners/me" },
	"cleaners.agenda": { method: "GET", path: "/api/cleaners/me/agenda" },
	"cleaners.get": { method: "GET", path: "/api/cleaners/{id}" },
	"cleaners.update": { method: "PATCH", path: "/api/cleaners/{id}" },
	"cleaners.activate": { method: "POST", path: "/api/cleaners/{id}/activate" },
	"cleaners.deactivate": { method: "POST", path: "/api/cleaners/{id}/deactivate" },
	"availability.search": { method: "GET", path: "/api/availability" },
	"bookings.create": { method: "POST", path: "/api/bookings" },
	"bookings.list": { method: "GET", path: "/api/bookings" },
	"bookings.get": { method: "GET", path: "/api/bookings/{id}" },
	"bookings.cancel": { method: "POST", path: "/api/bookings/{id}/cancel" },
	"bookings.reschedule": { method: "POST", path: "/api/bookings/{id}/reschedule" },
	"bookings.start": { method: "POST", path: "/api/bookings/{id}/start" },
	"bookings.complete": { method: "POST", path: "/api/bookings/{id}/complete" },
	"bookings.rate": { method: "POST", path: "/api/bookings/{id}/rating" },
	"webhooks.createEndpoint": { method: "POST", path: "/api/webhooks/endpoints" },
	"webhooks.listEndpoints": { method: "GET", path: "/api/webhooks/endpoints" },
	"webhooks.removeEndpoint": { method: "DELETE", path: "/api/webhooks/endpoints/{id}" },
	"webhooks.enableEndpoint": { method: "POST", path: "/api/webhooks/endpoints/{id}/enable" },
	"webhooks.listDeliveries": { method: "GET", path: "/api/webhooks/deliveries" },
	"webhooks.resendDelivery": { method: "POST", path: "/api/webhooks/deliveries/{id}/resend" },
	"configuration.list": { method: "GET", path: "/api/settings" },
	"configuration.update": { method: "PATCH", path: "/api/settings" },
	"notifications.preferences": { method: "GET", path: "/api/notifications/preferences" },
	"notifications.updatePreferences": { method: "PATCH", path: "/api/notifications/preferences" },
};
