import {
	counter,
	instant,
	integer,
	json,
	longText,
	nullable,
	tableColumns,
	text,
	uuid,
	uuidKey,
} from "../../../lib/columns.ts";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

// The tables as this migration creates them; the models (../models.ts) read these columns.

export const ENDPOINT_COLUMNS = {
	id: uuidKey(),
	// The OAuth client id of the partner that registered it: it receives its own bookings' events only.
	partnerClientId: text(255),
	url: text(2000),
	eventTypes: json(),
	description: nullable(text(200)),
	// `whsec_…` (Standard Webhooks): kept to sign every delivery, shown to the partner once.
	secret: text(100),
	status: text(10),
	disabledReason: nullable(text(500)),
	disabledAt: nullable(instant("milliseconds")),
	// Failed attempts since the last success; the endpoint is disabled when it reaches the limit.
	consecutiveFailures: counter(),
	createdAt: instant("milliseconds"),
	updatedAt: instant("milliseconds"),
};

/** One row per event and endpoint: the outbox of the deliveries, claimed by one instance at a time. */
export const DELIVERY_COLUMNS = {
	id: uuidKey(),
	endpointId: uuid(),
	// The `webhook-id` header, the same on every attempt.
	messageId: text(64),
	eventType: text(100),
	bookingId: uuid(),
	// The JSON body exactly as it is signed and sent.
	payload: longText(),
	status: text(10),
	attempts: counter(),
	nextAttemptAt: nullable(instant("milliseconds")),
	// Retries stop after this (the first attempt plus the retry window; a re-send starts a new window).
	giveUpAt: instant("milliseconds"),
	// The instance sending it right now and until when its claim holds (a crashed sender's lapses).
	claimToken: nullable(text(36)),
	claimedUntil: nullable(instant("milliseconds")),
	lastStatusCode: nullable(integer()),
	lastError: nullable(text(500)),
	deliveredAt: nullable(instant("milliseconds")),
	failedAt: nullable(instant("milliseconds")),
	createdAt: instant("milliseconds"),
	updatedAt: instant("milliseconds"),
};

export const webhooksSchema: Migration = {
	name: "0001-webhooks",
	async up(qi) {
		await createProcessedEventsTable(qi);
		await qi.createTable("webhook_endpoints", tableColumns(ENDPOINT_COLUMNS));
		await qi.addIndex("webhook_endpoints", ["partner_client_id"], { name: "webhook_endpoints_partner" });
		await qi.createTable("webhook_deliveries", tableColumns(DELIVERY_COLUMNS));
		await qi.addIndex("webhook_deliveries", ["endpoint_id", "message_id"], {
			unique: true,
			name: "webhook_deliveries_message",
		});
		await qi.addIndex("webhook_deliveries", ["status", "next_attempt_at"], {
			name: "webhook_deliveries_due",
		});
		await qi.addIndex("webhook_deliveries", ["endpoint_id", "created_at"], {
			name: "webhook_deliveries_endpoint",
		});
	},
};
