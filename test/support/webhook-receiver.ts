import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import type { WebhookDelivery, WebhookEndpoint } from "../../services/webhook/contract.ts";
import type { WebhookPayload } from "../../services/webhook/delivery-rules.ts";
import { eventually } from "./eventually.ts";
import { createVehicle, expectStatus, hourlySlots } from "./fixtures.ts";
import type { ApiClient, Caller } from "./platform.ts";

/** How the receiver answers one attempt at a path: 2xx, 500, or too late (after the sender's timeout). */
export type Behaviour = "ok" | "fail" | "slow";

export interface ReceivedWebhook {
	path: string;
	headers: Record<string, string>;
	body: string;
	payload: WebhookPayload;
	/** How the receiver answered it. */
	behaviour: Behaviour;
}

/**
 * A partner's endpoint: a real HTTP server that verifies every request with the Standard Webhooks library
 * (standardwebhooks' `Webhook.verify`, the one partners use) before it looks at it. A request whose signature,
 * id or timestamp does not verify is answered 400 and counted in `refused`; a verified one is answered as the
 * path's plan says (then "ok" once the plan is spent) and recorded in `attempts`.
 */
export class WebhookReceiver {
	readonly attempts: ReceivedWebhook[] = [];
	refused = 0;
	private readonly secrets = new Map<string, string>();
	private readonly plans = new Map<string, Behaviour[]>();
	private server?: Server;
	private readonly slowMs: number;

	constructor(options: { slowMs: number }) {
		this.slowMs = options.slowMs;
	}

	async start(): Promise<void> {
		this.server = createServer((request, response) => {
			void this.handle(request).then(
				(status) => response.writeHead(status).end(),
				() => response.writeHead(500).end(),
			);
		});
		await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
	}

	async stop(): Promise<void> {
		this.server?.closeAllConnections();
		await new Promise((resolve) => this.server?.close(resolve));
	}

	url(path: string): string {
		if (!this.server) throw new Error("the receiver is not started");
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
	}

	/** The endpoint's secret, as the platform showed it once, and how its next attempts are answered. */
	expect(path: string, secret: string, plan: Behaviour[] = []): void {
		this.secrets.set(path, secret);
		this.plans.set(path, [...plan]);
	}

	/** The attempts that verified and were answered 2xx, at one path. */
	accepted(path: string): ReceivedWebhook[] {
		return this.attempts.filter((attempt) => attempt.path === path && attempt.behaviour === "ok");
	}

	/** Sends a request as a sender would: how the receiver answers it. */
	async post(path: string, headers: Record<string, string>, body: string): Promise<number> {
		const response = await fetch(this.url(path), { method: "POST", headers, body });
		return response.status;
	}

	private async handle(request: IncomingMessage): Promise<number> {
		const chunks: Buffer[] = [];
		for await (const chunk of request) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks).toString("utf8");
		const path = request.url ?? "/";
		const headers = Object.fromEntries(
			Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
		);
		const secret = this.secrets.get(path);
		let payload: WebhookPayload;
		try {
			if (!secret) throw new Error(`no endpoint at ${path}`);
			payload = new Webhook(secret).verify(body, headers) as WebhookPayload;
		} catch {
			this.refused++;
			return 400;
		}
		const behaviour = this.plans.get(path)?.shift() ?? "ok";
		this.attempts.push({ path, headers, body, payload, behaviour });
		if (behaviour === "fail") return 500;
		if (behaviour === "slow") await sleep(this.slowMs);
		return 200;
	}
}

