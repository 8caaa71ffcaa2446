import { randomUUID } from "node:crypto";
import type { Logger, MetricRegistry } from "moleculer";
import { Op, type Sequelize, Transaction } from "sequelize";
import { ensureMetrics } from "../../lib/metrics.ts";
import { type PollingSettings, PollingWorker } from "../../lib/polling-loop.ts";
import { disableReason, nextAttemptAt, type RetryPolicy } from "./delivery-rules.ts";
import { type DeliveryRow, deliveriesTable, endpointsTable } from "./models.ts";
import { type AttemptOutcome, type SendOptions, sendSigned } from "./sender.ts";
import { openSecret, SealedSecretError, type SecretsKeys } from "./signing-secrets.ts";

/** Deliveries claimed (and sent side by side) per round (20), and the purge once an hour. */
const DISPATCHER: PollingSettings = {
	name: "Webhook dispatcher",
	batchSize: 20,
	maxBackoffMs: 30_000,
	purgeEveryMs: 3_600_000,
	waiting: "deliveries wait",
};
const ATTEMPTS_METRIC = "webhook_delivery_attempts_total";

export interface DispatcherOptions {
	sequelize: Sequelize;
	policy: RetryPolicy;
	send: SendOptions;
	pollMs: number;
	/** Finished deliveries (succeeded or failed) are kept this long for their partner to see, then deleted. */
	retentionMs: number;
	/** What the endpoints' signing secrets are sealed under. */
	secretsKeys: SecretsKeys;
	logger: Logger;
	metrics: MetricRegistry;
}

type Claimed = Pick<DeliveryRow, "id" | "endpointId" | "messageId" | "payload" | "attempts" | "giveUpAt">;

/**
 * Sends due deliveries: every webhooks instance runs one, and the database decides who sends what. A round
 * claims due rows (`FOR UPDATE SKIP LOCKED` on MySQL, so two instances never take the same row) by stamping
 * them with a claim token and a lease, commits, sends outside any transaction, then records each outcome only
 * if its claim still holds. A sender that dies mid-round leaves rows whose lease lapses and another instance
 * sends them again, with the same `webhook-id`: at least once, and receivers drop the duplicate.
 */
export class DeliveryDispatcher extends PollingWorker {
	private readonly options: DispatcherOptions;

	constructor(options: DispatcherOptions) {
		super(DISPATCHER, options);
		this.options = options;
		ensureMetrics(options.metrics, {
			type: "counter",
			name: ATTEMPTS_METRIC,
			labelNames: ["outcome"],
			description:
				"Webhook delivery attempts: succeeded, retrying, failed (given up) or refused (SSRF rules)",
		});
	}

	/** Deletes the deliveries finished long ago (once an hour). */
	protected purge(): Promise<number> {
		const { sequelize, retentionMs } = this.options;
		return purgeFinishedDeliveries(sequelize, new Date(Date.now() - retentionMs));
	}

	/** One claim–send–record round; answers how many deliveries it attempted. */
	protected async round(): Promise<number> {
		const token = randomUUID();
		const claimed = await this.claim(token);
		if (claimed.length === 0) return 0;
		const endpoints = await endpointsTable(this.options.sequelize).findAll({
			where: { id: [...new Set(claimed.map((row) => row.endpointId))] },
		});
		const byId = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
		await Promise.all(
			claimed.map(async (delivery) => {
				const endpoint = byId.get(delivery.endpointId);
				// Removed meanwhile: its deliveries went with it.
				if (!endpoint) return;
				const secret = this.signingSecretOf(endpoint);
				// Left claimed: it is tried again once the claim lapses, and nothing else of the round waits for it.
				if (secret === null) return;
				const message = { url: endpoint.url, secret, messageId: delivery.messageId };
				const outcome = await sendSigned({ ...message, body: delivery.payload }, this.options.send);
				await this.record(delivery, token, outcome);
			}),
		);
		return claimed.length;
	}

	/** The endpoint's secret in clear; null (and an error logged) when it does not open with this node's key. */
	private signingSecretOf(endpoint: { id: string; secret: string }): string | null {
		try {
			return openSecret(this.options.secretsKeys, endpoint.id, endpoint.secret);
		} catch (error) {
			if (!(error instanceof SealedSecretError)) throw error;
			this.options.logger.error(
				{ endpoint: endpoint.id, err: error },
				"Webhook deliveries not sent: the endpoint's signing secret does not open (check WEBHOOK_SECRETS_KEY and WEBHOOK_SECRETS_PREVIOUS_KEY)",
			);
			return null;
		}
	}

