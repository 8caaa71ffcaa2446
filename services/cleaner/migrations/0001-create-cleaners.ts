import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

export const createCleaners: Migration = {
	name: "0001-create-cleaners",
	async up(qi) {
		await qi.createTable("cleaners", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			subject: { type: DataTypes.STRING(255), allowNull: false },
			display_name: { type: DataTypes.STRING(100), allowNull: false },
			email: { type: DataTypes.STRING(254), allowNull: true },
			phone: { type: DataTypes.STRING(16), allowNull: true },
			// Lists read and written with the profile: service type codes, weekday → intervals, time off periods.
			skills: { type: DataTypes.JSON, allowNull: false },
			weekly_hours: { type: DataTypes.JSON, allowNull: false },
			time_off: { type: DataTypes.JSON, allowNull: false },
			home_latitude: { type: DataTypes.DOUBLE, allowNull: false },
			home_longitude: { type: DataTypes.DOUBLE, allowNull: false },
			radius_km: { type: DataTypes.DOUBLE, allowNull: false },
			active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
			// The sum and count of ratings: the average is derived, and a new rating is one atomic increment.
			rating_sum: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			rating_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			jobs_completed: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			created_at: { type: DataTypes.DATE, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
		await qi.addIndex("cleaners", ["subject"], { unique: true, name: "cleaners_subject" });
		await qi.addIndex("cleaners", ["active"], { name: "cleaners_active" });
	},
};
