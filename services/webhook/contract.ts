/**
 * What other services, the gateway and the ops REPL may know of the webhooks service (`webhooks`): partners'
 * endpoints, the deliveries of booking events to them, and the event types a partner can subscribe to.
 * Deliveries follow the Standard Webhooks specification (headers `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`); docs/api.md describes how a partner verifies them.
 */
import * as schema from "../../lib/json-schema.ts";
import { BOOKING_EVENT_TYPES } from "../booking/contract.ts";

/** The events a partner receives: those of its own bookings (booking-events). */
export const WEBHOOK_EVENT_TYPES = Object.values(BOOKING_EVENT_TYPES);
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const ENDPOINT_STATUSES = ["enabled", "disabled"] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

/** pending: waiting for its next attempt; succeeded: answered 2xx; failed: retries over or endpoint disabled. */
export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A partner's endpoint as it sees it (the secret only in the answer that creates it). */
const ENDPOINT_PROPERTIES = {
	id: schema.uuid,
	url: schema.string({ format: "uri" }),
	eventTypes: schema.arrayOf(schema.enumOf(WEBHOOK_EVENT_TYPES)),
	description: schema.nullable(schema.string()),
	status: schema.enumOf(ENDPOINT_STATUSES),
	// Why the platform disabled it, and when; null while enabled.
	disabled: schema.nullable(schema.object({ reason: schema.string(), at: schema.instant })),
	createdAt: schema.instant,
	updatedAt: schema.instant,
};
export const WEBHOOK_ENDPOINT_SCHEMA = schema.named("WebhookEndpoint", schema.object(ENDPOINT_PROPERTIES));
export type WebhookEndpoint = schema.Infer<typeof WEBHOOK_ENDPOINT_SCHEMA>;

/** The answer of `webhooks.createEndpoint`: the endpoint and its signing secret, shown this once. */
export const NEW_WEBHOOK_ENDPOINT_SCHEMA = schema.named(
	"NewWebhookEndpoint",
	schema.object({
		...ENDPOINT_PROPERTIES,
		// `whsec_` and the base64 key (Standard Webhooks): the partner verifies signatures with it.
		secret: schema.string({ pattern: "^whsec_" }),
	}),
);
export type NewWebhookEndpoint = schema.Infer<typeof NEW_WEBHOOK_ENDPOINT_SCHEMA>;

export const WEBHOOK_ENDPOINT_LIST_SCHEMA = schema.named(
	"WebhookEndpointList",
	schema.object({ items: schema.arrayOf(WEBHOOK_ENDPOINT_SCHEMA) }),
);
export type WebhookEndpointList = schema.Infer<typeof WEBHOOK_ENDPOINT_LIST_SCHEMA>;

/** One event on its way to one endpoint, with the outcome of its last attempt. */
export const WEBHOOK_DELIVERY_SCHEMA = schema.named(
	"WebhookDelivery",
	schema.object({
		id: schema.uuid,
		endpointId: schema.uuid,
		// The `webhook-id` header: the same on every attempt and re-send, for the receiver's deduplication.
		messageId: schema.string(),
		eventType: schema.enumOf(WEBHOOK_EVENT_TYPES),
		bookingId: schema.uuid,
		status: schema.enumOf(DELIVERY_STATUSES),
		attempts: schema.integer({ minimum: 0 }),
		// The HTTP status of the last attempt; null when it got no answer (or none was made yet).
		lastStatusCode: schema.nullable(schema.integer()),
		lastError: schema.nullable(schema.string()),
		nextAttemptAt: schema.nullable(schema.instant),
		deliveredAt: schema.nullable(schema.instant),
		createdAt: schema.instant,
	}),
);
export type WebhookDelivery = schema.Infer<typeof WEBHOOK_DELIVERY_SCHEMA>;
export const WEBHOOK_DELIVERY_PAGE_SCHEMA = schema.named(
	"WebhookDeliveryPage",
	schema.pageOf(WEBHOOK_DELIVERY_SCHEMA),
);
export type WebhookDeliveryPage = schema.Infer<typeof WEBHOOK_DELIVERY_PAGE_SCHEMA>;

/** A failed delivery as ops see it (`webhooks.failedDeliveries`): whose, where to and why. */
export interface FailedDelivery {
	id: string;
	partnerClientId: string;
	url: string;
	eventType: string;
	attempts: number;
	lastError: string | null;
	failedAt: string;
}
