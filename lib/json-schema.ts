/**
 * JSON Schema (2020-12, the dialect of OpenAPI 3.1) for the API's documents: small builders for the response
 * shapes the contract modules declare, and the translation of the fastest-validator rules that actions
 * validate their params with, so that one rule both checks a request and documents it.
 */
import type { Page } from "./input-rules.ts";

export type JsonSchema = { [keyword: string]: unknown };

declare const valueType: unique symbol;
/**
 * A JSON Schema that also carries, for TypeScript only, the type of the values it accepts: a contract writes
 * each answer's shape once, as its schema, and takes the type from it (`Infer<typeof X_SCHEMA>`).
 */
export type Schema<T> = JsonSchema & { readonly [valueType]: T };
export type Infer<S> = S extends Schema<infer T> ? T : never;
const typed = <T>(schema: JsonSchema) => schema as Schema<T>;

type Properties = Record<string, Schema<unknown>>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};
type ObjectOf<P extends Properties, Optional extends keyof P> = Flatten<
	{ [K in Exclude<keyof P, Optional>]: Infer<P[K]> } & { [K in Optional]?: Infer<P[K]> }
>;

/** An object whose listed properties are all present (mark the others with `optionalProps`), and no others. */
export function object<P extends Properties, Optional extends keyof P & string = never>(
	properties: P,
	optionalProps?: readonly Optional[],
): Schema<ObjectOf<P, Optional>> {
	return typed({
		type: "object",
		properties,
		required: Object.keys(properties).filter((name) => !optionalProps?.includes(name as Optional)),
		additionalProperties: false,
	});
}

/** An object with exactly these keys, each holding a value of `value`'s schema. */
export function keyed<K extends string, T>(keys: readonly K[], value: Schema<T>): Schema<Record<K, T>> {
	return object(Object.fromEntries(keys.map((key) => [key, value]))) as Schema<Record<K, T>>;
}

export const string = (extra: JsonSchema = {}) => typed<string>({ type: "string", ...extra });
export const integer = (extra: JsonSchema = {}) => typed<number>({ type: "integer", ...extra });
export const number = (extra: JsonSchema = {}) => typed<number>({ type: "number", ...extra });
export const boolean = typed<boolean>({ type: "boolean" });
export const uuid = typed<string>({ type: "string", format: "uuid" });
export const instant = typed<string>({ type: "string", format: "date-time" });
export const arrayOf = <T>(items: Schema<T>) => typed<T[]>({ type: "array", items });
export const constant = <V extends string | number | boolean>(value: V) => typed<V>({ const: value });
/** An object this document does not describe further. */
export const anyObject = typed<Record<string, unknown>>({ type: "object" });
export const enumOf = <V extends string>(values: readonly V[]) =>
	typed<V>({ type: "string", enum: [...values] });

/** A shape with a name: the API document lists it once, under components, and refers to it. */
export function named<S extends JsonSchema>(name: string, schema: S): S {
	return { title: name, ...schema };
}

/** The schema, or null. */
export function nullable<S extends JsonSchema>(schema: S): Schema<Infer<S> | null> {
	return typed({ anyOf: [schema, { type: "null" }] });
}

/** The page every list answers (lib/input-rules.ts `Page`). */
export function pageOf<T>(item: Schema<T>): Schema<Page<T>> {
	const page = object({
		items: arrayOf(item),
		total: integer({ minimum: 0 }),
		limit: integer({ minimum: 1 }),
		offset: integer({ minimum: 0 }),
	});
	return page;
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
