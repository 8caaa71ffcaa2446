import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";
import { createProcessedEventsTable } from "../../../lib/events/consumer.ts";

export const createAgenda: Migration = {
	name: "0002-agenda",
	async up(qi) {
		await createProcessedEventsTable(qi);
		// The cleaners' agendas, a read model of the booking service's events: the interval comes from
		// cleaner-availability-updates, the job's status and details from booking-events. Each topic writes only
		// its own columns, so the two can arrive in any order relative to each other.
		await qi.createTable("agenda", {
			booking_id: { type: DataTypes.STRING(36), primaryKey: true },
			cleaner_id: { type: DataTypes.STRING(36), allowNull: false },
			start_at: { type: DataTypes.DATE, allowNull: true },
			end_at: { type: DataTypes.DATE, allowNull: true },
			reserved: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
			status: { type: DataTypes.STRING(12), allowNull: true },
			service_type: { type: DataTypes.STRING(40), allowNull: true },
			vehicle: { type: DataTypes.JSON, allowNull: true },
			location: { type: DataTypes.JSON, allowNull: true },
			notes: { type: DataTypes.STRING(500), allowNull: true },
		});
		await qi.addIndex("agenda", ["cleaner_id", "start_at"], { name: "agenda_cleaner_start" });
	},
};
