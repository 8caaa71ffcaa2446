import { type Context, Errors, type Middleware } from "moleculer";

/**
 * A remote call that fails with anything but a Moleculer error never reached the other node: the transporter
 * could not send it (Kafka down, metadata failures). Callers get a retryable 503 instead of an opaque 500.
 */
export const TransportFailureMiddleware: Middleware = {
	name: "TransportFailure",
	remoteAction(next: (ctx: Context) => Promise<unknown>) {
		return (ctx: Context) =>
			next(ctx).catch((error: unknown) => {
				// Errors raised on the other node come back carrying its nodeID (custom error classes arrive as
				// plain Errors): those are answers, not transport failures.
				if (error instanceof Errors.MoleculerError || (error as { nodeID?: string })?.nodeID !== undefined)
					throw error;
				throw new Errors.MoleculerRetryableError(
					"message transport unavailable",
					503,
					"TRANSPORT_UNAVAILABLE",
					{
						action: ctx.action?.name,
						reason: (error as Error)?.message,
					},
				);
			});
	},
} as Middleware;
