import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { contractViolation, type DocumentedOperation, OPENAPI, OPERATIONS } from "../support/openapi.ts";
import { type ApiResponse, type Caller, type EmbeddedPlatform, startPlatform } from "../support/platform.ts";
import { validValue } from "../support/schema-arbitrary.ts";

/**
 * A property-based fuzz of every operation of docs/openapi.json on the embedded platform: malformed, hostile
 * and merely odd input must get a 4xx with the documented error shape, never a 5xx, and every answer must be
 * one the document lists for the operation. Seeded, and bounded in runs per operation.
 */
const SEED = 20261201;
const RUNS_PER_OPERATION = 150;

let platform: EmbeddedPlatform;
before(async () => {
	// The fuzz sends thousands of requests per caller: well over the default per-minute limit.
	platform = await startPlatform({ RATE_LIMIT_PER_MINUTE: "1000000" });
});
after(async () => {
	await platform?.stop();
});

/**
 * The caller that gets furthest into the operation: for a route about the caller itself (`/me`), a user of the
 * role it serves; otherwise an admin where allowed, else that role.
 */
function callerFor(operation: DocumentedOperation): Caller | undefined {
	const roles = (operation as unknown as { "x-roles"?: string[] })["x-roles"];
	if (!roles) return undefined;
	const ownUser: Caller = roles.includes("cleaner") && !roles.includes("customer") ? "carla" : "alice";
	if (operation.path.includes("/me")) return ownUser;
	return roles.includes("admin") ? "olga" : ownUser;
}

const hostileString = fc.oneof(
	fc.string({ maxLength: 40 }),
	fc.string({ unit: "binary", maxLength: 20 }),
	fc.constantFrom(
		"\u0000",
		"a\u0000b",
		"\u0007",
		"\u001b[31m",
		"\u202eevil",
		"💥🚗",
		"' OR 1=1 --",
		"../../etc/passwd",
		"",
		" ",
		"null",
		"%00",
		"\ud800",
	),
	fc.string({ minLength: 1000, maxLength: 3000 }),
);
const anyValue = fc.oneof(
	hostileString,
	{ weight: 2, arbitrary: fc.constant(null) },
	fc.integer(),
	fc.double(),
	fc.constantFrom(1e308, -1, 0, Number.MAX_SAFE_INTEGER + 2),
	fc.boolean(),
	fc.jsonValue({ maxDepth: 2 }),
);

interface FuzzRequest {
	path: Record<string, string>;
	query: Array<[string, string]>;
	body?: string;
	contentType?: string;
}

type Schema = Parameters<typeof validValue>[0];

/** An unknown field now and then (undefined: none); most requests must get past the strict check. */
const sometimesExtra = fc.oneof(
	{ weight: 4, arbitrary: fc.constant(undefined) },
	{ weight: 1, arbitrary: anyValue },
);

/** A valid value with up to two fields replaced by hostile ones, up to one removed, maybe one extra. */
function mutated(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
	const names = Object.keys(schema.properties ?? {});
	// Partial updates are most revealing with nothing else in the body: no other field's rule answers first.
	const valid = validValue(schema, OPENAPI.components.schemas as Record<string, Schema>) as fc.Arbitrary<
		Record<string, unknown>
	>;
	const base = (schema.required ?? []).length === 0 ? fc.oneof(fc.constant({}), valid) : valid;
	if (names.length === 0)
		return fc
			.tuple(base, sometimesExtra)
			.map(([value, extra]) => (extra === undefined ? value : { ...value, extra }));
	return fc
		.tuple(
			base,
			fc.dictionary(fc.constantFrom(...names), anyValue, { maxKeys: 2 }),
			fc.subarray(names, { maxLength: 1 }),
			sometimesExtra,
		)
		.map(([value, replaced, removed, extra]) => {
			const result: Record<string, unknown> = { ...value, ...replaced };
			for (const name of removed) delete result[name];
			if (extra !== undefined) result.extra = extra;
			return result;
		});
}

