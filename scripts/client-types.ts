/**
 * The TypeScript side of the API document: for every operation its method, path, parameters, body and success
 * answer as types, and a table of method and path per operation id for the client's runtime. Written by
 * `npm run openapi` to clients/api/operations.ts; the client in clients/api/client.ts is typed by it.
 */
type Schema = {
	$ref?: string;
	const?: unknown;
	enum?: unknown[];
	anyOf?: Schema[];
	type?: string;
	items?: Schema;
	properties?: Record<string, Schema>;
	required?: string[];
};
interface Parameter {
	name: string;
	in: "path" | "query" | "header";
	required: boolean;
	schema: Schema;
}
interface Operation {
	operationId: string;
	summary: string;
	parameters?: Parameter[];
	requestBody?: { required: boolean; content: { "application/json": { schema: Schema } } };
	responses: Record<string, { content?: { "application/json": { schema: Schema } } }>;
}

const quote = (value: unknown) => JSON.stringify(value);
const propertyName = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : quote(name));

export function tsType(schema: Schema, depth = 1): string {
	if (schema.$ref) return schema.$ref.split("/").at(-1) as string;
	if (schema.const !== undefined) return quote(schema.const);
	if (schema.enum) return schema.enum.map(quote).join(" | ");
	if (schema.anyOf) return schema.anyOf.map((option) => tsType(option, depth)).join(" | ");
	switch (schema.type) {
		case "string":
			return "string";
		case "integer":
		case "number":
			return "number";
		case "boolean":
			return "boolean";
		case "null":
			return "null";
		case "array":
			return `Array<${tsType(schema.items ?? {}, depth)}>`;
		case "object":
			return objectType(schema.properties ?? {}, schema.required ?? [], depth);
		default:
			return "unknown";
	}
}

/** Small object types stay on one line, as a formatter would leave them: `{ start: string; end: string }`. */
const INLINE_OBJECT_MAX = 72;

function objectType(properties: Record<string, Schema>, required: string[], depth: number): string {
	const entries = Object.entries(properties);
	if (entries.length === 0) return "Record<string, never>";
	const members = entries.map(
		([name, schema]) =>
			`${propertyName(name)}${required.includes(name) ? "" : "?"}: ${tsType(schema, depth + 1)};`,
	);
	const inline = `{ ${members.join(" ").slice(0, -1)} }`;
	if (inline.length <= INLINE_OBJECT_MAX && !inline.includes("\n")) return inline;
	const indent = "\t".repeat(depth + 1);
	return `{\n${members.map((member) => indent + member).join("\n")}\n${"\t".repeat(depth)}}`;
}

function parametersType(parameters: Parameter[], where: "path" | "query", depth: number): string {
	const chosen = parameters.filter((parameter) => parameter.in === where);
	return objectType(
		Object.fromEntries(chosen.map((parameter) => [parameter.name, parameter.schema])),
		chosen.filter((parameter) => parameter.required).map((parameter) => parameter.name),
		depth,
	);
}

/** The named item of a list's page (lib/json-schema.ts `pageOf`), or undefined for any other shape. */
function pageItem(schema: Schema): string | undefined {
	const names = Object.keys(schema.properties ?? {});
	const item = schema.properties?.items?.items?.$ref;
	return names.join() === "items,total,limit,offset" && item ? tsType({ $ref: item }) : undefined;
}

export function renderClientOperations(document: {
	paths: Record<string, Record<string, Operation>>;
	components: { schemas: Record<string, Schema> };
}): string {
	const types: string[] = [];
	const routes: string[] = [];
	for (const [path, methods] of Object.entries(document.paths)) {
		for (const [method, operation] of Object.entries(methods)) {
			const [status, success] =
				Object.entries(operation.responses).find(([code]) => code.startsWith("2")) ?? [];
			const body = operation.requestBody?.content["application/json"].schema;
			const signature = [
				parametersType(operation.parameters ?? [], "path", 1),
				parametersType(operation.parameters ?? [], "query", 1),
				body ? tsType(body, 1) : "undefined",
				status,
				tsType(success?.content?.["application/json"].schema ?? {}, 1),
			];
			types.push(
				`\t/** ${operation.summary} */\n\t${quote(operation.operationId)}: Operation<${signature.join(", ")}>;`,
			);
			routes.push(
				`\t${quote(operation.operationId)}: { method: ${quote(method.toUpperCase())}, path: ${quote(path)} },`,
			);
		}
	}
	const shapes = Object.entries(document.components.schemas).map(
		([name, schema]) =>
			`export type ${name} = ${pageItem(schema) ? `Page<${pageItem(schema)}>` : tsType(schema, 0)};`,
	);
	return `// Generated from docs/openapi.json by \`npm run openapi\`: do not edit.
import type { Operation, Page } from "./shapes.ts";

${shapes.join("\n\n")}

/** Every operation of the API, keyed by its operation id (the action it calls). */
export interface Operations {
${types.join("\n")}
}

export type OperationId = keyof Operations;

/** Method and path template of every operation. */
export const OPERATION_ROUTES: Record<OperationId, { method: string; path: string }> = {
${routes.join("\n")}
};
`;
}
