import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { openSecret } from "../../services/webhook/signing-secrets.ts";
import { eventually } from "../support/eventually.ts";
import { createCleaner, everyDay, expectStatus, freshArea } from "../support/fixtures.ts";
import { type EmbeddedPlatform, startPlatform } from "../support/platform.ts";
import { partnerWebhooks, WebhookReceiver } from "../support/webhook-receiver.ts";

const TIMEOUT_MS = 1_000;
const DISABLE_AFTER = 4;

let platform: EmbeddedPlatform;
const receiver = new WebhookReceiver({ slowMs: TIMEOUT_MS + 500 });
let partner: ReturnType<typeof partnerWebhooks>;

const SETTINGS = {
	WEBHOOK_ALLOW_TEST_TARGETS: "true",
	WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
	WEBHOOK_RETRY_INITIAL_MS: "200",
	WEBHOOK_RETRY_MAX_MS: "1000",
	WEBHOOK_DISABLE_AFTER_FAILURES: String(DISABLE_AFTER),
	WEBHOOK_POLL_MS: "100",
};

/** A partner booking with a cleaner of its own around a fresh place. */
async function bookingPartner() {
	const area = freshArea();
	await createCleaner(platform, { homeBase: area, weeklyHours: everyDay("06:00", "21:00"), radiusKm: 10 });
	return partnerWebhooks(platform, receiver, area);
}

before(async () => {
	await receiver.start();
	platform = await startPlatform(SETTINGS);
	partner = await bookingPartner();
});
after(async () => {
	await platform?.stop();
	await receiver.stop();
});

/** Whether the webhooks service's consumer has applied every booking-events event of this booking. */
function consumedAllOf(bookingId: string): boolean {
	const open = (name: string) =>
		new DatabaseSync(join(platform.dataDir, `${name}.sqlite`), { readOnly: true });
	const [booking, webhook] = [open("booking"), open("webhook")];
	try {
		const events = booking
			.prepare("SELECT event_id AS id FROM outbox WHERE topic = 'booking-events' AND message_key = ?")
			.all(bookingId)
			.map((row) => String(row.id));
		const processed = webhook.prepare("SELECT event_id AS id FROM processed_events").all();
		const applied = new Set(processed.map((row) => String(row.id)));
		return events.length > 0 && events.every((id) => applied.has(id));
	} finally {
		booking.close();
		webhook.close();
	}
}

