import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

export const createNotifications: Migration = {
	name: "0001-create-notifications",
	async up(qi) {
		await createProcessedEventsTable(qi);
		// One row per e-mail, from queued to sent (or skipped, or failed: the dead-letter list). The unique key
		// (cause, kind, recipient) is what makes an e-mail impossible to queue twice, whatever redelivers its cause.
		await qi.createTable("mail_deliveries", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			mail_key: { type: DataTypes.STRING(64), allowNull: false, unique: true },
			kind: { type: DataTypes.STRING(20), allowNull: false },
			recipient_type: { type: DataTypes.STRING(10), allowNull: false },
			recipient_id: { type: DataTypes.STRING(255), allowNull: false },
			booking_id: { type: DataTypes.STRING(36), allowNull: false },
			details: { type: DataTypes.JSON, allowNull: false },
			status: { type: DataTypes.STRING(10), allowNull: false },
			attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			next_attempt_at: { type: DataTypes.DATE, allowNull: false },
			// A sender instance holds a row while it sends it; a lease that ran out (a crashed sender) is taken over.
			claimed_by: { type: DataTypes.STRING(100), allowNull: true },
			claimed_until: { type: DataTypes.DATE, allowNull: true },
			last_error: { type: DataTypes.STRING(500), allowNull: true },
			sent_at: { type: DataTypes.DATE, allowNull: true },
			created_at: { type: DataTypes.DATE, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
		await qi.addIndex("mail_deliveries", ["status", "next_attempt_at"], { name: "mail_deliveries_due" });
		// A booking's reminder, waiting for its time: one per booking, moved by a reschedule, gone on cancel.
		await qi.createTable("mail_reminders", {
			booking_id: { type: DataTypes.STRING(36), primaryKey: true },
			customer_id: { type: DataTypes.STRING(255), allowNull: false },
			start_at: { type: DataTypes.DATE, allowNull: false },
			details: { type: DataTypes.JSON, allowNull: false },
		});
		await qi.addIndex("mail_reminders", ["start_at"], { name: "mail_reminders_start" });
		// The kinds of e-mail each customer (by OIDC subject) turned off.
		await qi.createTable("mail_preferences", {
			subject: { type: DataTypes.STRING(255), primaryKey: true },
			disabled: { type: DataTypes.JSON, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
	},
};
