import { hash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors } from "moleculer";
import type { RequestContext } from "../../lib/request-context.ts";
import type { ApiRoute } from "./api-routes.ts";

/**
 * Conditional requests for clients on slow networks. Every JSON answer carries a strong `ETag`, a hash of its
 * body (moleculer-web then answers `If-None-Match` with 304 on its own); a PATCH with `If-Match` is refused with
 * 412 when the resource's current answer has another tag. The check reads the resource just before the change,
 * so two writers racing within that moment can both pass: it guards against stale clients, not simultaneous ones.
 */
export function entityTag(body: string | Buffer): string {
	return `"${hash("sha256", body, "base64url").slice(0, 32)}"`;
}

export interface JsonAnswer {
	readonly body: string;
	/** The body's `entityTag`, when asked for. */
	readonly tag?: string;
}

/** The answers of frozen objects, by object. */
const encodings = new WeakMap<object, { body: string; tag?: string }>();

/**
 * An answer's JSON body and, when `tagged`, its tag, worked out together. The memory cacher answers every hit
 * with the same frozen object (lib/stale-safe-cacher.ts), which cannot change: its body and tag are worked out
 * once.
 */
export function jsonAnswer(data: unknown, tagged: boolean): JsonAnswer {
	if (typeof data !== "object" || data === null || !Object.isFrozen(data)) {
		const body = JSON.stringify(data);
		return tagged ? { body, tag: entityTag(body) } : { body };
	}
	let encoded = encodings.get(data);
	if (encoded === undefined) {
		encoded = { body: JSON.stringify(data) };
		encodings.set(data, encoded);
	}
	if (tagged) encoded.tag ??= entityTag(encoded.body);
	return encoded;
}

/**
 * moleculer-web answers If-None-Match through the `fresh` package, which gives up when the request says
 * `Cache-Control: no-cache`, and fetch adds exactly that to every conditional request. That directive binds
 * caches, not the origin: the gateway compares the tag anyway.
 */
export function originRevalidates(req: IncomingMessage, _res: ServerResponse, next: () => void): void {
	if (req.headers["if-none-match"] !== undefined) delete req.headers["cache-control"];
	next();
}

/** The PATCH actions whose resource a GET route of the same path reads, with that GET's action. */
export function readActions(
	routes: readonly ApiRoute[],
): Map<string, { action: string; pathParams: string[] }> {
	const reads = new Map<string, { action: string; pathParams: string[] }>();
	for (const route of routes) {
		if (route.method !== "PATCH") continue;
		const read = routes.find((other) => other.method === "GET" && other.path === route.path);
		if (!read)
			throw new Error(`PATCH ${route.path} has no GET route of the same path to check If-Match against`);
		reads.set(route.action, {
			action: read.action,
			pathParams: [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
		});
	}
	return reads;
}

/** RFC 9110 If-Match: `*`, or a list of strong tags one of which must be the current one. */
export function satisfies(ifMatch: string, current: string): boolean {
	if (ifMatch.trim() === "*") return true;
	return ifMatch.split(",").some((tag) => tag.trim() === current);
}

/** Refuses the change (412 PRECONDITION_FAILED) when the resource's current answer no longer has that tag. */
export async function checkIfMatch(
	ctx: RequestContext,
	read: { action: string; pathParams: string[] },
	params: Record<string, unknown>,
	ifMatch: string,
): Promise<void> {
	const readParams = Object.fromEntries(read.pathParams.map((name) => [name, params[name]]));
	const current = entityTag(JSON.stringify(await ctx.call(read.action, readParams)));
	if (!satisfies(ifMatch, current)) {
		throw new Errors.MoleculerClientError(
			"the resource changed since you read it",
			412,
			"PRECONDITION_FAILED",
			{
				etag: current,
			},
		);
	}
}
