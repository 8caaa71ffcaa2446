import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { validate } from "@readme/openapi-parser";
import { ADDRESS_PROPS, PAGE_PARAMS } from "../../lib/input-rules.ts";
import { fromValidatorProps, fromValidatorRule } from "../../lib/json-schema.ts";
import { generatedFiles, OPENAPI_FILE } from "../../scripts/openapi.ts";
import { API_ROUTES } from "../../services/gateway/api-routes.ts";
import { errorStatuses } from "../../services/gateway/openapi.ts";

describe("the OpenAPI document (docs/openapi.json)", () => {
	it("and the typed client's operations are what the route table and the actions' params describe now (run `npm run openapi` after a change)", () => {
		for (const [file, text] of generatedFiles()) assert.equal(readFileSync(file, "utf8"), text, file);
	});

	it("is a valid OpenAPI 3.1 document for the official parser", async () => {
		const result = await validate(OPENAPI_FILE);
		assert.deepEqual(
			{ valid: result.valid, errors: result.valid ? [] : result.errors },
			{ valid: true, errors: [] },
		);
	});

	it("has one operation per route of the table, with the table's security", () => {
		const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8"));
		for (const route of API_ROUTES) {
			const operation =
				doc.paths[`/api${route.path.replace(/:(\w+)/g, "{$1}")}`]?.[route.method.toLowerCase()];
			assert.ok(operation, `${route.method} ${route.path}`);
			assert.equal(operation.operationId, route.action);
			assert.deepEqual(operation.security, route.access === "public" ? [] : [{ bearerAuth: [] }]);
		}
	});
});

describe("JSON Schema from the validator rules", () => {
	it("translates the shared rules with their limits, patterns, defaults and nullability", () => {
		assert.deepEqual(fromValidatorRule(PAGE_PARAMS.limit), {
			type: "integer",
			minimum: 1,
			maximum: 100,
			default: 20,
		});
		assert.deepEqual(fromValidatorProps(ADDRESS_PROPS, true).required, [
			"street",
			"postcode",
			"city",
			"country",
			"latitude",
			"longitude",
		]);
		assert.deepEqual(fromValidatorRule(ADDRESS_PROPS.country), { type: "string", pattern: "^[A-Z]{2}$" });
		assert.deepEqual(fromValidatorRule(ADDRESS_PROPS.label), {
			anyOf: [{ type: "string", maxLength: 60 }, { type: "null" }],
		});
		assert.deepEqual(fromValidatorRule({ type: "array", items: "uuid", max: 3, unique: true }), {
			type: "array",
			items: { type: "string", format: "uuid" },
			maxItems: 3,
			uniqueItems: true,
		});
	});

	it("refuses a rule type it cannot translate, so that the document never silently drops one", () => {
		assert.throws(() => fromValidatorRule({ type: "custom" }), /no JSON Schema translation.*custom/);
	});
});

describe("error statuses of an operation", () => {
	it("follow from the route's shape and its declared extras", () => {
		const route = API_ROUTES.find((r) => r.action === "bookings.cancel");
		assert.ok(route);
		assert.deepEqual(
			errorStatuses(route, { id: { type: "uuid" } }),
			[400, 401, 403, 404, 409, 413, 422, 429, 503, 504],
		);
		const catalog = API_ROUTES.find((r) => r.action === "catalog.list");
		assert.ok(catalog);
		assert.deepEqual(errorStatuses(catalog, undefined), [400, 503, 504]);
	});
});
