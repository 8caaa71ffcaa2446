import type { Context, Service } from "moleculer";
import type { Transaction } from "sequelize";
import { config, type MailConfig } from "../../config/index.ts";
import { UnprocessableError } from "../../lib/errors.ts";
import type { Subscription } from "../../lib/events/bus.ts";
import { consumeForService } from "../../lib/events/consumer.ts";
import { type CloudEvent, CONSUMER_GROUPS } from "../../lib/events/contract.ts";
import { ensureMetrics } from "../../lib/metrics.ts";
import { reportHealth } from "../../lib/ops-endpoint.ts";
import { currentUser, type RequestContext, requireRole } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type BusinessSettingsHolder, businessSettingsMixin } from "../../mixins/business-settings.mixin.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import type { CleanerContact } from "../cleaner/contract.ts";
import type { CustomerContact, CustomerDeleted } from "../customer/contract.ts";
import {
	CUSTOMER_MAIL_KINDS,
	type MailDelivery,
	type MailPreferences,
	type MailPreferencesChange,
	type NotificationStatus,
	type ResendResult,
} from "./contract.ts";
import {
	claimDueMail,
	type DeliveryRow,
	deliveryCounts,
	disabledKinds,
	eraseCustomer,
	failedMail,
	queueDueReminders,
	queueMail,
	recordOutcome,
	releaseClaims,
	reminderBacklog,
	removeReminder,
	resendFailed,
	type SendOutcome,
	saveDisabledKinds,
	scheduleReminder,
} from "./deliveries.ts";
import {
	applyPreferences,
	bookingOf,
	detailsOf,
	isWanted,
	mailsFor,
	preferencesView,
	reminderChange,
	templateLanguage,
	withoutAddresses,
} from "./mail-rules.ts";
import { type Mailer, smtpMailer } from "./mailer.ts";
import { MAIL_DELIVERIES_TABLE } from "./migrations/0001-create-notifications.ts";
import { NOTIFICATION_MIGRATIONS } from "./migrations/index.ts";
import { MAIL_LANGUAGES, renderMail } from "./templates.ts";

const MAILS_METRIC = "notification_mails_total";
/** E-mails one sender round takes. */
const BATCH_SIZE = 20;

type Self = Service &
	DatabaseService &
	BusinessSettingsHolder & {
		mail: MailConfig;
		mailer: Mailer | null;
		consumer: Subscription;
		sender: {
			stopped: boolean;
			running?: Promise<void>;
			wake?: () => void;
			failedRounds: number;
			lastError?: string;
		};
		unreportSender: () => void;
		applyEvent(event: CloudEvent, transaction: Transaction): Promise<void>;
		senderLoop(): Promise<void>;
		senderRound(): Promise<void>;
		deliver(row: DeliveryRow): Promise<SendOutcome>;
		wakeSender(): void;
	};

/**
 * E-mails to customers and cleaners about their bookings, from booking-events: queued in this service's own
 * database in the transaction that records the event, then sent over SMTP by a sender loop on every instance
 * (retried with backoff, parked as failed for ops after the last attempt), never twice for one event and
 * recipient. Reminders wait in a table of their own until their time. Customers turn the optional kinds off.
 */
