import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

export const webhooksSchema: Migration = {
	name: "0001-webhooks",
	async up(qi) {
		await createProcessedEventsTable(qi);

		await qi.createTable("webhook_endpoints", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			// The OAuth client id of the partner that registered it: it receives its own bookings' events only.
			partner_client_id: { type: DataTypes.STRING(255), allowNull: false },
			url: { type: DataTypes.STRING(2000), allowNull: false },
			event_types: { type: DataTypes.JSON, allowNull: false },
			description: { type: DataTypes.STRING(200), allowNull: true },
			// `whsec_…` (Standard Webhooks): kept to sign every delivery, shown to the partner once.
			secret: { type: DataTypes.STRING(100), allowNull: false },
			status: { type: DataTypes.STRING(10), allowNull: false },
			disabled_reason: { type: DataTypes.STRING(500), allowNull: true },
			disabled_at: { type: DataTypes.DATE(3), allowNull: true },
			// Failed attempts since the last success; the endpoint is disabled when it reaches the limit.
			consecutive_failures: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			created_at: { type: DataTypes.DATE(3), allowNull: false },
			updated_at: { type: DataTypes.DATE(3), allowNull: false },
		});
		await qi.addIndex("webhook_endpoints", ["partner_client_id"], { name: "webhook_endpoints_partner" });

		// One row per event and endpoint: the outbox of the deliveries, claimed by one instance at a time.
		await qi.createTable("webhook_deliveries", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			endpoint_id: { type: DataTypes.STRING(36), allowNull: false },
			// The `webhook-id` header, the same on every attempt.
			message_id: { type: DataTypes.STRING(64), allowNull: false },
			event_type: { type: DataTypes.STRING(100), allowNull: false },
			booking_id: { type: DataTypes.STRING(36), allowNull: false },
			// The JSON body exactly as it is signed and sent.
			payload: { type: DataTypes.TEXT, allowNull: false },
			status: { type: DataTypes.STRING(10), allowNull: false },
			attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			next_attempt_at: { type: DataTypes.DATE(3), allowNull: true },
			// Retries stop after this (the first attempt plus the retry window; a re-send starts a new window).
			give_up_at: { type: DataTypes.DATE(3), allowNull: false },
			// The instance sending it right now and until when its claim holds (a crashed sender's lapses).
			claim_token: { type: DataTypes.STRING(36), allowNull: true },
			claimed_until: { type: DataTypes.DATE(3), allowNull: true },
			last_status_code: { type: DataTypes.INTEGER, allowNull: true },
			last_error: { type: DataTypes.STRING(500), allowNull: true },
			delivered_at: { type: DataTypes.DATE(3), allowNull: true },
			failed_at: { type: DataTypes.DATE(3), allowNull: true },
			created_at: { type: DataTypes.DATE(3), allowNull: false },
			updated_at: { type: DataTypes.DATE(3), allowNull: false },
		});
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
