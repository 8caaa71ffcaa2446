import type { Migration } from "../../../lib/database.ts";
import { isSealed, sealSecret } from "../signing-secrets.ts";

/**
 * Signing secrets were stored in clear until this migration: each is sealed in place under the key `keyOf`
 * answers (services/webhook/signing-secrets.ts). A row already sealed is left, so a run cut short is finished by
 * the next one.
 */
export function sealedSecrets(keyOf: () => Buffer): Migration {
	return {
		name: "0002-sealed-secrets",
		async up(_queryInterface, sequelize) {
			const key = keyOf();
			const [rows] = (await sequelize.query("SELECT id, secret FROM webhook_endpoints")) as [
				Array<{ id: string; secret: string }>,
				unknown,
			];
			for (const { id, secret } of rows.filter((row) => !isSealed(row.secret))) {
				await sequelize.query("UPDATE webhook_endpoints SET secret = ? WHERE id = ? AND secret = ?", {
					replacements: [sealSecret(key, id, secret), id, secret],
				});
			}
		},
	};
}
