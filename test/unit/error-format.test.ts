import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Errors } from "moleculer";
import ApiGateway from "moleculer-web";
import { DatabaseError, UniqueConstraintError } from "sequelize";
import {
	ConflictError,
	DependencyUnavailableError,
	ForbiddenError,
	NotFoundError,
	UnauthorizedError,
	UnprocessableError,
} from "../../lib/errors.ts";
import { formatError } from "../../services/gateway/error-format.ts";

const REQUEST_ID = "req-123";
const RETRY_AFTER_5 = { "Retry-After": "5" };

/** The body formatError answers with: the error's status, type and message, details when given, the request id. */
function errorBody(status: number, type: string, message: string, details?: unknown) {
	return {
		error: { status, type, message, ...(details === undefined ? {} : { details }), requestId: REQUEST_ID },
	};
}

/** The whole answer: the body's status is the response's. */
function errorResponse(
	status: number,
	type: string,
	message: string,
	headers: Record<string, string> = {},
	details?: unknown,
) {
	return { status, headers, body: errorBody(status, type, message, details) };
}

const INTERNAL_ERROR = errorBody(500, "INTERNAL_ERROR", "internal error");
const SERVICE_UNAVAILABLE = errorResponse(
	503,
	"SERVICE_UNAVAILABLE",
	"service temporarily unavailable",
	RETRY_AFTER_5,
);

function sqlError(): DatabaseError {
	const parent = Object.assign(new Error("ER_NO_SUCH_TABLE: Table 'booking.bookings' doesn't exist"), {
		sql: "SELECT `id`, `secret_column` FROM `bookings` WHERE `customerId` = 'cust-1'",
		code: "ER_NO_SUCH_TABLE",
		errno: 1146,
	});
	return new DatabaseError(parent as unknown as ConstructorParameters<typeof DatabaseError>[0]);
}

describe("formatError: server errors never leak", () => {
	it("a SequelizeDatabaseError with SQL in it becomes a bare 500 with the request id", () => {
		const error = sqlError();
		assert.equal(error.name, "SequelizeDatabaseError");
		assert.match(error.message, /bookings/);
		const formatted = formatError(error, REQUEST_ID);
		assert.deepEqual(formatted, { status: 500, headers: {}, body: INTERNAL_ERROR });
		const json = JSON.stringify(formatted);
		for (const secret of ["SELECT", "bookings", "secret_column", "ER_NO_SUCH_TABLE", "1146", "cust-1"]) {
			assert.equal(json.includes(secret), false, `leaked ${secret}`);
		}
	});

	it("a UniqueConstraintError that escaped the service is a 500 too, without its fields", () => {
		const error = new UniqueConstraintError({ message: "Validation error", fields: { plate: "AB12CD" } });
		const formatted = formatError(error, REQUEST_ID);
		assert.equal(formatted.status, 500);
		assert.equal(JSON.stringify(formatted).includes("AB12CD"), false);
	});

	it("a plain Error or TypeError is a 500 with only a generic message", () => {
		for (const error of [
			new Error("password=hunter2"),
			new TypeError("Cannot read properties of undefined (reading 'x')"),
		]) {
			assert.deepEqual(formatError(error, REQUEST_ID).body, INTERNAL_ERROR);
		}
	});

	it("a MoleculerServerError with code 500, a type and data keeps none of them", () => {
		const error = new Errors.MoleculerServerError("db host 10.0.0.5 down", 500, "DB_DOWN", {
			host: "10.0.0.5",
		});
		assert.deepEqual(formatError(error, REQUEST_ID), { status: 500, headers: {}, body: INTERNAL_ERROR });
	});

	it("a 502 answers with the generic bad-gateway message", () => {
		const error = new Errors.MoleculerError("upstream said: internal detail", 502, "UPSTREAM", {
			url: "http://x",
		});
		assert.deepEqual(formatError(error, REQUEST_ID).body, errorBody(502, "INTERNAL_ERROR", "bad gateway"));
	});

	it("a retryable 503 from a service becomes SERVICE_UNAVAILABLE with Retry-After, without its data", () => {
		const formatted = formatError(new DependencyUnavailableError("vehicle"), REQUEST_ID);
		assert.deepEqual(formatted, SERVICE_UNAVAILABLE);
		assert.equal(JSON.stringify(formatted).includes("vehicle"), false);
	});

	it("non-numeric or out-of-range codes count as 500", () => {
		for (const code of ["ECONNREFUSED", 200, 302, 600, 399, Number.NaN]) {
			const error = Object.assign(new Error("x"), { code });
			assert.equal(formatError(error, REQUEST_ID).status, 500, String(code));
		}
	});

	it("something that is not an error at all is a 500", () => {
		for (const thrown of [null, undefined, "a string", 42, {}]) {
			assert.deepEqual(formatError(thrown, REQUEST_ID).body, INTERNAL_ERROR);
		}
	});
});

