import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

export const createSettings: Migration = {
	name: "0001-create-settings",
	async up(qi) {
		await qi.createTable("settings", {
			key: { type: DataTypes.STRING(64), primaryKey: true },
			value: { type: DataTypes.JSON, allowNull: false },
			updated_by: { type: DataTypes.STRING(255), allowNull: false },
			created_at: { type: DataTypes.DATE, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
	},
};
