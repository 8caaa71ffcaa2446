import {
	fromValidatorProps,
	fromValidatorRule,
	type JsonSchema,
	type ValidatorRule,
} from "../../lib/json-schema.ts";
import type { ApiRoute } from "./api-routes.ts";

/** An action's params schema (fastest-validator), as the action declares it. */
export type ActionParams = Record<string, unknown>;

/** What each error status means, once for the whole API; every operation refers to these. */
export const ERROR_RESPONSES: Record<number, { description: string; types: string[] }> = {
	400: {
		description: "The request is malformed: a body that is not JSON, or a control character in a value",
		types: ["INVALID_REQUEST_BODY", "INVALID_CHARACTERS"],
	},
	401: {
		description: "No token, or one that is not valid (`WWW-Authenticate: Bearer`)",
		types: ["UNAUTHORIZED"],
	},
	403: { description: "The token's roles or scopes do not allow this route", types: ["FORBIDDEN"] },
	404: {
		description: "No such resource, or someone else's (never 403, so that ids do not leak)",
		types: ["NOT_FOUND"],
	},
	409: {
		description:
			"The resource's state does not allow it: a slot taken, a duplicate, a booking already started",
		types: [
			"SLOT_TAKEN",
			"SLOT_UNAVAILABLE",
			"INVALID_STATE",
			"TOO_LATE",
			"DUPLICATE_PLATE",
			"DUPLICATE_CODE",
			"DUPLICATE_SUBJECT",
			"CONCURRENT_CHANGE",
			"CONTENTION",
			"CUSTOMER_DELETED",
		],
	},
	412: {
		description: "`If-Match` names a version that is no longer current; `details.etag` is the current one",
		types: ["PRECONDITION_FAILED"],
	},
	413: { description: "The body is over the limit (`HTTP_BODY_LIMIT`)", types: ["PAYLOAD_TOO_LARGE"] },
	422: {
		description: "A field breaks a rule; `details` lists `{ field, rule, message }`",
		types: ["VALIDATION_ERROR", "IDEMPOTENCY_KEY_REUSED"],
	},
	429: {
		description: "Too many requests from this client; `Retry-After` says when to come back",
		types: ["RATE_LIMITED"],
	},
	503: {
		description: "A service or its database is unavailable; retry after `Retry-After`",
		types: ["SERVICE_UNAVAILABLE", "IDP_UNAVAILABLE", "OVERLOADED"],
	},
	504: { description: "A service did not answer in time", types: ["TIMEOUT"] },
};

const ERROR_SCHEMA: JsonSchema = {
	type: "object",
	required: ["error"],
	additionalProperties: false,
	properties: {
		error: {
			type: "object",
			required: ["status", "type", "message"],
			additionalProperties: false,
			properties: {
				status: { type: "integer", minimum: 400, maximum: 599 },
				type: { type: "string", description: "Stable code to switch on; see the error responses" },
				message: { type: "string" },
				details: { description: "What was wrong; for 422 a list of `{ field, rule, message }`" },
				requestId: {
					type: "string",
					description: "Quote it to support: every log line of the request has it",
				},
			},
		},
	},
};

const PATH_PARAM = /:([A-Za-z]+)/g;
const WITH_BODY = new Set(["POST", "PATCH", "PUT"]);

/** The error statuses a route can answer: those its shape implies, and those it declares. */
export function errorStatuses(route: ApiRoute, params: ActionParams | undefined): number[] {
	const statuses = new Set([400, 503, 504, ...(route.errors ?? [])]);
	if (route.access !== "public") for (const status of [401, 403, 429]) statuses.add(status);
	if (route.path.includes("/:")) statuses.add(404);
	// Any params schema refuses something: a broken rule, or (with $$strict) a parameter it does not know.
	if (params !== undefined && Object.keys(params).length > 0) statuses.add(422);
	if (WITH_BODY.has(route.method)) statuses.add(413);
	if (route.method === "PATCH") statuses.add(412);
	return [...statuses].sort((a, b) => a - b);
}

function accessText(route: ApiRoute): string {
	if (route.access === "public") return "Anyone, without a token.";
	const scopes = route.access.scopes ?? [];
	const clients = `Client-credentials tokens with scope ${scopes.join(" or ")}`;
	if (route.access.roles.length === 0) return `${clients} only (no user token).`;
	return `Roles: ${route.access.roles.join(", ")}${scopes.length > 0 ? `. ${clients}` : ""}.`;
}

