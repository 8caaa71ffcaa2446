import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

export const outbox: Migration = {
	name: "0002-outbox",
	async up(qi) {
		// Domain events written in the same transaction as the booking change they report, published to Kafka
		// afterwards by the relay in id order (services/booking/outbox.ts).
		await qi.createTable("outbox", {
			id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true },
			event_id: { type: DataTypes.STRING(36), allowNull: false },
			event_type: { type: DataTypes.STRING(100), allowNull: false },
			topic: { type: DataTypes.STRING(249), allowNull: false },
			message_key: { type: DataTypes.STRING(64), allowNull: false },
			// The CloudEvents envelope exactly as it goes out.
			payload: { type: DataTypes.TEXT, allowNull: false },
			created_at: { type: DataTypes.DATE(3), allowNull: false },
			sent_at: { type: DataTypes.DATE(3), allowNull: true },
		});
		await qi.addIndex("outbox", ["event_id"], { unique: true, name: "outbox_event" });
		await qi.addIndex("outbox", ["sent_at", "id"], { name: "outbox_unsent" });
	},
};