/** The partner's side of the API, as the webhook tests drive it (embedded or cluster). */
export function partnerWebhooks(
	platform: ApiClient,
	receiver: WebhookReceiver,
	area: { latitude: number; longitude: number },
) {
	const slots = hourlySlots(60);
	const api = {
		/** A booking at the next free test slot, by a partner or a person, of a new vehicle of theirs. */
		async book(as: Caller): Promise<string> {
			const vehicle = await createVehicle(platform, as, "small");
			const response = await platform.api("POST", "/bookings", {
				as,
				body: { vehicleId: vehicle.id, serviceType: "exterior-wash", start: slots.shift(), location: area },
			});
			expectStatus(response, 201, `${as} books`);
			return response.body.id as string;
		},

		/** Registers an endpoint at a path of the receiver, which then verifies with its secret. */
		async register(path: string, plan: Behaviour[] = [], eventTypes = ["booking.created.v1"]) {
			const response = await platform.api("POST", "/webhooks/endpoints", {
				as: "fleet-partner",
				body: { url: receiver.url(path), eventTypes, description: `test ${path}` },
			});
			expectStatus(response, 201, "register endpoint");
			receiver.expect(path, response.body.secret, plan);
			return response.body as WebhookEndpoint & { secret: string };
		},

		async remove(endpoint: { id: string }) {
			const response = await platform.api("DELETE", `/webhooks/endpoints/${endpoint.id}`, {
				as: "fleet-partner",
			});
			expectStatus(response, 200, "remove endpoint");
		},

		async deliveriesOf(endpointId: string): Promise<WebhookDelivery[]> {
			const response = await platform.api("GET", `/webhooks/deliveries?endpointId=${endpointId}&limit=100`, {
				as: "fleet-partner",
			});
			expectStatus(response, 200, "list deliveries");
			return response.body.items;
		},

		/** The endpoint's deliveries once none waits: the receiver answers before the platform records it. */
		settledDeliveries(endpointId: string): Promise<WebhookDelivery[]> {
			return eventually(
				"every delivery's outcome recorded",
				async () => {
					const items = await api.deliveriesOf(endpointId);
					return items.length > 0 && items.every((item) => item.status !== "pending") ? items : undefined;
				},
				30_000,
				100,
			);
		},

		async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
			const response = await platform.api("GET", "/webhooks/endpoints", { as: "fleet-partner" });
			expectStatus(response, 200, "list endpoints");
			return (response.body.items as WebhookEndpoint[]).find((item) => item.id === id);
		},

		/**
		 * An endpoint that answers 500 until the platform disables it: checks the reason it shows and the failed
		 * delivery, and answers both.
		 */
		async failUntilDisabled(path: string, failures: number) {
			const hook = await api.register(path, Array(failures).fill("fail"));
			await api.book("fleet-partner");
			const disabled = await eventually(
				"endpoint disabled",
				async () => {
					const current = await api.endpoint(hook.id);
					return current?.status === "disabled" ? current : undefined;
				},
				30_000,
				100,
			);
			const reason = `${failures} delivery attempts failed in a row (last error: HTTP 500)`;
			assert.equal(disabled.disabled?.reason, reason);
			// Every delivery of a disabled endpoint has failed; the one that disabled it made all the attempts.
			const deliveries = await api.deliveriesOf(hook.id);
			assert.ok(deliveries.every((delivery) => delivery.status === "failed"));
			const failed = deliveries.find((delivery) => delivery.attempts === failures);
			assert.ok(failed, `a delivery with ${failures} attempts among ${JSON.stringify(deliveries)}`);
			return { hook, failed };
		},

		/**
		 * An endpoint that answers 500, then too late, then 2xx: checks that the delivery took three attempts with
		 * one webhook-id and one body, and answers the delivery.
		 */
		async retriedUntilDelivered(path: string) {
			const hook = await api.register(path, ["fail", "slow", "ok"]);
			const bookingId = await api.book("fleet-partner");
			const delivered = await eventually(
				"delivered on the third attempt",
				async () => {
					const [delivery] = await api.deliveriesOf(hook.id);
					return delivery?.status === "succeeded" ? delivery : undefined;
				},
				30_000,
				100,
			);
			assert.equal(delivered.attempts, 3);
			assert.equal(delivered.lastStatusCode, 200);
			assert.equal(delivered.bookingId, bookingId);
			const tries = receiver.attempts.filter((webhook) => webhook.path === path);
			assert.deepEqual(
				tries.map((webhook) => [webhook.behaviour, webhook.headers["webhook-id"]]),
				[
					["fail", delivered.messageId],
					["slow", delivered.messageId],
					["ok", delivered.messageId],
				],
			);
			assert.equal(
				new Set(tries.map((webhook) => webhook.body)).size,
				1,
				"every attempt sends the same body",
			);
			await api.remove(hook);
		},
	};
	return api;
}
