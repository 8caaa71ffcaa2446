/**
 * Typed readers for environment variables. Each one throws a ConfigError whose message names the
 * variable, so that a wrong value stops the process with one clear line instead of a stack trace.
 */
export class ConfigError extends Error {
	readonly variable: string;
	constructor(variable: string, problem: string) {
		super(`${variable}: ${problem}`);
		this.name = "ConfigError";
		this.variable = variable;
	}
}

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
	const value = env[name]?.trim();
	return value === "" ? undefined : value;
}

export function str(env: Env, name: string, fallback: string): string {
	return raw(env, name) ?? fallback;
}

export function optionalStr(env: Env, name: string): string | undefined {
	return raw(env, name);
}

export function int(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
	const value = raw(env, name);
	if (value === undefined) return fallback;
	if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `expected an integer, got "${value}"`);
	const parsed = Number(value);
	if (parsed < range.min || parsed > range.max) {
		throw new ConfigError(name, `expected an integer between ${range.min} and ${range.max}, got ${parsed}`);
	}
	return parsed;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
	const value = raw(env, name)?.toLowerCase();
	if (value === undefined) return fallback;
	if (["1", "true", "yes", "on"].includes(value)) return true;
	if (["0", "false", "no", "off"].includes(value)) return false;
	throw new ConfigError(name, `expected true or false, got "${value}"`);
}

export function oneOf<const T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
	const value = raw(env, name) ?? fallback;
	if (!(allowed as readonly string[]).includes(value)) {
		throw new ConfigError(name, `expected one of ${allowed.join(", ")}, got "${value}"`);
	}
	return value as T;
}

export function list(env: Env, name: string, fallback: string[]): string[] {
	const value = raw(env, name);
	if (value === undefined) return fallback;
	return value
		.split(",")
		.map((item) => item.trim())
		.filter((item) => item !== "");
}

/** Parses a URL and checks its scheme; returns the URL object. */
export function url(name: string, value: string, schemes: readonly string[]): URL {
	let parsed: URL;
	try {
		parsed = new URL(value);
	} catch {
		throw new ConfigError(name, `not a valid URL: "${value}"`);
	}
	const scheme = parsed.protocol.replace(/:$/, "");
	if (!schemes.includes(scheme)) {
		throw new ConfigError(name, `unsupported URL scheme "${scheme}" (expected ${schemes.join(" or ")})`);
	}
	return parsed;
}