function operation(route: ApiRoute, params: ActionParams | undefined): JsonSchema {
	const rules = { ...(params ?? {}) };
	const strict = rules.$$strict === true;
	const pathNames = [...route.path.matchAll(PATH_PARAM)].map((match) => match[1]);
	const parameters: JsonSchema[] = pathNames.map((name) => {
		const rule = rules[name];
		delete rules[name];
		return {
			name,
			in: "path",
			required: true,
			schema: rule ? fromValidatorRule(rule as ValidatorRule) : { type: "string" },
		};
	});
	let requestBody: JsonSchema | undefined;
	if (WITH_BODY.has(route.method)) {
		const body = fromValidatorProps(rules, strict);
		if (Object.keys(body.properties as object).length > 0) {
			requestBody = {
				required: Array.isArray(body.required) && body.required.length > 0,
				content: { "application/json": { schema: body } },
			};
		}
		if (route.method === "POST") {
			parameters.push({
				name: "Idempotency-Key",
				in: "header",
				required: false,
				description:
					"1 to 100 visible ASCII characters: a retry with the same key and body replays the first answer",
				schema: { type: "string", minLength: 1, maxLength: 100, pattern: "^[\\x21-\\x7E]+$" },
			});
		}
		if (route.method === "PATCH") {
			parameters.push({
				name: "If-Match",
				in: "header",
				required: false,
				description:
					"The `ETag` of the resource as the client read it: the change is refused (412) if it changed since",
				schema: { type: "string" },
			});
		}
	} else {
		if (route.method === "GET") {
			parameters.push({
				name: "If-None-Match",
				in: "header",
				required: false,
				description: "An `ETag` the client holds: 304 without a body when the answer is still the same",
				schema: { type: "string" },
			});
		}
		for (const [name, rule] of Object.entries(rules)) {
			if (name.startsWith("$$")) continue;
			const expanded = rule as ValidatorRule;
			parameters.push({
				name,
				in: "query",
				required: !expanded.optional && expanded.default === undefined,
				schema: fromValidatorRule(expanded),
			});
		}
	}
	const success = route.responds.status ?? 200;
	const content = { "application/json": { schema: route.responds.body } };
	const headers = {
		ETag: { description: "Tag of this answer, for If-None-Match and If-Match", schema: { type: "string" } },
	};
	const responses: JsonSchema = { [success]: { description: route.summary, headers, content } };
	if (route.method === "GET")
		responses[304] = { description: "Not modified: the answer still has the tag of If-None-Match" };
	if (route.responds.existing) responses[200] = { description: route.responds.existing, headers, content };
	for (const status of errorStatuses(route, params))
		responses[status] = { $ref: `#/components/responses/Error${status}` };
	return {
		operationId: route.action,
		summary: route.summary,
		description: `Action \`${route.action}\`. ${accessText(route)}`,
		tags: [route.action.split(".")[0]],
		security: route.access === "public" ? [] : [{ bearerAuth: [] }],
		...(route.access !== "public"
			? { "x-roles": route.access.roles, "x-scopes": route.access.scopes ?? [] }
			: {}),
		...(parameters.length > 0 ? { parameters } : {}),
		...(requestBody ? { requestBody } : {}),
		responses,
	};
}

/**
 * Moves every named shape (lib/json-schema.ts `named`) of a schema into `schemas`, once, and leaves a reference
 * in its place: a booking is described once however many operations answer one.
 */
function hoistNamed(schema: unknown, schemas: Record<string, JsonSchema>): unknown {
	if (Array.isArray(schema)) return schema.map((item) => hoistNamed(item, schemas));
	if (schema === null || typeof schema !== "object") return schema;
	const walked = Object.fromEntries(
		Object.entries(schema as JsonSchema).map(([key, value]) => [key, hoistNamed(value, schemas)]),
	);
	if (typeof walked.title !== "string") return walked;
	const name = walked.title;
	const { title: _title, ...shape } = walked;
	const known = schemas[name];
	if (known !== undefined && JSON.stringify(known) !== JSON.stringify(shape)) {
		throw new Error(`two different shapes are both named ${name}`);
	}
	schemas[name] = shape;
	return { $ref: `#/components/schemas/${name}` };
}

/** The OpenAPI 3.1 document of the routes, from the route table and the params each action validates. */
export function buildOpenApiDocument(
	routes: readonly ApiRoute[],
	paramsOf: (action: string) => ActionParams | undefined,
	version: string,
): JsonSchema {
	const paths: Record<string, Record<string, JsonSchema>> = {};
	for (const route of routes) {
		const path = `/api${route.path.replace(PATH_PARAM, "{$1}")}`;
		paths[path] ??= {};
		paths[path][route.method.toLowerCase()] = operation(route, paramsOf(route.action));
	}
	const schemas: Record<string, JsonSchema> = {};
	const hoisted = hoistNamed(paths, schemas) as typeof paths;
	const tags = [...new Set(routes.map((route) => route.action.split(".")[0]))].sort();
	return {
		openapi: "3.1.0",
		info: {
			title: "Cleaning Platform API",
			version,
			description:
				"Book cleaners for vehicles where they are parked. Times are ISO 8601 in UTC; days are in the platform's time zone; money is integer minor units with an ISO 4217 currency. Generated from the gateway's route table and the actions' params (`npm run openapi`).",
			license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
			contact: { name: "Cleaning Platform engineering" },
		},
		servers: [{ url: "/", description: "The gateway that serves this document" }],
		tags: tags.map((name) => ({ name, description: `Actions of the \`${name}\` service` })),
		paths: hoisted,
		components: {
			securitySchemes: {
				bearerAuth: {
					type: "http",
					scheme: "bearer",
					bearerFormat: "JWT",
					description:
						"An OIDC access token (Keycloak in deployments). User tokens carry roles; client-credentials tokens carry scopes.",
				},
			},
			schemas: {
				...Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
				Error: ERROR_SCHEMA,
			},
			responses: Object.fromEntries(
				Object.entries(ERROR_RESPONSES).map(([status, { description, types }]) => [
					`Error${status}`,
					{
						description: `${description}. Types: ${types.join(", ")}.`,
						content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
					},
				]),
			),
		},
	};
}