describe("formatError: framework errors remapped", () => {
	it("ServiceNotFoundError (Moleculer's 404) is a 503 outage with Retry-After", () => {
		const error = new Errors.ServiceNotFoundError({ action: "booking.create", nodeID: "node-7" });
		assert.equal(error.code, 404);
		const formatted = formatError(error, REQUEST_ID);
		assert.deepEqual(formatted, SERVICE_UNAVAILABLE);
		assert.equal(JSON.stringify(formatted).includes("node-7"), false);
		assert.equal(JSON.stringify(formatted).includes("booking.create"), false);
	});

	it("ServiceNotAvailableError is a 503", () => {
		const error = new Errors.ServiceNotAvailableError({ action: "booking.create", nodeID: "node-7" });
		assert.equal(formatError(error, REQUEST_ID).status, 503);
		assert.equal(formatError(error, REQUEST_ID).body.error.type, "SERVICE_UNAVAILABLE");
	});

	it("RequestTimeoutError is a 504 without Retry-After", () => {
		const error = new Errors.RequestTimeoutError({ action: "booking.create", nodeID: "node-7" });
		assert.deepEqual(formatError(error, REQUEST_ID), errorResponse(504, "TIMEOUT", "the request timed out"));
	});

	it("QueueIsFullError (Moleculer's 429) is a 503 overload", () => {
		const error = new Errors.QueueIsFullError({
			action: "booking.create",
			nodeID: "node-7",
			size: 10,
			limit: 10,
		});
		assert.equal(error.code, 429);
		assert.deepEqual(
			formatError(error, REQUEST_ID),
			errorResponse(503, "OVERLOADED", "service overloaded, try again shortly", RETRY_AFTER_5),
		);
	});

	it("an open circuit breaker is a 503", () => {
		const error = Object.assign(new Error("circuit open for node-7"), {
			name: "CircuitBreakerOpenError",
			code: 503,
		});
		assert.deepEqual(formatError(error, REQUEST_ID).body.error, SERVICE_UNAVAILABLE.body.error);
	});
});

