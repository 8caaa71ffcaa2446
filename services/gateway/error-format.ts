/**
 * Turns any error into the HTTP answer a client sees. 4xx answers say what was wrong (field and rule);
 * 5xx answers never carry internal messages or data, only a request id to quote to support.
 */
export interface FormattedError {
	status: number;
	body: { error: { status: number; type: string; message: string; details?: unknown; requestId?: string } };
	headers: Record<string, string>;
}

interface ErrorLike {
	name?: string;
	message?: string;
	code?: unknown;
	type?: string;
	data?: unknown;
}

/** Framework errors whose own code would mislead a client. */
const REMAPPED: Record<string, { status: number; type: string; message: string }> = {
	// Moleculer answers 404 when no node runs the service: for a client that is an outage, not a missing page.
	ServiceNotFoundError: {
		status: 503,
		type: "SERVICE_UNAVAILABLE",
		message: "service temporarily unavailable",
	},
	ServiceNotAvailableError: {
		status: 503,
		type: "SERVICE_UNAVAILABLE",
		message: "service temporarily unavailable",
	},
	RequestTimeoutError: { status: 504, type: "TIMEOUT", message: "the request timed out" },
	QueueIsFullError: { status: 503, type: "OVERLOADED", message: "service overloaded, try again shortly" },
	CircuitBreakerOpenError: {
		status: 503,
		type: "SERVICE_UNAVAILABLE",
		message: "service temporarily unavailable",
	},
};

/** The body parser names its errors in its own words (`entity.parse.failed`): the API's are these. */
const BODY_PARSER_TYPES: Record<string, string> = {
	"entity.parse.failed": "INVALID_REQUEST_BODY",
	"entity.verify.failed": "INVALID_REQUEST_BODY",
	"encoding.unsupported": "INVALID_REQUEST_BODY",
	"charset.unsupported": "INVALID_REQUEST_BODY",
	"request.aborted": "INVALID_REQUEST_BODY",
	"request.size.invalid": "INVALID_REQUEST_BODY",
	"entity.too.large": "PAYLOAD_TOO_LARGE",
	ERR_UNABLE_DECODE_PARAM: "INVALID_REQUEST_BODY",
};

const SERVER_MESSAGES: Record<number, string> = {
	502: "bad gateway",
	503: "service temporarily unavailable",
	504: "the request timed out",
};

/** fastest-validator's items, reduced to what a client needs: which field, which rule, what message. */
function validationDetails(data: unknown): unknown {
	if (!Array.isArray(data)) return undefined;
	return data.map(
		(item: { field?: string; type?: string; message?: string; expected?: unknown; actual?: unknown }) => ({
			// A rejected unknown key (mass assignment) has no field of its own: name the key itself.
			field: item.field ?? (item.type === "objectStrict" ? item.actual : undefined),
			rule: item.type,
			message: item.message,
			...(item.expected !== undefined ? { expected: item.expected } : {}),
		}),
	);
}

export function formatError(error: unknown, requestId?: string): FormattedError {
	const e = (error ?? {}) as ErrorLike;
	const remapped = e.name ? REMAPPED[e.name] : undefined;
	const code = typeof e.code === "number" && e.code >= 400 && e.code < 600 ? e.code : 500;
	const status = remapped?.status ?? code;
	const headers: Record<string, string> = {};

	if (status >= 500) {
		return {
			status,
			headers: status === 503 ? { "Retry-After": "5" } : headers,
			body: {
				error: {
					status,
					type: remapped?.type ?? (status === 503 ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR"),
					message: remapped?.message ?? SERVER_MESSAGES[status] ?? "internal error",
					requestId,
				},
			},
		};
	}

	if (status === 401) {
		// RFC 6750: a presented but unusable token is "invalid_token"; a missing one gets the bare challenge.
		const invalid = e.message?.startsWith("invalid token") === true;
		headers["WWW-Authenticate"] =
			`Bearer realm="cleaning-platform"${invalid ? ', error="invalid_token"' : ""}`;
	}
	if (status === 429) {
		const retryAfter = (e.data as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60;
		headers["Retry-After"] = String(retryAfter);
	}
	const details = e.name === "ValidationError" ? validationDetails(e.data) : e.data;
	const type = e.type ? (BODY_PARSER_TYPES[e.type] ?? e.type) : "BAD_REQUEST";
	return {
		status,
		headers,
		body: {
			error: {
				status,
				type,
				message: e.message ?? "bad request",
				...(details !== undefined && status !== 429 ? { details } : {}),
				requestId,
			},
		},
	};
}
