/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) for the API's documents: small builders for the response
 * shapes the contract modules declare, and the translation of the fastest-validator rules that actions
 * validate their params with, so that one rule both checks a request and documents it.
 */
export type JsonSchema = { [keyword: string]: unknown };

/** An object whose listed properties are all present (mark the others with `optionalProps`), and no others. */
export function object(properties: Record<string, JsonSchema>, optionalProps: string[] = []): JsonSchema {
	return {
		type: "object",
		properties,
		required: Object.keys(properties).filter((name) => !optionalProps.includes(name)),
		additionalProperties: false,
	};
}

export const string = (extra: JsonSchema = {}): JsonSchema => ({ type: "string", ...extra });
export const integer = (extra: JsonSchema = {}): JsonSchema => ({ type: "integer", ...extra });
export const number = (extra: JsonSchema = {}): JsonSchema => ({ type: "number", ...extra });
export const boolean: JsonSchema = { type: "boolean" };
export const uuid: JsonSchema = { type: "string", format: "uuid" };
export const instant: JsonSchema = { type: "string", format: "date-time" };
export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: "array", items });
export const enumOf = (values: readonly string[]): JsonSchema => ({ type: "string", enum: [...values] });

/** A shape with a name: the API document lists it once, under components, and refers to it. */
export function named(name: string, schema: JsonSchema): JsonSchema {
	return { title: name, ...schema };
}

/** The schema, or null. */
export function nullable(schema: JsonSchema): JsonSchema {
	return { anyOf: [schema, { type: "null" }] };
}

/** The page every list answers (lib/input-rules.ts `Page`). */
export function pageOf(item: JsonSchema): JsonSchema {
	return object({
		items: arrayOf(item),
		total: integer({ minimum: 0 }),
		limit: integer({ minimum: 1 }),
		offset: integer({ minimum: 0 }),
	});
}

/** A fastest-validator rule as the validator config of this platform reads it (see moleculer.config.ts). */
export interface ValidatorRule {
	type: string;
	optional?: boolean;
	nullable?: boolean;
	default?: unknown;
	min?: number;
	max?: number;
	integer?: boolean;
	positive?: boolean;
	pattern?: RegExp | string;
	values?: readonly unknown[];
	props?: Record<string, ValidatorRule | string>;
	items?: ValidatorRule | string;
	unique?: boolean;
	strict?: boolean | "remove";
	[option: string]: unknown;
}

/** fastest-validator's "string|optional" shorthand, as a rule object. */
function expand(rule: ValidatorRule | string): ValidatorRule {
	if (typeof rule !== "string") return rule;
	const [type, ...flags] = rule.split("|");
	return { type, ...Object.fromEntries(flags.map((flag) => [flag, true])) };
}

/**
 * The JSON Schema of one rule. Only the rule types this platform uses are known; any other throws, so that
 * a new one is translated here before it can reach the document.
 */
export function fromValidatorRule(input: ValidatorRule | string): JsonSchema {
	const rule = expand(input);
	// A rule's `title` (which the validator ignores) names its shape, as `named` does for answers.
	const schema = typeof rule.title === "string" ? named(rule.title, baseSchema(rule)) : baseSchema(rule);
	if (rule.default !== undefined) schema.default = rule.default;
	return rule.nullable ? nullable(schema) : schema;
}

function baseSchema(rule: ValidatorRule): JsonSchema {
	switch (rule.type) {
		case "string": {
			const schema: JsonSchema = { type: "string" };
			if (rule.min !== undefined) schema.minLength = rule.min;
			if (rule.max !== undefined) schema.maxLength = rule.max;
			if (rule.pattern !== undefined)
				schema.pattern = rule.pattern instanceof RegExp ? rule.pattern.source : rule.pattern;
			return schema;
		}
		case "number": {
			const schema: JsonSchema = { type: rule.integer ? "integer" : "number" };
			if (rule.min !== undefined) schema.minimum = rule.min;
			if (rule.max !== undefined) schema.maximum = rule.max;
			if (rule.positive) schema.exclusiveMinimum = 0;
			return schema;
		}
		case "boolean":
			return { type: "boolean" };
		case "uuid":
			return { ...uuid };
		case "email":
			return { type: "string", format: "email", ...(rule.max !== undefined ? { maxLength: rule.max } : {}) };
		case "enum":
			return { enum: [...(rule.values ?? [])] };
		case "array": {
			const schema: JsonSchema = { type: "array" };
			if (rule.items !== undefined) schema.items = fromValidatorRule(rule.items);
			if (rule.min !== undefined) schema.minItems = rule.min;
			if (rule.max !== undefined) schema.maxItems = rule.max;
			if (rule.unique) schema.uniqueItems = true;
			return schema;
		}
		case "object":
			return fromValidatorProps(rule.props ?? {}, rule.strict === true);
		default:
			throw new Error(`no JSON Schema translation for the validator rule type "${rule.type}"`);
	}
}

/** An action's params (or an object rule's props) as an object schema; `$$strict` refuses unknown keys. */
export function fromValidatorProps(props: Record<string, unknown>, strict: boolean): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [name, rule] of Object.entries(props)) {
		if (name.startsWith("$$")) continue;
		const expanded = expand(rule as ValidatorRule | string);
		properties[name] = fromValidatorRule(expanded);
		if (!expanded.optional && expanded.default === undefined) required.push(name);
	}
	return {
		type: "object",
		properties,
		...(required.length > 0 ? { required } : {}),
		...(strict ? { additionalProperties: false } : {}),
	};
}
