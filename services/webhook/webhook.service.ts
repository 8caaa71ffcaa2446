import { randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import type { Transaction } from "sequelize";
import { config } from "../../config/index.ts";
import { partnerClientId } from "../../lib/auth.ts";
import { findPage } from "../../lib/database.ts";
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from "../../lib/errors.ts";
import type { Subscription } from "../../lib/events/bus.ts";
import { consumeForService } from "../../lib/events/consumer.ts";
import { type CloudEvent, CONSUMER_GROUPS } from "../../lib/events/contract.ts";
import { ID_PARAMS, PAGE_PARAMS, type PageParams } from "../../lib/input-rules.ts";
import { reportHealth } from "../../lib/ops-endpoint.ts";
import { currentUser, type RequestContext, requireRole } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import {
	DELIVERY_STATUSES,
	type DeliveryStatus,
	type FailedDelivery,
	type NewWebhookEndpoint,
	WEBHOOK_EVENT_TYPES,
	type WebhookDelivery,
	type WebhookDeliveryPage,
	type WebhookEndpoint,
	type WebhookEndpointList,
	type WebhookEventType,
} from "./contract.ts";
import { isWebhookEvent, messageIdOf, webhookBody } from "./delivery-rules.ts";
import { DeliveryDispatcher } from "./dispatcher.ts";
import { ENDPOINTS_TABLE } from "./migrations/0001-webhooks.ts";
import { WEBHOOK_MIGRATIONS } from "./migrations/index.ts";
import {
	type DeliveryRow,
	deliveriesTable,
	type EndpointRow,
	endpointsTable,
	toDelivery,
	toEndpoint,
} from "./models.ts";
import {
	newSigningSecret,
	type SecretsKeys,
	sealSecret,
	sealUnderCurrentKey,
	signingSecretsKeys,
} from "./signing-secrets.ts";
import { resolveTarget, TargetRefusedError, urlProblem } from "./target-rules.ts";

/** Endpoints one partner may register. */
const MAX_ENDPOINTS = 10;

interface CreateParams {
	url: string;
	eventTypes: WebhookEventType[];
	description?: string;
}

interface DeliveryFilter {
	endpointId?: string;
	status?: DeliveryStatus;
}

type Self = Service &
	DatabaseService & {
		/** What partners' signing secrets are sealed under (signing-secrets.ts). */
		secretsKeys: SecretsKeys;
		dispatcher: DeliveryDispatcher;
		consumer: Subscription;
		unreportDispatcher: () => void;
		endpoints(): ReturnType<typeof endpointsTable>;
		deliveries(): ReturnType<typeof deliveriesTable>;
		ownEndpoint(partner: string, id: string): Promise<EndpointRow>;
		ownDelivery(partner: string, id: string): Promise<DeliveryRow>;
		checkTarget(url: string): Promise<void>;
		enqueue(event: CloudEvent, transaction: Transaction): Promise<void>;
		sealUnderCurrentKey(): Promise<void>;
	};

/** The partner behind the request: webhooks belong to integrations, never to people's tokens. */
function partnerOf(ctx: RequestContext): string {
	const partner = partnerClientId(currentUser(ctx));
	if (!partner) throw new ForbiddenError("webhooks are managed with a partner's client-credentials token");
	return partner;
}

/**
 * Partner webhooks: partners register HTTPS endpoints for the events of their own bookings, which this service
 * takes from booking-events (its own consumer group, applied once), turns into deliveries in its database and
 * sends signed (Standard Webhooks), retrying with backoff for 24 h and disabling endpoints that keep failing.
 */
const WebhookService: ServiceDefinition<Self> = {
	name: "webhooks",
	mixins: [databaseMixin({ owner: "webhook", migrations: WEBHOOK_MIGRATIONS, model: ENDPOINTS_TABLE })],

	actions: {
		createEndpoint: {
			params: {
				$$strict: true,
				url: { type: "string", min: 1, max: 2000, trim: true },
				eventTypes: {
					type: "array",
					min: 1,
					unique: true,
					items: { type: "enum", values: WEBHOOK_EVENT_TYPES },
				},
				description: { type: "string", max: 200, trim: true, optional: true },
			},
			async handler(this: Self, ctx: RequestContext<CreateParams>): Promise<NewWebhookEndpoint> {
				const partner = partnerOf(ctx);
				await this.checkTarget(ctx.params.url);
				if ((await this.endpoints().count({ where: { partnerClientId: partner } })) >= MAX_ENDPOINTS)
					throw new ConflictError(`at most ${MAX_ENDPOINTS} endpoints per partner`, "TOO_MANY_ENDPOINTS");
				const id = randomUUID();
				const secret = newSigningSecret();
				const row = await this.endpoints().create({
					id,
					partnerClientId: partner,
					url: ctx.params.url,
					eventTypes: ctx.params.eventTypes,
					description: ctx.params.description ?? null,
					secret: sealSecret(this.secretsKeys.current, id, secret),
					status: "enabled",
					consecutiveFailures: 0,
				});
				this.logger.info({ partner, endpoint: row.id }, "Webhook endpoint registered");
				ctx.meta.$statusCode = 201;
				return { ...toEndpoint(row.get()), secret };
			},
		},

		listEndpoints: {
			params: {},
			async handler(this: Self, ctx: RequestContext): Promise<WebhookEndpointList> {
				const rows = await this.endpoints().findAll({
					where: { partnerClientId: partnerOf(ctx) },
					order: [["createdAt", "ASC"]],
				});
				return { items: rows.map((row) => toEndpoint(row.get())) };
			},
		},

		removeEndpoint: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<WebhookEndpoint> {
				const endpoint = await this.ownEndpoint(partnerOf(ctx), ctx.params.id);
				await this.database().transaction(async (transaction) => {
					await this.deliveries().destroy({ where: { endpointId: endpoint.id }, transaction });
					await this.endpoints().destroy({ where: { id: endpoint.id }, transaction });
				});
				return toEndpoint(endpoint);
			},
		},

		enableEndpoint: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<WebhookEndpoint> {
				const partner = partnerOf(ctx);
				const { id } = await this.ownEndpoint(partner, ctx.params.id);
				await this.endpoints().update(
					{ status: "enabled", disabledReason: null, disabledAt: null, consecutiveFailures: 0 },
					{ where: { id } },
				);
				return toEndpoint(await this.ownEndpoint(partner, id));
			},
		},

		listDeliveries: {
			params: {
				$$strict: true,
				...PAGE_PARAMS,
				endpointId: { type: "uuid", optional: true },
				status: { type: "enum", values: DELIVERY_STATUSES, optional: true },
			},
			async handler(
				this: Self,
				ctx: RequestContext<PageParams & DeliveryFilter>,
			): Promise<WebhookDeliveryPage> {
				const { limit, offset, endpointId, status } = ctx.params;
				const own = await this.endpoints().findAll({
					attributes: ["id"],
					where: { partnerClientId: partnerOf(ctx), ...(endpointId ? { id: endpointId } : {}) },
				});
				const { rows, count } = await findPage(this.deliveries(), {
					where: { endpointId: own.map((row) => row.id), ...(status ? { status } : {}) },
					attributes: { exclude: ["payload"] },
					order: [
						["createdAt", "DESC"],
						["id", "ASC"],
					],
					limit,
					offset,
				});
				return { items: rows.map((row) => toDelivery(row.get())), total: count, limit, offset };
			},
		},

		resendDelivery: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<WebhookDelivery> {
				const partner = partnerOf(ctx);
				const delivery = await this.ownDelivery(partner, ctx.params.id);
				if (delivery.status === "pending")
					throw new ConflictError("the delivery is still being attempted", "DELIVERY_PENDING");
				const endpoint = await this.ownEndpoint(partner, delivery.endpointId);
				if (endpoint.status !== "enabled")
					throw new ConflictError("the endpoint is disabled; enable it first", "ENDPOINT_DISABLED");
				const now = new Date();
				// A fresh series of attempts with its own retry window; the webhook-id stays the same.
				await this.deliveries().update(
					{
						status: "pending",
						attempts: 0,
						nextAttemptAt: now,
						giveUpAt: new Date(now.getTime() + config.webhooks.retryWindowMs),
						failedAt: null,
					},
					{ where: { id: delivery.id, status: delivery.status } },
				);
				this.dispatcher.nudge();
				return toDelivery(await this.ownDelivery(partner, delivery.id));
			},
		},

		/** Internal (ops REPL): the latest deliveries that failed for good, every partner's. No REST route. */
		failedDeliveries: {
			visibility: "public",
			params: { $$strict: true, limit: PAGE_PARAMS.limit },
			async handler(this: Self, ctx: RequestContext<{ limit: number }>): Promise<FailedDelivery[]> {
				requireRole(ctx, "admin");
				const failed = await this.deliveries().findAll({
					attributes: { exclude: ["payload"] },
					where: { status: "failed" },
					order: [["failedAt", "DESC"]],
					limit: ctx.params.limit,
				});
				const endpoints = await this.endpoints().findAll({
					where: { id: [...new Set(failed.map((row) => row.endpointId))] },
				});
				const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
				return failed.map((row) => ({
					id: row.id,
					partnerClientId: byId.get(row.endpointId)?.partnerClientId ?? "",
					url: byId.get(row.endpointId)?.url ?? "",
					eventType: row.eventType,
					attempts: row.attempts,
					lastError: row.lastError,
					failedAt: new Date(row.failedAt ?? row.updatedAt).toISOString(),
				}));
			},
		},
	},

	methods: {
		endpoints(this: Self) {
			return endpointsTable(this.database());
		},

		deliveries(this: Self) {
			return deliveriesTable(this.database());
		},

		async ownEndpoint(this: Self, partner: string, id: string) {
			const row = await this.endpoints().findOne({ where: { id, partnerClientId: partner } });
			if (!row) throw new NotFoundError("webhook endpoint", id);
			return row.get();
		},

		async ownDelivery(this: Self, partner: string, id: string) {
			const row = await this.deliveries().findByPk(id);
			const own =
				row && (await this.endpoints().count({ where: { id: row.endpointId, partnerClientId: partner } }));
			if (!row || !own) throw new NotFoundError("webhook delivery", id);
			return row.get();
		},

		/** 422 unless the URL passes the SSRF rules, its host's addresses included. */
		async checkTarget(this: Self, url: string) {
			const problem = urlProblem(url, config.webhooks);
			if (problem) throw new UnprocessableError("url", problem);
			try {
				await resolveTarget(new URL(url), config.webhooks);
			} catch (error) {
				if (error instanceof TargetRefusedError) throw new UnprocessableError("url", error.message);
				throw error;
			}
		},

		/** During a key rotation: the secrets sealed under the previous key, sealed again under the current one. */
		async sealUnderCurrentKey(this: Self) {
			const { resealed, unopened } = await sealUnderCurrentKey(this.database(), this.secretsKeys);
			if (resealed > 0)
				this.logger.info(`Webhook signing secrets sealed again under the current key: ${resealed}`);
			if (unopened.length > 0) {
				this.logger.error(
					{ endpoints: unopened },
					"Webhook signing secrets that open under neither WEBHOOK_SECRETS_KEY nor WEBHOOK_SECRETS_PREVIOUS_KEY: their deliveries wait",
				);
			}
		},

		/** A booking event of a partner's booking becomes one delivery per endpoint of its that wants it. */
		async enqueue(this: Self, event: CloudEvent, transaction: Transaction) {
			if (!isWebhookEvent(event) || !event.data.partnerClientId) return;
			const endpoints = await this.endpoints().findAll({
				where: { partnerClientId: event.data.partnerClientId, status: "enabled" },
				transaction,
			});
			const subscribed = endpoints.filter((endpoint) => endpoint.eventTypes.includes(event.type));
			if (subscribed.length === 0) return;
			const now = new Date();
			await this.deliveries().bulkCreate(
				subscribed.map((endpoint) => ({
					id: randomUUID(),
					endpointId: endpoint.id,
					messageId: messageIdOf(event),
					eventType: event.type,
					bookingId: event.data.bookingId,
					payload: webhookBody(event),
					status: "pending" as const,
					attempts: 0,
					nextAttemptAt: now,
					giveUpAt: new Date(now.getTime() + config.webhooks.retryWindowMs),
				})),
				{ transaction },
			);
			transaction.afterCommit(() => this.dispatcher.nudge());
		},
	},

	async started(this: Self) {
		const { webhooks } = config;
		this.secretsKeys = signingSecretsKeys(webhooks);
		await this.sealUnderCurrentKey();
		this.dispatcher = new DeliveryDispatcher({
			sequelize: this.database(),
			policy: webhooks,
			send: { allowTestTargets: webhooks.allowTestTargets, timeoutMs: webhooks.timeoutMs },
			pollMs: webhooks.pollMs,
			retentionMs: webhooks.retentionMs,
			secretsKeys: this.secretsKeys,
			logger: this.logger,
			metrics: this.broker.metrics,
		});
		this.dispatcher.start();
		this.unreportDispatcher = reportHealth(this.broker, this.dispatcher.component, () =>
			this.dispatcher.health(),
		);
		this.consumer = consumeForService(
			this,
			CONSUMER_GROUPS.webhook.group,
			CONSUMER_GROUPS.webhook.topics,
			(event, transaction) => this.enqueue(event, transaction),
		);
	},

	async stopped(this: Self) {
		await this.consumer.stop();
		this.unreportDispatcher();
		await this.dispatcher.stop();
	},
};

export default WebhookService;