	/** Takes due deliveries no other instance holds, for the time one attempt can take and a margin. */
	private async claim(token: string): Promise<Claimed[]> {
		const { sequelize, send } = this.options;
		const deliveries = deliveriesTable(sequelize);
		const now = new Date();
		// Read committed: the claim locks only the rows it returns, never the gaps new deliveries go into.
		const options = { isolationLevel: Transaction.ISOLATION_LEVELS.READ_COMMITTED };
		return sequelize.transaction(options, async (transaction) => {
			const due = await deliveries.findAll({
				attributes: ["id", "endpointId", "messageId", "payload", "attempts", "giveUpAt"],
				where: {
					status: "pending",
					nextAttemptAt: { [Op.lte]: now },
					[Op.or]: [{ claimedUntil: null }, { claimedUntil: { [Op.lt]: now } }],
				},
				order: [["nextAttemptAt", "ASC"]],
				limit: DISPATCHER.batchSize,
				// MySQL: rows another instance is claiming are skipped, not waited for. SQLite has one writer.
				lock: transaction.LOCK.UPDATE,
				skipLocked: true,
				transaction,
			});
			if (due.length === 0) return [];
			const claimedUntil = new Date(now.getTime() + 2 * send.timeoutMs + 30_000);
			await deliveries.update(
				{ claimToken: token, claimedUntil },
				{ where: { id: due.map((row) => row.id) }, transaction },
			);
			return due.map((row) => row.get() as Claimed);
		});
	}

	/**
	 * Writes the attempt's outcome, if this round still holds the claim (a lapsed one belongs to another
	 * sender now), with the endpoint's failure count: a success resets it, a failure may disable the endpoint.
	 */
	private async record(delivery: Claimed, token: string, outcome: AttemptOutcome): Promise<void> {
		const { sequelize, policy, metrics } = this.options;
		const deliveries = deliveriesTable(sequelize);
		const now = new Date();
		const attempts = delivery.attempts + 1;
		const next = outcome.ok ? null : nextAttemptAt(attempts, now, new Date(delivery.giveUpAt), policy);
		const gaveUp = !outcome.ok && next === null;
		const status = outcome.ok ? "succeeded" : gaveUp ? "failed" : "pending";
		await sequelize.transaction(async (transaction) => {
			const [updated] = await deliveries.update(
				{
					status,
					attempts,
					nextAttemptAt: next,
					lastStatusCode: outcome.statusCode,
					lastError: outcome.error?.slice(0, 500) ?? null,
					claimToken: null,
					claimedUntil: null,
					...(outcome.ok ? { deliveredAt: now } : {}),
					...(gaveUp ? { failedAt: now } : {}),
				},
				{ where: { id: delivery.id, claimToken: token }, transaction },
			);
			if (updated !== 1) return;
			const endpoints = endpointsTable(sequelize);
			if (outcome.ok) {
				await endpoints.update(
					{ consecutiveFailures: 0 },
					{ where: { id: delivery.endpointId }, transaction },
				);
				return;
			}
			await endpoints.increment("consecutiveFailures", { where: { id: delivery.endpointId }, transaction });
			const endpoint = await endpoints.findByPk(delivery.endpointId, { transaction });
			if (endpoint?.status !== "enabled") return;
			const reason = disableReason(endpoint.consecutiveFailures, gaveUp, outcome.error ?? "", policy);
			if (reason) await disableEndpoint(sequelize, endpoint.id, reason, transaction);
		});
		const label = outcome.ok ? "succeeded" : outcome.error?.startsWith("refused") ? "refused" : status;
		metrics.increment(ATTEMPTS_METRIC, { outcome: label === "pending" ? "retrying" : label });
	}
}

/**
 * Disables an endpoint with the reason its partner sees, and fails its waiting deliveries (the partner re-sends
 * them once the endpoint is fixed and enabled again). A claim in flight is dropped: its outcome is not recorded.
 */
export async function disableEndpoint(
	sequelize: Sequelize,
	endpointId: string,
	reason: string,
	transaction: Transaction,
): Promise<void> {
	const now = new Date();
	await endpointsTable(sequelize).update(
		{ status: "disabled", disabledReason: reason.slice(0, 500), disabledAt: now },
		{ where: { id: endpointId }, transaction },
	);
	await deliveriesTable(sequelize).update(
		{ status: "failed", failedAt: now, nextAttemptAt: null, claimToken: null, claimedUntil: null },
		{ where: { endpointId, status: "pending" }, transaction },
	);
}

/** Deletes the deliveries that succeeded or failed before `before`; waiting ones stay whatever their age. */
export async function purgeFinishedDeliveries(sequelize: Sequelize, before: Date): Promise<number> {
	return deliveriesTable(sequelize).destroy({
		where: { status: ["succeeded", "failed"], updatedAt: { [Op.lt]: before } },
	});
}
