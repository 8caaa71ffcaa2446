import { ApiError, createApiClient } from "../../clients/api/client.ts";

export type { ApiClient, Operations } from "../../clients/api/client.ts";
export { ApiError };

/** The typed client of the API, on the gateway that served the app, with the current access token. */
export function apiClient(accessToken: () => string | undefined) {
	return createApiClient({ baseUrl: location.origin, accessToken });
}

/** A 422's `details`: field → message, to show beside each field. */
export function fieldErrors(error: unknown): Record<string, string> {
	if (!(error instanceof ApiError) || error.status !== 422 || !Array.isArray(error.details)) return {};
	const fields: Record<string, string> = {};
	for (const detail of error.details as Array<{ field?: string; message?: string }>) {
		if (detail.field) fields[detail.field.replace(/^body\./, "")] ??= detail.message ?? "invalid";
	}
	return fields;
}

/** One sentence for the person using the app. */
export function describeError(error: unknown): string {
	if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
	switch (error.status) {
		case 401:
			return "Your session has ended. Sign in again.";
		case 403:
			return "You are not allowed to do that.";
		case 409:
			return isTimeGone(error)
				? "That time was just taken by someone else. The free times below are fresh."
				: error.message;
		case 422:
			return "Please check the highlighted fields.";
		case 429:
			return "Too many requests. Wait a moment and try again.";
		case 503:
		case 504:
			return "The service is unavailable right now.";
		default:
			return error.message;
	}
}

/** 409: taken in the race for the slot (SLOT_TAKEN), or already gone when the booking was checked. */
export function isTimeGone(error: unknown): boolean {
	return error instanceof ApiError && (error.type === "SLOT_TAKEN" || error.type === "SLOT_UNAVAILABLE");
}

export function isRetryable(error: unknown): boolean {
	return error instanceof ApiError && (error.status === 503 || error.status === 504 || error.status === 429);
}