describe("partner webhooks (embedded, over HTTP through the gateway)", () => {
	it("are managed only with a partner's token with scope webhooks:manage; the secret is shown once", async () => {
		const body = { url: receiver.url("/managed"), eventTypes: ["booking.created.v1"] };
		expectStatus(await platform.api("POST", "/webhooks/endpoints", { body }), 401, "no token");
		for (const caller of ["alice", "olga", "fleet-readonly"] as const) {
			expectStatus(await platform.api("POST", "/webhooks/endpoints", { as: caller, body }), 403, caller);
			expectStatus(await platform.api("GET", "/webhooks/endpoints", { as: caller }), 403, caller);
		}
		const created = await partner.register("/managed");
		assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
		assert.equal(created.status, "enabled");
		const listed = await partner.endpoint(created.id);
		assert.ok(listed, "the new endpoint is listed");
		assert.equal("secret" in listed, false, "the list never shows the secret");
		const webhookDb = new DatabaseSync(join(platform.dataDir, "webhook.sqlite"), { readOnly: true });
		const stored = String(
			webhookDb.prepare("SELECT secret FROM webhook_endpoints WHERE id = ?").get(created.id)?.secret,
		);
		webhookDb.close();
		assert.match(stored, /^v1\./, "stored sealed");
		assert.equal(stored.includes(created.secret.slice("whsec_".length, 20)), false, "never in clear");
		await partner.remove(created);
		assert.equal(await partner.endpoint(created.id), undefined);
		expectStatus(
			await platform.api("DELETE", `/webhooks/endpoints/${created.id}`, { as: "fleet-partner" }),
			404,
			"removed twice",
		);
	});

	it("refuses endpoints on private, link-local and reserved addresses, naming why", async () => {
		const refused = [
			["http://10.0.0.5/hook", "10.0.0.5 is a private address"],
			["http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"],
			["http://192.168.1.10/hook", "192.168.1.10 is a private address"],
			["http://[fd00::1]/hook", "fd00::1 is a private (unique local) address"],
			["http://[::ffff:10.0.0.5]/hook", "is a private address"],
			["http://0.0.0.0:8080/hook", "0.0.0.0 is a unspecified address"],
			["ftp://127.0.0.1/hook", "must be an https:// URL"],
			["http://user:secret@127.0.0.1/hook", "must not carry a user name or password"],
			["not a url", "not an absolute URL"],
		];
		for (const [url, reason] of refused) {
			const response = await platform.api("POST", "/webhooks/endpoints", {
				as: "fleet-partner",
				body: { url, eventTypes: ["booking.created.v1"] },
			});
			expectStatus(response, 422, url);
			assert.ok(response.body.error.message.includes(reason), `${url}: ${response.body.error.message}`);
		}
		const unknownType = await platform.api("POST", "/webhooks/endpoints", {
			as: "fleet-partner",
			body: { url: receiver.url("/x"), eventTypes: ["booking.exploded.v1"] },
		});
		expectStatus(unknownType, 422, "unknown event type");
	});

	it("delivers the partner's own bookings' events, signed, and nobody else's", async () => {
		const hook = await partner.register("/own", [], ["booking.created.v1", "booking.cancelled.v1"]);
		const peoples = await partner.book("alice");
		const partners = await partner.book("fleet-partner");
		expectStatus(
			await platform.api("POST", `/bookings/${partners}/cancel`, { as: "fleet-partner" }),
			200,
			"cancel",
		);
		const received = await eventually("created and cancelled delivered", async () =>
			receiver.accepted("/own").length >= 2 ? receiver.accepted("/own") : undefined,
		);
		// Deliveries are not ordered (the version in the data is): sorted by it.
		const byVersion = [...received].sort((a, b) => a.payload.data.version - b.payload.data.version);
		assert.deepEqual(
			byVersion.map((webhook) => [
				webhook.payload.type,
				webhook.payload.data.bookingId,
				webhook.payload.data.status,
			]),
			[
				["booking.created.v1", partners, "confirmed"],
				["booking.cancelled.v1", partners, "cancelled"],
			],
		);
		assert.ok(received.every((webhook) => webhook.payload.data.partnerClientId === "fleet-partner"));
		for (const webhook of received) {
			assert.match(webhook.headers["webhook-id"], /^msg_[0-9a-f]{32}$/);
			assert.match(webhook.headers["webhook-signature"], /^v1,[A-Za-z0-9+/]{43}=$/);
			assert.equal(webhook.headers["content-type"], "application/json");
		}
		// Alice's booking went through the webhooks service's consumer, and made no delivery.
		await eventually("alice's booking consumed", async () => (consumedAllOf(peoples) ? true : undefined));
		assert.ok(receiver.attempts.every((webhook) => webhook.payload.data.bookingId !== peoples));
		const deliveries = await partner.settledDeliveries(hook.id);
		assert.deepEqual(deliveries.map((delivery) => [delivery.eventType, delivery.status]).sort(), [
			["booking.cancelled.v1", "succeeded"],
			["booking.created.v1", "succeeded"],
		]);
		await partner.remove(hook);
	});

	it("an endpoint whose stored secret does not open holds back its own deliveries only", async () => {
		const broken = await partner.register("/broken-secret");
		const healthy = await partner.register("/healthy-secret");
		// Sealed for another endpoint: it does not open for this one (as under another key).
		const webhookDb = new DatabaseSync(join(platform.dataDir, "webhook.sqlite"), { timeout: 5_000 });
		webhookDb
			.prepare(
				"UPDATE webhook_endpoints SET secret = (SELECT secret FROM webhook_endpoints WHERE id = ?) WHERE id = ?",
			)
			.run(healthy.id, broken.id);
		webhookDb.close();
		const bookingId = await partner.book("fleet-partner");
		await eventually("the healthy endpoint's delivery", async () =>
			receiver.accepted("/healthy-secret").some((webhook) => webhook.payload.data.bookingId === bookingId)
				? true
				: undefined,
		);
		const held = await partner.deliveriesOf(broken.id);
		assert.deepEqual(
			held.map((delivery) => [delivery.status, delivery.attempts]),
			[["pending", 0]],
			"never sent, never counted as a failed attempt",
		);
		assert.equal(receiver.attempts.filter((webhook) => webhook.path === "/broken-secret").length, 0);
		await partner.remove(broken);
		await partner.remove(healthy);
	});

	it("retries after a 500 and a timeout, with the same webhook-id, until the endpoint answers 2xx", async () => {
		await partner.retriedUntilDelivered("/flaky");
	});

	it("disables an endpoint that keeps failing, says why, and re-sends a failed delivery once it is enabled", async () => {
		const { hook, failed } = await partner.failUntilDisabled("/down", DISABLE_AFTER);

		// While disabled it gets no new deliveries, and nothing is re-sent to it.
		const whileDisabled = await partner.book("fleet-partner");
		await eventually("consumed while disabled", async () =>
			consumedAllOf(whileDisabled) ? true : undefined,
		);
		const resendWhileDisabled = await platform.api("POST", `/webhooks/deliveries/${failed.id}/resend`, {
			as: "fleet-partner",
		});
		expectStatus(resendWhileDisabled, 409, "re-send to a disabled endpoint");
		assert.equal(resendWhileDisabled.body.error.type, "ENDPOINT_DISABLED");

		const enabled = await platform.api("POST", `/webhooks/endpoints/${hook.id}/enable`, {
			as: "fleet-partner",
		});
		expectStatus(enabled, 200, "enable");
		assert.equal(enabled.body.disabled, null);
		const resent = await platform.api("POST", `/webhooks/deliveries/${failed.id}/resend`, {
			as: "fleet-partner",
		});
		expectStatus(resent, 200, "re-send");
		const delivered = await eventually(
			"re-sent delivery accepted",
			async () => (receiver.accepted("/down").length === 1 ? receiver.accepted("/down")[0] : undefined),
			20_000,
			100,
		);
		assert.equal(delivered.headers["webhook-id"], failed.messageId);
		assert.deepEqual(
			(await partner.settledDeliveries(hook.id)).map((delivery) => delivery.status),
			["succeeded"],
			"the booking made while it was disabled made no delivery",
		);
		const again = await platform.api("POST", `/webhooks/deliveries/${failed.id}/resend`, {
			as: "fleet-partner",
		});
		expectStatus(again, 200, "a delivered one can be re-sent too");
		await partner.remove(hook);
	});

	it("a delivery whose payload was changed on the way fails verification at the receiver", async () => {
		const hook = await partner.register("/tamper");
		await partner.book("fleet-partner");
		const [original] = await eventually("delivered", async () =>
			receiver.accepted("/tamper").length === 1 ? receiver.accepted("/tamper") : undefined,
		);
		const signed = {
			"webhook-id": original.headers["webhook-id"],
			"webhook-timestamp": original.headers["webhook-timestamp"],
			"webhook-signature": original.headers["webhook-signature"],
		};
		const refusedBefore = receiver.refused;
		assert.equal(await receiver.post("/tamper", signed, original.body), 200, "the original verifies");
		const tampered = original.body.replace('"amountMinor":', '"amountMinor":1');
		assert.notEqual(tampered, original.body);
		assert.equal(await receiver.post("/tamper", signed, tampered), 400, "the tampered body is refused");
		const otherId = { ...signed, "webhook-id": "msg_forged" };
		assert.equal(
			await receiver.post("/tamper", otherId, original.body),
			400,
			"another webhook-id is refused",
		);
		assert.equal(receiver.refused, refusedBefore + 2);
		await partner.remove(hook);
	});

	it("a partner sees only its own deliveries, and unknown ones are 404", async () => {
		const unknown = "00000000-0000-4000-8000-000000000000";
		expectStatus(
			await platform.api("POST", `/webhooks/deliveries/${unknown}/resend`, { as: "fleet-partner" }),
			404,
			"unknown delivery",
		);
		expectStatus(
			await platform.api("GET", "/webhooks/deliveries?status=exploded", { as: "fleet-partner" }),
			422,
			"unknown status",
		);
	});

	it("a key rotation: restarted with a new key and the old one as the previous, every secret is sealed under the new key and deliveries stay signed", async () => {
		const hook = await partner.register("/rotated");
		const { dataDir } = platform;
		const previous = readFileSync(join(dataDir, "webhook-secrets.key"), "utf8").trim();
		const current = randomBytes(32);
		assert.equal(await platform.stop(), 0, "exit code after SIGTERM");
		platform = await startPlatform(
			{
				...SETTINGS,
				WEBHOOK_SECRETS_KEY: current.toString("base64"),
				WEBHOOK_SECRETS_PREVIOUS_KEY: previous,
			},
			{ dataDir },
		);
		const webhookDb = new DatabaseSync(join(dataDir, "webhook.sqlite"), { readOnly: true });
		const stored = webhookDb.prepare("SELECT id, secret FROM webhook_endpoints").all();
		webhookDb.close();
		assert.ok(stored.length > 0);
		for (const { id, secret } of stored) {
			assert.doesNotThrow(
				() => openSecret({ current, previous: null }, String(id), String(secret)),
				`endpoint ${id} sealed under the new key alone`,
			);
		}
		partner = await bookingPartner();
		const bookingId = await partner.book("fleet-partner");
		await eventually("the delivery, signed with the endpoint's secret", async () =>
			receiver.accepted("/rotated").some((webhook) => webhook.payload.data.bookingId === bookingId)
				? true
				: undefined,
		);
		await partner.remove(hook);
	});
});
