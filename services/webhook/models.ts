import type { Sequelize } from "sequelize";
import { tableOf } from "../../lib/database.ts";
import type {
	DeliveryStatus,
	EndpointStatus,
	WebhookDelivery,
	WebhookEndpoint,
	WebhookEventType,
} from "./contract.ts";
import { DELIVERIES_TABLE, ENDPOINTS_TABLE } from "./migrations/0001-webhooks.ts";

export interface EndpointRow {
	id: string;
	partnerClientId: string;
	url: string;
	eventTypes: WebhookEventType[];
	description: string | null;
	/** Sealed (signing-secrets.ts); the partner saw it in clear once, at registration. */
	secret: string;
	status: EndpointStatus;
	disabledReason: string | null;
	disabledAt: Date | null;
	consecutiveFailures: number;
	createdAt: Date;
	updatedAt: Date;
}

export interface DeliveryRow {
	id: string;
	endpointId: string;
	messageId: string;
	eventType: WebhookEventType;
	bookingId: string;
	payload: string;
	status: DeliveryStatus;
	attempts: number;
	nextAttemptAt: Date | null;
	giveUpAt: Date;
	claimToken: string | null;
	claimedUntil: Date | null;
	lastStatusCode: number | null;
	lastError: string | null;
	deliveredAt: Date | null;
	failedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

/** The webhook database's main table: partners' endpoints. */
export function endpointsTable(sequelize: Sequelize) {
	return tableOf<EndpointRow>(sequelize, ENDPOINTS_TABLE, {});
}

/** Every event sent or to be sent to an endpoint. */
export function deliveriesTable(sequelize: Sequelize) {
	return tableOf<DeliveryRow>(sequelize, DELIVERIES_TABLE, {});
}

const iso = (date: Date | null) => (date === null ? null : new Date(date).toISOString());

/** An endpoint as its partner sees it: never its secret. */
export function toEndpoint(row: EndpointRow): WebhookEndpoint {
	return {
		id: row.id,
		url: row.url,
		eventTypes: row.eventTypes,
		description: row.description ?? null,
		status: row.status,
		disabled:
			row.status === "disabled"
				? { reason: row.disabledReason ?? "", at: new Date(row.disabledAt ?? row.updatedAt).toISOString() }
				: null,
		createdAt: new Date(row.createdAt).toISOString(),
		updatedAt: new Date(row.updatedAt).toISOString(),
	};
}

export function toDelivery(row: DeliveryRow): WebhookDelivery {
	return {
		id: row.id,
		endpointId: row.endpointId,
		messageId: row.messageId,
		eventType: row.eventType,
		bookingId: row.bookingId,
		status: row.status,
		attempts: row.attempts,
		lastStatusCode: row.lastStatusCode ?? null,
		lastError: row.lastError ?? null,
		nextAttemptAt: row.status === "pending" ? iso(row.nextAttemptAt ?? null) : null,
		deliveredAt: iso(row.deliveredAt ?? null),
		createdAt: new Date(row.createdAt).toISOString(),
	};
}