describe("formatError: client errors say what was wrong", () => {
	it("a ValidationError's items become field, rule and message (expected only when present)", () => {
		const error = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
			{
				type: "required",
				field: "vehicleId",
				message: "The 'vehicleId' field is required.",
				actual: undefined,
			},
			{
				type: "stringMin",
				field: "notes",
				message: "The 'notes' field length must be greater than or equal to 3 characters long.",
				expected: 3,
				actual: "ab",
				nodeID: "node-7",
			},
		]);
		assert.deepEqual(formatError(error, REQUEST_ID), {
			status: 422,
			headers: {},
			body: {
				error: {
					status: 422,
					type: "VALIDATION_ERROR",
					message: "Parameters validation error!",
					details: [
						{ field: "vehicleId", rule: "required", message: "The 'vehicleId' field is required." },
						{
							field: "notes",
							rule: "stringMin",
							message: "The 'notes' field length must be greater than or equal to 3 characters long.",
							expected: 3,
						},
					],
					requestId: REQUEST_ID,
				},
			},
		});
	});

	it("a ValidationError whose data is not a list has no details", () => {
		const error = new Errors.ValidationError("bad", "VALIDATION_ERROR", { field: "x" });
		assert.deepEqual(formatError(error, REQUEST_ID).body, errorBody(422, "VALIDATION_ERROR", "bad"));
	});

	it("the platform's own client errors keep their status, type, message and data", () => {
		assert.deepEqual(
			formatError(new NotFoundError("booking", "b-1"), REQUEST_ID),
			errorResponse(404, "NOT_FOUND", "booking b-1 not found", {}, { entity: "booking", id: "b-1" }),
		);
		assert.deepEqual(
			formatError(new ConflictError("slot taken", "SLOT_TAKEN", { start: "x" }), REQUEST_ID).body,
			errorBody(409, "SLOT_TAKEN", "slot taken", { start: "x" }),
		);
		assert.deepEqual(
			formatError(new UnprocessableError("plate", "invalid"), REQUEST_ID).body,
			errorBody(422, "VALIDATION_ERROR", "plate: invalid", [{ field: "plate", message: "invalid" }]),
		);
		assert.deepEqual(
			formatError(new ForbiddenError(), REQUEST_ID),
			errorResponse(403, "FORBIDDEN", "not allowed"),
		);
	});

	it("a 4xx without type or message gets BAD_REQUEST and a generic message", () => {
		const error = { code: 400 };
		assert.deepEqual(formatError(error, REQUEST_ID).body, errorBody(400, "BAD_REQUEST", "bad request"));
	});

	it("moleculer-web's own 404 stays a 404", () => {
		const error = new ApiGateway.Errors.NotFoundError("NOT_FOUND");
		assert.equal(formatError(error, REQUEST_ID).status, 404);
	});
});

describe("formatError: headers", () => {
	it("401 without a token carries the bare Bearer challenge", () => {
		assert.deepEqual(formatError(new UnauthorizedError(), REQUEST_ID).headers, {
			"WWW-Authenticate": 'Bearer realm="cleaning-platform"',
		});
	});

	it("401 for a bad token says invalid_token (RFC 6750)", () => {
		const formatted = formatError(new UnauthorizedError("invalid token: expired"), REQUEST_ID);
		assert.deepEqual(
			formatted,
			errorResponse(401, "UNAUTHORIZED", "invalid token: expired", {
				"WWW-Authenticate": 'Bearer realm="cleaning-platform", error="invalid_token"',
			}),
		);
	});

	it("moleculer-web's UnAuthorizedError gets the header too", () => {
		const error = new ApiGateway.Errors.UnAuthorizedError(ApiGateway.Errors.ERR_INVALID_TOKEN, null);
		assert.deepEqual(formatError(error, REQUEST_ID).headers, {
			"WWW-Authenticate": 'Bearer realm="cleaning-platform"',
		});
	});

	it("429 carries Retry-After from the error's retryAfterSeconds, and no details", () => {
		const error = new Errors.MoleculerClientError("too many requests", 429, "RATE_LIMITED", {
			retryAfterSeconds: 17,
		});
		assert.deepEqual(
			formatError(error, REQUEST_ID),
			errorResponse(429, "RATE_LIMITED", "too many requests", { "Retry-After": "17" }),
		);
	});

	it("429 without retryAfterSeconds defaults Retry-After to 60", () => {
		const error = new ApiGateway.Errors.RateLimitExceeded("RATE_LIMIT_EXCEEDED");
		assert.equal(formatError(error, REQUEST_ID).headers["Retry-After"], "60");
	});

	it("other 4xx carry no extra headers", () => {
		for (const code of [400, 403, 404, 409, 413, 422]) {
			const error = new Errors.MoleculerClientError("x", code, "X");
			assert.deepEqual(formatError(error, REQUEST_ID).headers, {}, String(code));
		}
	});

	it("without a request id the body's requestId is undefined (dropped from JSON)", () => {
		const formatted = formatError(new Error("boom"));
		assert.equal(formatted.body.error.requestId, undefined);
		assert.equal(
			JSON.stringify(formatted.body),
			'{"error":{"status":500,"type":"INTERNAL_ERROR","message":"internal error"}}',
		);
	});
});
