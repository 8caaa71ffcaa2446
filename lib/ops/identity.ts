import { hostname, userInfo } from "node:os";
import type { CallingOptions, Logger, Middleware, ServiceBroker } from "moleculer";
import type { AuthUser } from "../auth.ts";

/** Subjects of this form belong to ops nodes only; the gateway refuses any token that claims one. */
const OPS_SUBJECT_PREFIX = "ops@";

export function isOpsIdentity(subject: string): boolean {
	return subject.startsWith(OPS_SUBJECT_PREFIX);
}

/**
 * Who acts when an operator calls an action from the ops REPL: an admin named after the ops node's host, so
 * that audit fields (`updatedBy`, `cancelledBy`) and logs show a change came from ops, not from a user.
 */
export const OPS_IDENTITY: AuthUser = {
	id: `${OPS_SUBJECT_PREFIX}${hostname()}`,
	roles: ["admin"],
	scopes: [],
	clientId: "ops-repl",
};

/** The operator's login on the ops host, for the log line of each call (never part of the identity). */
const operator = (() => {
	try {
		return userInfo().username;
	} catch {
		return "unknown";
	}
})();

/** Call options that make a call from an ops command run as the ops identity. */
export function asOps(options: CallingOptions = {}): CallingOptions {
	return { ...options, meta: { ...options.meta, user: OPS_IDENTITY } };
}

/**
 * On the ops node (which runs no service, so every call starts at the REPL): every call runs as the ops
 * identity, and is logged with the operator's login on the ops host.
 */
function opsIdentityMiddleware(): Middleware {
	let logger: Logger | undefined;
	return {
		name: "OpsIdentity",
		created(broker: ServiceBroker) {
			logger = broker.logger;
		},
		call(next: CallHandler) {
			return (actionName: string, params: unknown, options?: CallingOptions) => {
				logger?.info({ identity: OPS_IDENTITY.id, operator, action: actionName }, "Ops call");
				return next(actionName, params, asOps(options));
			};
		},
	} as unknown as Middleware;
}

type CallHandler = (actionName: string, params: unknown, options?: CallingOptions) => Promise<unknown>;

/** Moleculer calls a middleware given as a function once per broker: each broker gets its own state. */
export const OpsIdentityMiddleware = opsIdentityMiddleware as unknown as Middleware;