function requestArbitrary(operation: DocumentedOperation): fc.Arbitrary<FuzzRequest> {
	const parameters = operation.parameters ?? [];
	const pathNames = parameters.filter((p) => p.in === "path").map((p) => p.name);
	const querySchema: Schema = {
		type: "object",
		properties: Object.fromEntries(
			parameters.filter((p) => p.in === "query").map((p) => [p.name, p.schema as Schema]),
		),
		required: [],
	};
	const bodySchema = (operation.requestBody?.content["application/json"].schema ?? {
		type: "object",
		properties: {},
	}) as Schema;

	const pathValues = fc.record(
		Object.fromEntries(
			pathNames.map((name) => [
				name,
				fc.oneof(
					fc.uuid(),
					// Never empty: /api/vehicles/ is another route (the list), not a vehicle with an empty id.
					hostileString.filter((value) => value !== "" && value.isWellFormed()).map(encodeURIComponent),
					// Sent as they are: a NUL, bytes that are not UTF-8, a lone surrogate, a bare "%", dot segments.
					fc.constantFrom("%00", "%FF", "%ED%A0%80", "%", "%2e%2e", "a%0Ab"),
				),
			]),
		),
	);
	const asQueryValue = (value: unknown) =>
		typeof value === "string" ? value : (JSON.stringify(value) ?? "");
	const query = fc
		.tuple(
			mutated(querySchema),
			fc.option(fc.constantFrom(...Object.keys(querySchema.properties ?? {}), "extra")),
		)
		.map(([values, repeated]) => {
			const pairs = Object.entries(values).map(
				([name, value]) => [name, asQueryValue(value)] as [string, string],
			);
			// A parameter given twice arrives as an array.
			if (repeated !== null) pairs.push([repeated, "1"], [repeated, "2"]);
			return pairs;
		});
	const jsonBody = mutated(bodySchema).map((value) => JSON.stringify(value));
	const payload = fc.oneof(
		{ weight: 8, arbitrary: jsonBody.map((body) => ({ body, contentType: "application/json" })) },
		{
			weight: 1,
			arbitrary: fc
				.jsonValue()
				.map((value) => ({ body: JSON.stringify(value), contentType: "application/json" })),
		},
		{
			weight: 1,
			arbitrary: fc
				.string({ maxLength: 30 })
				.map((body) => ({ body: `{${body}`, contentType: "application/json" })),
		},
		{
			weight: 1,
			arbitrary: fc
				.constantFrom("text/plain", "application/x-www-form-urlencoded", "application/xml")
				.chain((contentType) => jsonBody.map((body) => ({ body, contentType }))),
		},
		{ weight: 1, arbitrary: fc.constant({ body: undefined, contentType: undefined }) },
	);
	const withBody = operation.method === "POST" || operation.method === "PATCH";
	return fc
		.record({
			path: pathValues,
			query,
			payload: withBody ? payload : fc.constant({ body: undefined, contentType: undefined }),
		})
		.map(({ path, query, payload }) => ({
			path,
			query,
			body: payload.body,
			contentType: payload.contentType,
		}));
}

function urlOf(operation: DocumentedOperation, request: FuzzRequest): string {
	const path = operation.path
		.replace(/^\/api/, "")
		.replace(/\{(\w+)\}/g, (_, name: string) => request.path[name]);
	const query = new URLSearchParams(request.query).toString();
	return query === "" ? path : `${path}?${query}`;
}

describe("fuzz of every operation in docs/openapi.json", () => {
	it(`answers malformed input with a documented 4xx, never a 5xx (seed ${SEED}, ${RUNS_PER_OPERATION} runs per operation)`, async () => {
		const failures: string[] = [];
		let requests = 0;
		const statuses = new Map<number, number>();
		for (const operation of OPERATIONS) {
			const caller = callerFor(operation);
			const result = await fc.check(
				fc.asyncProperty(requestArbitrary(operation), async (request) => {
					requests++;
					const headers: Record<string, string> = {};
					if (request.contentType) headers["Content-Type"] = request.contentType;
					let response: ApiResponse;
					try {
						response = await platform.api(operation.method, urlOf(operation, request), {
							as: caller,
							body: request.body,
							headers,
						});
					} catch (error) {
						throw new Error(`no answer: ${(error as Error).message}`);
					}
					statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
					if (response.status >= 500) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
					const violation = contractViolation(operation, response);
					if (violation) throw new Error(violation);
				}),
				{ seed: SEED, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
			);
			if (result.failed) {
				const example = JSON.stringify(result.counterexample?.[0]).slice(0, 300);
				const error = String(result.errorInstance).slice(0, 500);
				failures.push(`${operation.method} ${operation.path}: ${error}\n    input: ${example}`);
			}
		}
		console.log(
			`# fuzz: ${requests} requests over ${OPERATIONS.length} operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
		);
		assert.deepEqual(failures, [], failures.join("\n"));
	});
});
