export { fetchClientCredentialsToken, fetchUserTokens } from "../../identity/token-client.ts";

/** Secrets of the demo third-party clients (identity/demo-directory.ts). */
export const CLIENT_SECRETS = {
	"fleet-partner": "fleet-partner-secret",
	"fleet-readonly": "fleet-readonly-secret",
} as const;
