/**
 * A typed client of the Cleaning Platform API for the web app, partners and the tests: one function, `call`,
 * whose operation ids, parameters, bodies and answers are the types generated from docs/openapi.json
 * (./operations.ts). Errors come back as ApiError with the API's `type`, `details` and `requestId`.
 */
import { OPERATION_ROUTES, type OperationId, type Operations } from "./operations.ts";

export type { OperationId, Operations } from "./operations.ts";

type Empty = Record<string, never>;
/** What a call takes: the path parameters, query and body the operation has, and extra headers. */
export type CallInput<K extends OperationId> = (Operations[K]["pathParams"] extends Empty
	? { path?: Empty }
	: { path: Operations[K]["pathParams"] }) &
	(Operations[K]["query"] extends Empty ? { query?: Empty } : { query?: Operations[K]["query"] }) &
	(Operations[K]["body"] extends undefined ? { body?: undefined } : { body: Operations[K]["body"] }) & {
		headers?: Record<string, string>;
	};

/** The API's error answer, as an exception. */
export class ApiError extends Error {
	readonly status: number;
	readonly type: string;
	readonly details: unknown;
	readonly requestId: string | undefined;
	readonly headers: Headers;

	constructor(status: number, body: unknown, headers: Headers) {
		const error = (
			body as { error?: { type?: string; message?: string; details?: unknown; requestId?: string } }
		)?.error;
		super(error?.message ?? `HTTP ${status}`);
		this.name = "ApiError";
		this.status = status;
		this.type = error?.type ?? "UNKNOWN";
		this.details = error?.details;
		this.requestId = error?.requestId;
		this.headers = headers;
	}
}

export interface ApiClientOptions {
	/** Where the gateway is, e.g. http://localhost:3000 (the paths start with /api). */
	baseUrl: string;
	/** The current access token, if any: asked before every call, so a renewed token is used at once. */
	accessToken?: () => string | undefined | Promise<string | undefined>;
	fetch?: typeof fetch;
}

export function createApiClient(options: ApiClientOptions) {
	const send = options.fetch ?? fetch;
	return async function call<K extends OperationId>(
		operation: K,
		input: CallInput<K>,
	): Promise<{ status: Operations[K]["status"]; data: Operations[K]["response"]; headers: Headers }> {
		const route = OPERATION_ROUTES[operation];
		const pathParams = (input.path ?? {}) as Record<string, string>;
		let url = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
			encodeURIComponent(String(pathParams[name])),
		);
		const query = new URLSearchParams(
			Object.entries((input.query ?? {}) as Record<string, unknown>)
				.filter(([, value]) => value !== undefined)
				.map(([name, value]) => [name, String(value)]),
		).toString();
		if (query !== "") url += `?${query}`;
		const headers: Record<string, string> = { Accept: "application/json", ...input.headers };
		const token = await options.accessToken?.();
		if (token) headers.Authorization = `Bearer ${token}`;
		if (input.body !== undefined) headers["Content-Type"] = "application/json";
		const response = await send(`${options.baseUrl}${url}`, {
			method: route.method,
			headers,
			body: input.body === undefined ? undefined : JSON.stringify(input.body),
		});
		const text = await response.text();
		const body = text === "" ? undefined : JSON.parse(text);
		if (!response.ok) throw new ApiError(response.status, body, response.headers);
		return { status: response.status as Operations[K]["status"], data: body, headers: response.headers };
	};
}

export type ApiClient = ReturnType<typeof createApiClient>;
