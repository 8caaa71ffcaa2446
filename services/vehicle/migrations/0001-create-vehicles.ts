import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

export const createVehicles: Migration = {
	name: "0001-create-vehicles",
	async up(qi) {
		await qi.createTable("vehicles", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			owner_id: { type: DataTypes.STRING(255), allowNull: false },
			plate: { type: DataTypes.STRING(16), allowNull: false },
			make: { type: DataTypes.STRING(60), allowNull: false },
			model: { type: DataTypes.STRING(60), allowNull: false },
			year: { type: DataTypes.INTEGER, allowNull: true },
			colour: { type: DataTypes.STRING(30), allowNull: true },
			size_class: { type: DataTypes.STRING(10), allowNull: false },
			last_cleaned_at: { type: DataTypes.DATE, allowNull: true },
			cleanings: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			upcoming_booking_id: { type: DataTypes.STRING(36), allowNull: true },
			created_at: { type: DataTypes.DATE, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
		await qi.addIndex("vehicles", ["owner_id", "plate"], { unique: true, name: "vehicles_owner_plate" });
	},
};
