import { Validators } from "moleculer";

type Rule = {
	type?: string;
	nullable?: boolean;
	props?: Record<string, unknown>;
	items?: unknown;
	[option: string]: unknown;
};

/** Every rule of a params schema says whether null is allowed: only where it is declared `nullable: true`. */
function nullOnlyWhereDeclared(schema: unknown): unknown {
	if (Array.isArray(schema)) return schema.map(nullOnlyWhereDeclared);
	if (schema === null || typeof schema !== "object") return schema;
	const rule = schema as Rule;
	if (typeof rule.type !== "string") {
		// The params object itself: field → rule, plus $$ options.
		return Object.fromEntries(
			Object.entries(rule).map(([name, value]) => [
				name,
				name.startsWith("$$") ? value : nullOnlyWhereDeclared(value),
			]),
		);
	}
	return {
		...rule,
		nullable: rule.nullable === true,
		...(rule.props ? { props: nullOnlyWhereDeclared(rule.props) } : {}),
		...(rule.items ? { items: nullOnlyWhereDeclared(rule.items) } : {}),
	};
}

/**
 * fastest-validator lets `null` through for any optional field, so `{ "radiusKm": null }` reached handlers that
 * expect a number or nothing (a 500). Here null is a value: a field refuses it unless its rule is
 * `nullable: true`, and says so (422, rule "required").
 */
export class NullAwareValidator extends Validators.Fastest {
	constructor() {
		super({ considerNullAsAValue: true });
	}

	compile(schema: Record<string, unknown>) {
		return super.compile(nullOnlyWhereDeclared(schema) as Record<string, unknown>);
	}

	validate(params: Record<string, unknown>, schema: Record<string, unknown>) {
		return super.validate(params, nullOnlyWhereDeclared(schema) as Record<string, unknown>);
	}
}
