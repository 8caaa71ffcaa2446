import * as column from "../../../lib/columns.ts";
import { PROCESSED_EVENTS_TABLE } from "../../../lib/events/consumer.ts";

// The tables as this migration creates them; the models (../models.ts) read these columns.

export const ENDPOINTS_TABLE = column.table("webhook_endpoints", {
	columns: {
		id: column.uuidKey(),
		// The OAuth client id of the partner that registered it: it receives its own bookings' events only.
		partnerClientId: column.text(255),
		url: column.text(2000),
		eventTypes: column.json(),
		description: column.nullable(column.text(200)),
		// `whsec_…` (Standard Webhooks): kept to sign every delivery, shown to the partner once.
		secret: column.text(100),
		status: column.text(10),
		disabledReason: column.nullable(column.text(500)),
		disabledAt: column.nullable(column.instant("milliseconds")),
		// Failed attempts since the last success; the endpoint is disabled when it reaches the limit.
		consecutiveFailures: column.counter(),
		createdAt: column.instant("milliseconds"),
		updatedAt: column.instant("milliseconds"),
	},
	indexes: [{ name: "webhook_endpoints_partner", fields: ["partner_client_id"] }],
});

/** One row per event and endpoint: the outbox of the deliveries, claimed by one instance at a time. */
export const DELIVERIES_TABLE = column.table("webhook_deliveries", {
	columns: {
		id: column.uuidKey(),
		endpointId: column.uuid(),
		// The `webhook-id` header, the same on every attempt.
		messageId: column.text(64),
		eventType: column.text(100),
		bookingId: column.uuid(),
		// The JSON body exactly as it is signed and sent.
		payload: column.longText(),
		status: column.text(10),
		attempts: column.counter(),
		nextAttemptAt: column.nullable(column.instant("milliseconds")),
		// Retries stop after this (the first attempt plus the retry window; a re-send starts a new window).
		giveUpAt: column.instant("milliseconds"),
		// The instance sending it right now and until when its claim holds (a crashed sender's lapses).
		claimToken: column.nullable(column.text(36)),
		claimedUntil: column.nullable(column.instant("milliseconds")),
		lastStatusCode: column.nullable(column.integer()),
		lastError: column.nullable(column.text(500)),
		deliveredAt: column.nullable(column.instant("milliseconds")),
		failedAt: column.nullable(column.instant("milliseconds")),
		createdAt: column.instant("milliseconds"),
		updatedAt: column.instant("milliseconds"),
	},
	indexes: [
		{ name: "webhook_deliveries_message", fields: ["endpoint_id", "message_id"], unique: true },
		{ name: "webhook_deliveries_due", fields: ["status", "next_attempt_at"] },
		{ name: "webhook_deliveries_endpoint", fields: ["endpoint_id", "created_at"] },
	],
});

export const webhooksSchema = column.tablesMigration("0001-webhooks", [
	PROCESSED_EVENTS_TABLE,
	ENDPOINTS_TABLE,
	DELIVERIES_TABLE,
]);
