import { AsyncLocalStorage } from "node:async_hooks";
import type { Context, Logger, Middleware, ServiceBroker } from "moleculer";

/** What every log line written while a request is handled carries, on whichever node handles it. */
export interface LogContext {
	requestId: string;
	/** The request's trace in Zipkin: Moleculer's exporter names a trace by the request id's first 16 hex digits. */
	traceId: string;
}

/** The handled request's id; its trace id is derived when a line is written, not on every call. */
const current = new AsyncLocalStorage<string>();

export function traceIdOf(requestId: string): string {
	return requestId.replaceAll("-", "").slice(0, 16);
}

/** The fields pino adds to each line (its `mixin` option): the handled request's ids, or nothing. */
export function logContextFields(): Partial<LogContext> {
	const requestId = current.getStore();
	return requestId === undefined ? {} : { requestId, traceId: traceIdOf(requestId) };
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"];

/** Whether the broker writes lines of this level (a level set per module counts as yes). */
export function logsAt(broker: ServiceBroker, level: "info" | "debug"): boolean {
	const configured = broker.options.logLevel;
	return typeof configured !== "string" || LEVELS.indexOf(configured) >= LEVELS.indexOf(level);
}

/** Runs `handle(ctx)` inside the context of ctx's request; a call nested in the same request is already in it. */
function withContext<T>(ctx: Context, handle: (ctx: Context) => T): T {
	const requestId = ctx.requestID ?? ctx.id;
	return current.getStore() === requestId ? handle(ctx) : current.run(requestId, handle, ctx);
}

/**
 * Runs every local action and event handler inside its request's log context, so that any line logged while
 * handling it (here, in lib/, in a library) names the request; the request id travels with the call to every
 * node. At debug level each handled action is logged with its duration, so that one request can be followed
 * across the nodes it crossed; below it, no action is timed.
 */
function requestLogMiddleware(): Middleware {
	let logger: Logger | undefined;
	return {
		name: "RequestLog",
		created(broker: ServiceBroker) {
			if (logsAt(broker, "debug")) logger = broker.getLogger("request");
		},
		localAction(handler: (ctx: Context) => Promise<unknown>, action: { name: string }) {
			if (logger === undefined) return (ctx: Context) => withContext(ctx, handler);
			return (ctx: Context) =>
				withContext(ctx, async () => {
					const started = performance.now();
					try {
						return await handler(ctx);
					} finally {
						logger?.debug(
							{ action: action.name, caller: ctx.nodeID, ms: Math.round(performance.now() - started) },
							"Action handled",
						);
					}
				});
		},
		localEvent(handler: (ctx: Context) => Promise<unknown>) {
			return (ctx: Context) => withContext(ctx, handler);
		},
	} as unknown as Middleware;
}

/** Moleculer calls a middleware given as a function once per broker. */
export const RequestLogMiddleware = requestLogMiddleware as unknown as Middleware;
