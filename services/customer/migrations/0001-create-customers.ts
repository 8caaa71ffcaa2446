import { DataTypes } from "sequelize";
import type { Migration } from "../../../lib/database.ts";

export const createCustomers: Migration = {
	name: "0001-create-customers",
	async up(qi) {
		await qi.createTable("customers", {
			id: { type: DataTypes.STRING(36), primaryKey: true },
			subject: { type: DataTypes.STRING(255), allowNull: false },
			display_name: { type: DataTypes.STRING(100), allowNull: false },
			// Nullable: a deleted customer's contact details are erased.
			email: { type: DataTypes.STRING(254), allowNull: true },
			phone: { type: DataTypes.STRING(16), allowNull: true },
			language: { type: DataTypes.STRING(35), allowNull: false },
			// At most 10 small objects, always read and written with the profile: no table of their own.
			addresses: { type: DataTypes.JSON, allowNull: false },
			deleted_at: { type: DataTypes.DATE, allowNull: true },
			created_at: { type: DataTypes.DATE, allowNull: false },
			updated_at: { type: DataTypes.DATE, allowNull: false },
		});
		await qi.addIndex("customers", ["subject"], { unique: true, name: "customers_subject" });
	},
};
