import { DataTypes, type Sequelize } from "sequelize";
import { tableOf } from "../../lib/database.ts";
import type {
	DeliveryStatus,
	EndpointStatus,
	WebhookDelivery,
	WebhookEndpoint,
	WebhookEventType,
} from "./contract.ts";

export interface EndpointRow {
	id: string;
	partnerClientId: string;
	url: string;
	eventTypes: WebhookEventType[];
	description: string | null;
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

export const ENDPOINT_MODEL = {
	name: "webhook_endpoints",
	define: {
		id: { type: DataTypes.STRING(36), primaryKey: true },
		partnerClientId: DataTypes.STRING(255),
		url: DataTypes.STRING(2000),
		eventTypes: DataTypes.JSON,
		description: DataTypes.STRING(200),
		secret: DataTypes.STRING(100),
		status: DataTypes.STRING(10),
		disabledReason: DataTypes.STRING(500),
		disabledAt: DataTypes.DATE(3),
		consecutiveFailures: DataTypes.INTEGER,
	},
};

/** The webhook database's main table: partners' endpoints. */
export function endpointsTable(sequelize: Sequelize) {
	return tableOf<EndpointRow>(sequelize, ENDPOINT_MODEL.name, ENDPOINT_MODEL.define, {});
}

/** Every event sent or to be sent to an endpoint. */
export function deliveriesTable(sequelize: Sequelize) {
	return tableOf<DeliveryRow>(
		sequelize,
		"webhook_deliveries",
		{
			id: { type: DataTypes.STRING(36), primaryKey: true },
			endpointId: DataTypes.STRING(36),
			messageId: DataTypes.STRING(64),
			eventType: DataTypes.STRING(100),
			bookingId: DataTypes.STRING(36),
			payload: DataTypes.TEXT,
			status: DataTypes.STRING(10),
			attempts: DataTypes.INTEGER,
			nextAttemptAt: DataTypes.DATE(3),
			giveUpAt: DataTypes.DATE(3),
			claimToken: DataTypes.STRING(36),
			claimedUntil: DataTypes.DATE(3),
			lastStatusCode: DataTypes.INTEGER,
			lastError: DataTypes.STRING(500),
			deliveredAt: DataTypes.DATE(3),
			failedAt: DataTypes.DATE(3),
		},
		{},
	);
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
