import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { ApiResponse } from "./platform.ts";
import { ROOT } from "./platform.ts";

type Schema = Record<string, unknown>;
interface Operation {
	operationId: string;
	parameters?: Array<{ name: string; in: "path" | "query" | "header"; required: boolean; schema: Schema }>;
	requestBody?: { required: boolean; content: { "application/json": { schema: Schema } } };
	responses: Record<string, { $ref?: string; content?: { "application/json": { schema: Schema } } }>;
	security: unknown[];
}
export interface DocumentedOperation extends Operation {
	method: string;
	/** As in the document: /api/bookings/{id}. */
	path: string;
}

export const OPENAPI = JSON.parse(readFileSync(join(ROOT, "docs/openapi.json"), "utf8")) as {
	paths: Record<string, Record<string, Operation>>;
	components: {
		schemas: Record<string, Schema>;
		responses: Record<string, { content: { "application/json": { schema: Schema } } }>;
	};
};

export const OPERATIONS: DocumentedOperation[] = Object.entries(OPENAPI.paths).flatMap(([path, methods]) =>
	Object.entries(methods).map(([method, operation]) => ({
		...operation,
		method: method.toUpperCase(),
		path,
	})),
);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: "openapi", components: OPENAPI.components }, "openapi");
const validators = new Map<Schema, ReturnType<typeof ajv.compile>>();

/** Refs inside the document point into its components; resolved against the registered copy. */
function rebase(schema: Schema): Schema {
	return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
}

function validate(schema: Schema, body: unknown): string | undefined {
	let check = validators.get(schema);
	if (!check) {
		check = ajv.compile(rebase(schema));
		validators.set(schema, check);
	}
	return check(body) ? undefined : ajv.errorsText(check.errors, { dataVar: "body" });
}

/**
 * Why the answer breaks the document, or undefined when it conforms: its status must be documented for the
 * operation, and its body must match that status's schema (the error shape for every error status).
 */
export function contractViolation(operation: DocumentedOperation, response: ApiResponse): string | undefined {
	const documented = operation.responses[String(response.status)];
	const where = `${operation.method} ${operation.path} answered ${response.status}`;
	if (!documented)
		return `${where}, which the document does not list (${Object.keys(operation.responses).join(", ")})`;
	const content = documented.$ref
		? OPENAPI.components.responses[documented.$ref.split("/").at(-1) as string].content
		: documented.content;
	const schema = content?.["application/json"].schema;
	if (!schema) return undefined;
	const problem = validate(schema, response.body);
	return problem === undefined
		? undefined
		: `${where}: ${problem}: ${JSON.stringify(response.body).slice(0, 400)}`;
}

/** The documented operation of a method and path template. */
export function operationAt(method: string, path: string): DocumentedOperation {
	const found = OPERATIONS.find((operation) => operation.method === method && operation.path === path);
	if (!found) throw new Error(`no operation ${method} ${path} in docs/openapi.json`);
	return found;
}