const NotificationService: ServiceDefinition<Self> = {
	name: "notifications",
	settings: { $secureSettings: ["mail"] },
	mixins: [
		businessSettingsMixin,
		databaseMixin({
			owner: "notification",
			migrations: NOTIFICATION_MIGRATIONS,
			model: { ...MAIL_DELIVERIES_TABLE, options: { timestamps: true } },
		}),
	],

	actions: {
		preferences: {
			params: { $$strict: true },
			async handler(this: Self, ctx: RequestContext): Promise<MailPreferences> {
				return preferencesView(await disabledKinds(this.database(), currentUser(ctx).id));
			},
		},

		updatePreferences: {
			params: {
				$$strict: true,
				...Object.fromEntries(CUSTOMER_MAIL_KINDS.map((kind) => [kind, { type: "boolean", optional: true }])),
			},
			async handler(this: Self, ctx: RequestContext<MailPreferencesChange>): Promise<MailPreferences> {
				const subject = currentUser(ctx).id;
				if (Object.keys(ctx.params).length === 0) {
					throw new UnprocessableError("body", "name at least one kind of e-mail to turn on or off");
				}
				const result = applyPreferences(await disabledKinds(this.database(), subject), ctx.params);
				if ("refused" in result) {
					throw new UnprocessableError(
						result.refused,
						"the business always sends this e-mail: it cannot be turned off",
					);
				}
				await saveDisabledKinds(this.database(), subject, result.disabled);
				return preferencesView(result.disabled);
			},
		},

		/** Internal (ops): the dead-letter list, e-mails whose every attempt failed. */
		failed: {
			visibility: "public",
			params: { $$strict: true, limit: { type: "number", integer: true, min: 1, max: 500, optional: true } },
			async handler(this: Self, ctx: RequestContext<{ limit?: number }>): Promise<MailDelivery[]> {
				requireRole(ctx, "admin");
				return failedMail(this.database(), ctx.params.limit ?? 50);
			},
		},

		/** Internal (ops): queues failed e-mails again, with a fresh set of attempts. */
		resend: {
			visibility: "public",
			params: { $$strict: true, ids: { type: "array", items: "uuid", min: 1, max: 500 } },
			async handler(this: Self, ctx: RequestContext<{ ids: string[] }>): Promise<ResendResult> {
				requireRole(ctx, "admin");
				const result = await resendFailed(this.database(), ctx.params.ids);
				this.logger.info(
					{ by: currentUser(ctx).id, queued: result.queued.length },
					"Failed e-mails queued again",
				);
				await this.broker.broadcast("notifications.resent");
				return result;
			},
		},

		/** Internal (ops): e-mails by status, waiting reminders, whether SMTP is configured. */
		status: {
			visibility: "public",
			params: {},
			async handler(this: Self, ctx: RequestContext): Promise<NotificationStatus> {
				requireRole(ctx, "admin");
				return {
					deliveries: await deliveryCounts(this.database()),
					reminders: await reminderBacklog(this.database()),
					smtp: this.mailer ? "configured" : "off",
				};
			},
		},
	},

	events: {
		async "customers.deleted"(this: Self, ctx: Context<CustomerDeleted>) {
			await eraseCustomer(this.database(), ctx.params.subject);
		},

		// Another instance may have taken the resend call: every instance looks at once.
		"notifications.resent"(this: Self) {
			this.wakeSender();
		},
	},

	methods: {
		/** One booking event: its e-mails queued and its reminder moved, in the transaction that records it. */
		async applyEvent(this: Self, event: CloudEvent, transaction: Transaction) {
			const booking = bookingOf(event.type, event.data);
			if (!booking) return;
			const database = this.database();
			const details = detailsOf(booking);
			for (const mail of mailsFor(event.type, booking)) {
				await queueMail(database, { cause: event.id, ...mail, details }, transaction);
			}
			const lead = this.businessSettings.reminderLeadHours;
			const reminder = reminderChange(event.type, booking, new Date(event.time), lead);
			if (reminder?.action === "schedule") {
				await scheduleReminder(
					database,
					{ customerId: booking.customerId, startAt: reminder.startAt, details },
					transaction,
				);
			} else if (reminder?.action === "remove") {
				await removeReminder(database, booking.bookingId, transaction);
			}
			transaction.afterCommit(() => this.wakeSender());
		},

		wakeSender(this: Self) {
			this.sender.wake?.();
		},

		async senderLoop(this: Self) {
			while (!this.sender.stopped) {
				try {
					await this.senderRound();
					if (this.sender.failedRounds > 0) this.logger.info("Mail sender working again");
					this.sender.failedRounds = 0;
				} catch (error) {
					this.sender.failedRounds++;
					this.sender.lastError = (error as Error).message;
					if (this.sender.failedRounds % 20 === 1) {
						this.logger.warn(
							`Mail sender round failed (${this.sender.failedRounds}): ${this.sender.lastError}`,
						);
					}
				}
				if (this.sender.stopped) break;
				await new Promise<void>((resolve) => {
					const timer = setTimeout(resolve, this.mail.pollMs);
					this.sender.wake = () => {
						clearTimeout(timer);
						resolve();
					};
				});
				this.sender.wake = undefined;
			}
		},

		/** Due reminders become e-mails; then the due e-mails this instance could claim are sent. */
		async senderRound(this: Self) {
			const database = this.database();
			await queueDueReminders(database, this.businessSettings.reminderLeadHours);
			if (!this.mailer) return;
			for (;;) {
				const rows = await claimDueMail(database, this.broker.nodeID, BATCH_SIZE);
				for (const row of rows) {
					const outcome = await this.deliver(row);
					const status = await recordOutcome(database, row, outcome);
					this.broker.metrics.increment(MAILS_METRIC, { kind: row.kind, outcome: outcome.outcome });
					const why =
						outcome.outcome === "sent" ? "" : `: ${"reason" in outcome ? outcome.reason : outcome.error}`;
					this.logger.info(
						{ mail: row.id, kind: row.kind, booking: row.bookingId, attempt: row.attempts + 1 },
						`Mail ${outcome.outcome}${status === "failed" ? ", no attempt left" : ""}${why}`,
					);
				}
				if (rows.length < BATCH_SIZE || this.sender.stopped) return;
			}
		},

		/** Sends one e-mail to the recipient's current address, in their language; never throws. */
		async deliver(this: Self, row: DeliveryRow): Promise<SendOutcome> {
			try {
				const { recipientType, recipientId, kind } = row;
				const contact: (Partial<CustomerContact> & CleanerContact) | null =
					recipientType === "customer"
						? await this.broker.call<CustomerContact | null, { subject: string }>("customers.contact", {
								subject: recipientId,
							})
						: await this.broker.call<CleanerContact | null, { id: string }>("cleaners.contact", {
								id: recipientId,
							});
				if (!contact?.email) return { outcome: "skipped", reason: "the recipient has no e-mail address" };
				if (
					recipientType === "customer" &&
					!isWanted(kind, await disabledKinds(this.database(), recipientId))
				) {
					return { outcome: "skipped", reason: "turned off by the customer" };
				}
				// Cleaners have no language of their own yet: they get the platform's default.
				const language = templateLanguage(contact.language, MAIL_LANGUAGES, this.mail.defaultLanguage);
				const rendered = renderMail(kind, language, {
					details: row.details,
					name: contact.displayName,
					timeZone: this.businessSettings.timeZone,
					rateUrl: `${this.mail.publicWebUrl}/`,
				});
				await this.mailer?.send({ ...rendered, to: contact.email, key: row.mailKey });
				return { outcome: "sent" };
			} catch (error) {
				return {
					outcome: "failed",
					error: withoutAddresses((error as Error).message),
					attempts: this.mail.sendAttempts,
					retryBaseMs: this.mail.retryBaseMs,
				};
			}
		},
	},

	created(this: Self) {
		// Tests hand the SMTP settings in; a node takes them from its validated start-up configuration.
		this.mail = (this.settings as { mail?: MailConfig }).mail ?? config.mail;
		this.sender = { stopped: false, failedRounds: 0 };
		ensureMetrics(this.broker.metrics, {
			type: "counter",
			name: MAILS_METRIC,
			labelNames: ["kind", "outcome"],
			description:
				"E-mail send attempts by kind and outcome: sent, skipped (no address, turned off) or failed",
		});
	},

	async started(this: Self) {
		// Node ids are stable: rows this node held when it died are nobody's now, rather than after their lease.
		const released = await releaseClaims(this.database(), this.broker.nodeID);
		if (released > 0) this.logger.warn(`Released ${released} e-mails this node held when it stopped`);
		this.mailer = await smtpMailer(this.mail);
		if (!this.mailer) this.logger.warn("SMTP_URL is not set: e-mails are queued and none is sent");
		this.consumer = consumeForService(
			this,
			CONSUMER_GROUPS.notification.group,
			CONSUMER_GROUPS.notification.topics,
			(event, transaction) => this.applyEvent(event, transaction),
		);
		this.unreportSender = reportHealth(this.broker, "mail-sender", () => {
			const component = "mail-sender";
			if (!this.mailer) return { component, ok: true, detail: "SMTP off: e-mails are queued, not sent" };
			if (this.sender.failedRounds === 0) return { component, ok: true };
			return {
				component,
				ok: false,
				degraded: true,
				detail: `${this.sender.failedRounds} failed rounds: ${this.sender.lastError}`,
			};
		});
		this.sender.running = this.senderLoop();
	},

	async stopped(this: Self) {
		this.sender.stopped = true;
		this.wakeSender();
		await this.sender.running;
		this.unreportSender();
		await this.consumer.stop();
		this.mailer?.close();
	},
};

export default NotificationService;
