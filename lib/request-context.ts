import type { Context } from "moleculer";
import type { AuthUser } from "./auth.ts";
import { ForbiddenError, UnauthorizedError } from "./errors.ts";

/** What the gateway puts in ctx.meta; it travels with every remote call the request causes. */
export interface RequestMeta {
	user?: AuthUser;
	idempotencyKey?: string;
	/** Set by moleculer-web for the response; services use it for 201 and Location. */
	$statusCode?: number;
	$responseHeaders?: Record<string, string>;
}

export type RequestContext<P = unknown> = Context<P, RequestMeta>;

/** The caller, or 401. Services never trust an owner id from params: identity comes from here. */
export function currentUser(ctx: RequestContext<unknown>): AuthUser {
	const user = ctx.meta.user;
	if (!user) throw new UnauthorizedError();
	return user;
}

export function isAdmin(user: AuthUser): boolean {
	return user.roles.includes("admin");
}

export function requireRole(ctx: RequestContext<unknown>, ...roles: AuthUser["roles"]): AuthUser {
	const user = currentUser(ctx);
	if (!roles.some((role) => user.roles.includes(role)))
		throw new ForbiddenError(`requires role ${roles.join(" or ")}`);
	return user;
}
