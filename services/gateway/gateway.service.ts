import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { RedisOptions } from "ioredis";
import { type Context, Errors, type Service } from "moleculer";
import ApiGateway from "moleculer-web";
import { config } from "../../config/index.ts";
import type { AuthUser } from "../../lib/auth.ts";
import { endpointAvailable, hasEndpoint } from "../../lib/await-discovery.middleware.ts";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import { observeHttpRequest, type RoutedRequest, registerHttpMetrics } from "../../lib/http-metrics.ts";
import { logsAt } from "../../lib/log-context.ts";
import { isOpsIdentity } from "../../lib/ops/identity.ts";
import { type ComponentHealth, nodeHealth, respondJson } from "../../lib/ops-endpoint.ts";
import { redisConnection } from "../../lib/redis-connection.ts";
import type { RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { apiDocs } from "./api-docs.ts";
import { type Access, API_ROUTES, type ApiRoute } from "./api-routes.ts";
import { checkIfMatch, entityTag, jsonAnswer, originRevalidates, readActions } from "./conditional.ts";
import { formatError } from "./error-format.ts";
import { gracefulClose } from "./graceful-close.ts";
import { refuseUnsafeInput } from "./input-guard.ts";
import { memoryRateLimiter, type RateLimiter, redisRateLimiter } from "./rate-limiter.ts";
import {
	createTokenVerifier,
	IdentityProviderUnavailableError,
	TokenRejectedError,
	type TokenVerifier,
	type TokenVerifierOptions,
} from "./token-verifier.ts";
import { dropSameOriginHeader, webApp } from "./web-app.ts";

type GatewayRequest = IncomingMessage & {
	$ctx?: RequestContext;
	$params?: Record<string, unknown>;
	query?: Record<string, unknown>;
	/** The matched alias; `fullPath` is its route template (`/api/bookings/:id`). */
	$alias?: AliasWithAccess & { fullPath?: string };
	headers: IncomingMessage["headers"];
};
/** moleculer-web's request in `encodeResponse`: `$route` is the route that answers it. */
type TaggedRequest = IncomingMessage & { $route?: { etag?: unknown } };
interface AliasWithAccess {
	access?: Access;
}

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** For If-Match: the GET action that reads what each PATCH action changes. */
const READ_ACTIONS = readActions(API_ROUTES);

const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
	["X-Content-Type-Options", "nosniff"],
	["X-Frame-Options", "DENY"],
	["Referrer-Policy", "no-referrer"],
	["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"],
	["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
	["Cache-Control", "no-store"],
];

/** The HTTP request moleculer-web's `rest` action is called with. */
const requestOf = (ctx: Context) => (ctx.params as { req: IncomingMessage }).req;

/** The request's path, without its query string. */
function pathOf(req: IncomingMessage): string {
	return (req.url ?? "").split("?")[0];
}

/** On every response: set first thing by a middleware, and again in onError for the answers that skip it. */
function setSecurityHeaders(res: ServerResponse): void {
	for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
}

/** Requests per minute per token subject; shared through Redis when `redis` is set. */
interface RateLimitSettings {
	perMinute: number;
	redis: RedisOptions | null;
	namespace: string;
}

type Self = Service & {
	settings: { oidc: TokenVerifierOptions; subjectRateLimit: RateLimitSettings };
	/** moleculer-web's HTTP server (none when its `server` setting is false). */
	server?: Server;
	/** Closes `server` once the requests under way are answered (moleculer-web's own close then has nothing to do). */
	closeServer: () => Promise<void>;
	verifier: TokenVerifier;
	rateLimiter: RateLimiter;
	/** The access log (observeHttpRequest): this service's logger, or null when it writes no info lines. */
	accessLog: Service["logger"] | null;
};

function isAllowed(user: AuthUser, access: Exclude<Access, "public">): boolean {
	if (user.roles.some((role) => access.roles.includes(role))) return true;
	// Third-party integrations use client-credentials tokens: no roles, only the scopes they were granted.
	const isClientToken = user.roles.length === 0;
	return isClientToken && (access.scopes ?? []).some((scope) => user.scopes.includes(scope));
}

/** A JSON route under /api with an explicit alias per entry of the table, authenticated and authorized. */
function apiRoute(routes: readonly ApiRoute[]) {
	return {
		path: "/api",
		mappingPolicy: "restrict",
		// moleculer-web's own request logs are off (logRequest and logResponse below); without this it would still
		// format each answer's time for the line it does not write.
		logging: false,
		autoAliases: false,
		authentication: true,
		authorization: true,
		bodyParsers: { json: { limit: config.http.bodyLimit, strict: true }, urlencoded: false },
		etag: entityTag,
		aliases: Object.fromEntries(
			routes.map((route) => [
				`${route.method} ${route.path}`,
				{ action: route.action, access: route.access },
			]),
		),
		onBeforeCall(ctx: RequestContext, _route: unknown, req: GatewayRequest) {
			refuseUnsafeInput(req);
			const key = req.headers["idempotency-key"];
			if (typeof key === "string") ctx.meta.idempotencyKey = key;
		},
	};
}

/**
 * The only way in from outside: JSON API under /api with an explicit alias per route, OIDC bearer tokens,
 * per-client rate limits, and errors that never leak internals.
 */
const GatewayService: ServiceDefinition<Self> = {
	name: "gateway",
	mixins: [ApiGateway],

	settings: {
		/** What the token verifier and the rate limiter are built from (created()); a test may give others. */
		oidc: {
			issuer: config.oidc.issuer,
			audience: config.oidc.audience,
			clockSkewSeconds: config.oidc.clockSkewSeconds,
			rolesClaim: config.oidc.rolesClaim,
		} satisfies TokenVerifierOptions,
		subjectRateLimit: {
			perMinute: config.http.rateLimitPerMinute,
			redis: config.cacher.kind === "redis" ? redisConnection(config.cacher.url, config.cacher.tls) : null,
			namespace: config.namespace,
		} satisfies RateLimitSettings,
		// The Redis URL may carry a password: not published to other nodes.
		$secureSettings: ["subjectRateLimit"],
		port: config.http.port,
		// moleculer-web's own request logs print the raw URL and, at debug, the body: both can hold personal
		// data (e-mail addresses, phone numbers, addresses). observeHttpRequest logs the route template instead.
		logRequest: null,
		logResponse: null,
		logRequestParams: null,
		logResponseData: null,
		ip: "0.0.0.0",
		use: [
			(_req: IncomingMessage, res: ServerResponse, next: () => void) => {
				setSecurityHeaders(res);
				next();
			},
			apiDocs(),
			originRevalidates,
		],
		cors: {
			origin: config.http.corsOrigins,
			methods: ["GET", "POST", "PATCH", "PUT", "DELETE"],
			allowedHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"],
			exposedHeaders: ["ETag", "Idempotent-Replayed", "Retry-After", "X-Request-ID"],
			maxAge: 600,
		},
		routes: [
			{
				path: "/health",
				mappingPolicy: "restrict",
				aliases: {
					"GET /live"(_req: IncomingMessage, res: ServerResponse) {
						respondJson(res, 200, { status: "up" });
					},
					async "GET /ready"(
						this: { broker: Parameters<typeof nodeHealth>[0] },
						_req: IncomingMessage,
						res: ServerResponse,
					) {
						const health = await nodeHealth(this.broker);
						respondJson(res, health.ready ? 200 : 503, {
							status: health.ready ? "ready" : "not ready",
							...health,
						});
					},
				},
			},
			apiRoute(API_ROUTES),
			// Last: every other path is the web app's (its files, or index.html for the app's own paths).
			{
				path: "/",
				mappingPolicy: "restrict",
				autoAliases: false,
				use: [webApp({ issuer: config.oidc.issuer, timeZone: config.platformTimeZone })],
			},
		],
		onError(
			this: { logger: { error(...a: unknown[]): void } },
			req: GatewayRequest,
			res: ServerResponse,
			error: Error,
		) {
			// moleculer-web runs a route's body parsers before `use`, and answers unrouted paths without either:
			// a 413, a 400 for bad JSON or a 404 outside /api would otherwise go out without these headers.
			setSecurityHeaders(res);
			const { status, body, headers } = formatError(error, req.$ctx?.requestID ?? undefined);
			if (status >= 500)
				this.logger.error(
					{ route: req.$alias?.fullPath ?? "unmatched", requestId: req.$ctx?.requestID, err: error },
					"Request failed",
				);
			for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
			respondJson(res, status, body);
		},
	},

	actions: {
		// moleculer-web names the request's span after the raw URL and tags it with it: a query string can hold
		// personal data (`/api/customers?q=<e-mail>`). The path without the query instead.
		rest: {
			// moleculer-web calls `rest` directly, past the endpoint selection that an open circuit acts on: a breaker
			// here would only count. The routed actions keep theirs, per endpoint. Nor is an HTTP request retried
			// whole: reads are retried at the routed call (callAction), writes never.
			circuitBreaker: { enabled: false },
			retryPolicy: { enabled: false },
			tracing: {
				spanName: (ctx: Context) => `${requestOf(ctx).method} ${pathOf(requestOf(ctx))}`,
				tags: (ctx: Context) => ({ method: requestOf(ctx).method, path: pathOf(requestOf(ctx)) }),
			},
		},
	},

	methods: {
		/**
		 * The JSON body, with its ETag on a route that tags its answers (`etag`): moleculer-web then finds the
		 * header set and leaves it (the route's `entityTag` still tags the answers that are no JSON).
		 */
		encodeResponse(req: TaggedRequest, res: ServerResponse, data: unknown): string {
			const { body, tag } = jsonAnswer(data, Boolean(req.$route?.etag) && !res.hasHeader("ETag"));
			if (tag !== undefined) res.setHeader("ETag", tag);
			return body;
		},

		/**
		 * moleculer-web picks the action's endpoint itself, before the call, and answers 503 when there is none.
		 * During a rollout that may be the moment between the last old instance leaving and this gateway hearing
		 * of the new one: it waits for discovery first, as every other node's calls do (AwaitDiscoveryMiddleware).
		 */
		async aliasHandler(this: Self, req: IncomingMessage, res: ServerResponse, alias: { action?: string }) {
			if (alias.action && !hasEndpoint(this.broker, alias.action))
				await endpointAvailable(this.broker, alias.action);
			return ApiGateway.methods?.aliasHandler.call(this, req, res, alias);
		},

		httpHandler(this: Self, req: RoutedRequest, res: ServerResponse, next: unknown) {
			observeHttpRequest(this.broker.metrics, this.accessLog, req, res);
			dropSameOriginHeader(req);
			return ApiGateway.methods?.httpHandler.call(this, req, res, next);
		},

		/**
		 * Reads are safe to repeat: one retry on another instance hides a node that died mid-request.
		 * Writes are never retried here; clients retry them with their Idempotency-Key.
		 */
		async callAction(this: Service, route: { callOptions?: object }, ...rest: unknown[]) {
			const [action, req, , params] = rest as [string, GatewayRequest, unknown, Record<string, unknown>];
			const ifMatch = req.headers["if-match"];
			const read = READ_ACTIONS.get(action);
			if (typeof ifMatch === "string" && read && req.$ctx)
				await checkIfMatch(req.$ctx, read, params, ifMatch);
			const callOptions = { ...route.callOptions, retries: req.method === "GET" ? 1 : 0 };
			return ApiGateway.methods?.callAction.call(this, { ...route, callOptions }, ...rest);
		},

		/**
		 * Not ready until the identity provider's keys were fetched once: without them no token can be verified,
		 * and the first requests would wait for discovery and the key set, or fail with 503 while the provider is
		 * slow to answer. Once fetched, the keys stay in use through an outage of the provider.
		 */
		async checkReadiness(this: Self): Promise<ComponentHealth> {
			await this.verifier.loadKeys();
			return { component: "identity-provider", ok: true };
		},

		async authenticate(
			this: Self,
			_ctx: RequestContext,
			_route: unknown,
			req: GatewayRequest,
		): Promise<AuthUser | null> {
			const header = req.headers.authorization;
			if (header === undefined) return null;
			const [scheme, token] = header.split(" ");
			if (scheme?.toLowerCase() !== "bearer" || !token)
				throw new UnauthorizedError("expected a Bearer token");
			let user: AuthUser;
			try {
				user = await this.verifier.verify(token);
			} catch (error) {
				if (error instanceof TokenRejectedError)
					throw new UnauthorizedError(`invalid token: ${error.reason}`);
				if (error instanceof IdentityProviderUnavailableError) {
					throw new Errors.MoleculerRetryableError("identity provider unavailable", 503, "IDP_UNAVAILABLE");
				}
				throw error;
			}
			// The ops identity is taken on ops nodes only, never through a token (lib/ops/identity.ts).
			if (isOpsIdentity(user.id)) throw new UnauthorizedError("invalid token: reserved subject");
			return user;
		},

		async authorize(this: Self, ctx: RequestContext, _route: unknown, req: GatewayRequest) {
			const access = req.$alias?.access ?? { roles: ["admin"] };
			if (access === "public") return;
			const user = ctx.meta.user;
			if (!user) throw new UnauthorizedError();
			if (!isAllowed(user, access)) throw new ForbiddenError();
			// Per subject: a user token's client id is the app (web-app), shared by all of its users.
			const decision = await this.rateLimiter.hit(user.id);
			if (!decision.allowed) {
				throw new Errors.MoleculerClientError("too many requests", 429, "RATE_LIMITED", {
					retryAfterSeconds: decision.retryAfterSeconds,
				});
			}
		},
	},

	created(this: Self) {
		// Idle keep-alive connections outlive the Ingress's (nginx and most cloud load balancers keep theirs 60 s):
		// with Node's 5 s, the gateway may close one just as the proxy sends the next request on it (a 502).
		if (this.server) {
			this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
			this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
		}
		this.closeServer = this.server ? gracefulClose(this.server) : () => Promise.resolve();
		registerHttpMetrics(this.broker.metrics);
		this.accessLog = logsAt(this.broker, "info") ? this.logger : null;
		this.verifier = createTokenVerifier(this.settings.oidc);
		const { perMinute, redis, namespace } = this.settings.subjectRateLimit;
		this.rateLimiter = redis ? redisRateLimiter(redis, perMinute, namespace) : memoryRateLimiter(perMinute);
	},

	started(this: Self) {
		// Ahead of the first request and the first readiness probe.
		this.verifier
			.loadKeys()
			.catch((error: Error) => this.logger.warn(`identity provider keys: ${error.message}`));
	},

	// Runs before moleculer-web's `stopped`: the last requests still pass the rate limiter.
	async stopped(this: Self) {
		await this.closeServer();
		await this.rateLimiter.close();
	},
};

export default GatewayService;
