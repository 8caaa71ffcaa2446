import { config } from "../../../config/index.ts";
import type { Migration } from "../../../lib/database.ts";
import { signingSecretsKey } from "../signing-secrets.ts";
import { webhooksSchema } from "./0001-webhooks.ts";
import { sealedSecrets } from "./0002-sealed-secrets.ts";

/** Applied in this order, once each; never edit a migration that has shipped, add the next one. */
export const WEBHOOK_MIGRATIONS: readonly Migration[] = [
	webhooksSchema,
	sealedSecrets(() => signingSecretsKey(config.webhooks)),
];
