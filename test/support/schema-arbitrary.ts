import fc from "fast-check";

type Schema = {
	$ref?: string;
	type?: string | string[];
	enum?: unknown[];
	const?: unknown;
	anyOf?: Schema[];
	properties?: Record<string, Schema>;
	required?: string[];
	items?: Schema;
	minItems?: number;
	maxItems?: number;
	uniqueItems?: boolean;
	minLength?: number;
	maxLength?: number;
	pattern?: string;
	format?: string;
	minimum?: number;
	maximum?: number;
	exclusiveMinimum?: number;
	default?: unknown;
};

/**
 * Values that satisfy a JSON Schema of the kinds docs/openapi.json uses: the baseline a fuzz mutates. `named`
 * holds the shapes a `$ref` may name (the document's components.schemas).
 */
export function validValue(schema: Schema, named: Record<string, Schema> = {}): fc.Arbitrary<unknown> {
	const valid = (inner: Schema) => validValue(inner, named);
	if (schema.$ref) return valid(named[schema.$ref.split("/").at(-1) as string] ?? {});
	if (schema.const !== undefined) return fc.constant(schema.const);
	if (schema.enum) return fc.constantFrom(...schema.enum);
	if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
	switch (schema.type) {
		case "null":
			return fc.constant(null);
		case "boolean":
			return fc.boolean();
		case "integer":
			return fc.integer({
				min: Math.max(schema.minimum ?? -1000, (schema.exclusiveMinimum ?? -1001) + 1),
				max: schema.maximum ?? 100_000,
			});
		case "number":
			return fc.double({
				min:
					schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 0.001 : -1000),
				max: schema.maximum ?? 100_000,
				noNaN: true,
			});
		case "string":
			return validString(schema);
		case "array": {
			const items = fc.array(valid(schema.items ?? {}), {
				minLength: schema.minItems ?? 0,
				maxLength: Math.min(schema.maxItems ?? 3, 3),
			});
			return schema.uniqueItems ? items.map((values) => [...new Set(values)]) : items;
		}
		case "object": {
			const properties = schema.properties ?? {};
			return fc.record(
				Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valid(property)])),
				{ requiredKeys: (schema.required ?? []).filter((name) => name in properties) },
			);
		}
		default:
			return fc.jsonValue({ maxDepth: 1 });
	}
}

function validString(schema: Schema): fc.Arbitrary<string> {
	if (schema.format === "uuid") return fc.uuid();
	if (schema.format === "email")
		return fc.emailAddress().filter((email) => email.length <= (schema.maxLength ?? 254));
	if (schema.format === "date-time")
		return fc
			.date({ noInvalidDate: true, min: new Date("2020-01-01"), max: new Date("2030-01-01") })
			.map((date) => date.toISOString());
	const length = { minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 20, 40) };
	if (schema.pattern) {
		return fc
			.stringMatching(new RegExp(schema.pattern))
			.filter(
				(value) =>
					value.length >= length.minLength && value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY),
			);
	}
	return fc
		.string({ ...length, minLength: Math.max(length.minLength, 1) })
		.filter((value) => value.trim().length >= length.minLength);
}
