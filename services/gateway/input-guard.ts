import { Errors } from "moleculer";

/**
 * C0 and C1 control characters and DEL: no field of the API has a use for them, and a NUL reaching a database
 * driver becomes a 500. Tab, line feed and carriage return stay allowed in body strings (multi-line notes).
 */
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const LINE_CONTROL = /[\t\n\r]/;

/** The first string inside `value` (a request's params, body or query) that the API refuses, and where. */
export function unsafeString(value: unknown, path: string, allowLineBreaks: boolean): string | undefined {
	if (typeof value === "string") {
		if (CONTROL.test(value) || (!allowLineBreaks && LINE_CONTROL.test(value)))
			return `${path}: control character`;
		// A lone surrogate cannot be stored as UTF-8: the database would refuse the row.
		if (!value.isWellFormed()) return `${path}: not valid Unicode (a lone surrogate)`;
		return undefined;
	}
	if (Array.isArray(value)) {
		for (const [index, item] of value.entries()) {
			const found = unsafeString(item, `${path}[${index}]`, allowLineBreaks);
			if (found) return found;
		}
		return undefined;
	}
	if (value !== null && typeof value === "object") {
		for (const [key, item] of Object.entries(value)) {
			const found =
				unsafeString(key, `${path}.${key} (name)`, false) ??
				unsafeString(item, `${path}.${key}`, allowLineBreaks);
			if (found) return found;
		}
	}
	return undefined;
}

/**
 * Refuses, with 400 INVALID_CHARACTERS naming the field, a request with a control character or broken
 * Unicode in its params (path, query and body merged, as the action gets them) or its query string: at the
 * edge, before any service sees it.
 */
export function refuseUnsafeInput(request: { $params?: unknown; query?: unknown }): void {
	const problem =
		unsafeString(request.query, "query", false) ?? unsafeString(request.$params, "params", true);
	if (problem) {
		const field = problem.slice(0, problem.indexOf(":"));
		throw new Errors.MoleculerClientError(`invalid characters in ${problem}`, 400, "INVALID_CHARACTERS", [
			{ field, message: problem },
		]);
	}
}
