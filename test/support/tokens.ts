export { fetchClientCredentialsToken, fetchUserTokens } from "../../services/identity/token-client.ts";

/** Secrets of the demo third-party clients (demo/people.ts). */
export const CLIENT_SECRETS = {
	"fleet-partner": "fleet-partner-secret",
	"fleet-readonly": "fleet-readonly-secret",
} as const;
