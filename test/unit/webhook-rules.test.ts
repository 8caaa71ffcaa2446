import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { withJitter } from "../../lib/retry.ts";
import {
	disableReason,
	messageIdOf,
	nextAttemptAt,
	webhookBody,
} from "../../services/webhook/delivery-rules.ts";
import { signatureHeaders } from "../../services/webhook/sender.ts";
import {
	addressProblem,
	resolveTarget,
	TargetRefusedError,
	urlProblem,
} from "../../services/webhook/target-rules.ts";

const PRODUCTION = { allowTestTargets: false };
const TESTS = { allowTestTargets: true };

describe("webhook targets (SSRF rules)", () => {
	it("allow only public unicast addresses outside test mode", () => {
		for (const address of ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
			assert.equal(addressProblem(address, PRODUCTION), null, address);
		const refused: Array<[string, string]> = [
			["127.0.0.1", "loopback"],
			["127.8.9.10", "loopback"],
			["::1", "loopback"],
			["10.1.2.3", "private"],
			["172.16.0.1", "private"],
			["172.31.255.255", "private"],
			["192.168.0.1", "private"],
			["100.64.0.1", "carrier-grade NAT"],
			["169.254.169.254", "link-local"],
			["fe80::1", "link-local"],
			["fc00::1", "unique local"],
			["fd12:3456::1", "unique local"],
			["0.0.0.0", "unspecified"],
			["::", "unspecified"],
			["224.0.0.1", "multicast"],
			["255.255.255.255", "broadcast"],
			["192.0.2.1", "reserved"],
			// IPv4 reached through IPv6 forms: mapped, NAT64, 6to4.
			["::ffff:127.0.0.1", "loopback"],
			["::ffff:10.0.0.1", "private"],
			["64:ff9b::a00:1", "special-purpose"],
			["2002:a00:1::", "special-purpose"],
		];
		for (const [address, kind] of refused) {
			const problem = addressProblem(address, PRODUCTION);
			assert.ok(problem?.includes(kind), `${address}: ${problem}`);
		}
	});

	it("in test mode let loopback through, and still refuse private and link-local addresses", () => {
		assert.equal(addressProblem("127.0.0.1", TESTS), null);
		assert.equal(addressProblem("::1", TESTS), null);
		assert.match(addressProblem("10.0.0.1", TESTS) ?? "", /private/);
		assert.match(addressProblem("169.254.169.254", TESTS) ?? "", /link-local/);
	});

	it("take https:// URLs without credentials; http:// only in test mode", () => {
		assert.equal(urlProblem("https://hooks.partner.example/cleaning", PRODUCTION), null);
		assert.equal(urlProblem("https://93.184.216.34:8443/hook", PRODUCTION), null);
		assert.equal(urlProblem("http://hooks.partner.example/cleaning", PRODUCTION), "must be an https:// URL");
		assert.equal(urlProblem("http://127.0.0.1:9000/hook", TESTS), null);
		assert.equal(
			urlProblem("https://user:pw@hooks.partner.example/", PRODUCTION),
			"must not carry a user name or password",
		);
		assert.equal(urlProblem("hooks.partner.example/cleaning", PRODUCTION), "not an absolute URL");
		assert.match(urlProblem("https://127.0.0.1/hook", PRODUCTION) ?? "", /loopback/);
		assert.match(urlProblem("https://[::ffff:169.254.169.254]/", PRODUCTION) ?? "", /link-local/);
		assert.match(urlProblem("https://localhost/hook", PRODUCTION) ?? "", /not a public host name/);
		assert.match(urlProblem(`https://a.example/${"x".repeat(2000)}`, PRODUCTION) ?? "", /at most 2000/);
	});

	it("check every address a name resolves to, and connect to a checked one", async () => {
		const dns = (answers: Record<string, string[]>) => async (host: string) => {
			const addresses = answers[host];
			if (!addresses) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
			return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }) as const);
		};
		const resolve = dns({
			"public.example": ["93.184.216.34", "2606:2800:220:1::1"],
			"rebind.example": ["93.184.216.34", "10.0.0.7"],
			"metadata.example": ["169.254.169.254"],
			"empty.example": [],
		});
		const target = await resolveTarget(new URL("https://public.example/hook"), PRODUCTION, resolve);
		assert.deepEqual(target, { address: "93.184.216.34", family: 4 });
		const refusal = (host: string) => resolveTarget(new URL(`https://${host}/`), PRODUCTION, resolve);
		await assert.rejects(refusal("rebind.example"), {
			name: TargetRefusedError.name,
			message: "rebind.example resolves to 10.0.0.7 is a private address",
		});
		await assert.rejects(
			refusal("metadata.example"),
			/resolves to 169\.254\.169\.254 is a link-local address/,
		);
		await assert.rejects(refusal("empty.example"), /empty\.example does not resolve/);
		await assert.rejects(refusal("missing.example"), /missing\.example does not resolve \(ENOTFOUND\)/);
		// A literal address is checked as it is, with no lookup.
		await assert.rejects(refusal("10.9.8.7"), /10\.9\.8\.7 is a private address/);
	});
});

describe("webhook deliveries", () => {
	const policy = {
		retryInitialMs: 30_000,
		retryMaxMs: 3_600_000,
		retryWindowMs: 86_400_000,
		disableAfterFailures: 50,
	};
	const start = new Date("2026-12-01T12:00:00Z");
	const giveUpAt = new Date(start.getTime() + policy.retryWindowMs);

	it("retry with exponential backoff and jitter, capped, and stop after the 24 h window", () => {
		const wait = (attempts: number, random: number) =>
			(nextAttemptAt(attempts, start, giveUpAt, policy, () => random)?.getTime() ?? Number.NaN) -
			start.getTime();
		assert.equal(wait(1, 1), 30_000);
		assert.equal(wait(1, 0), 15_000, "half of the wait is jitter");
		assert.equal(wait(2, 1), 60_000);
		assert.equal(wait(3, 1), 120_000);
		assert.equal(wait(12, 1), 3_600_000, "capped at the maximum");
		assert.equal(wait(30, 0.5), 2_700_000);
		const late = new Date(giveUpAt.getTime() - 60_000);
		assert.equal(
			nextAttemptAt(5, late, giveUpAt, policy, () => 1),
			null,
			"no attempt after the window",
		);

		// Attempts over the whole window with the defaults: about a day of tries, then none.
		let now = start;
		let attempts = 0;
		for (
			let next = nextAttemptAt(1, now, giveUpAt, policy);
			next;
			next = nextAttemptAt(++attempts + 1, now, giveUpAt, policy)
		)
			now = next;
		assert.ok(attempts > 15 && attempts < 60, `${attempts} retries in 24 h`);
	});

	it("jitter keeps between half and all of the wait", () => {
		assert.equal(
			withJitter(1000, () => 0),
			500,
		);
		assert.equal(
			withJitter(1000, () => 1),
			1000,
		);
		for (let i = 0; i < 100; i++) {
			const ms = withJitter(1000);
			assert.ok(ms >= 500 && ms <= 1000);
		}
	});

	it("disable an endpoint after failures in a row, or after a delivery failed for its whole window", () => {
		assert.equal(disableReason(49, false, "HTTP 500", policy), null);
		assert.equal(
			disableReason(50, false, "HTTP 500", policy),
			"50 delivery attempts failed in a row (last error: HTTP 500)",
		);
		assert.equal(
			disableReason(3, true, "ECONNREFUSED", policy),
			"a delivery failed for 24 h of retries (last error: ECONNREFUSED)",
		);
	});

	it("sign each attempt so that a Standard Webhooks verifier accepts it, and refuses any change", () => {
		const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
		const event = {
			specversion: "1.0" as const,
			id: "0d3c8f5e-1111-4a2b-9c3d-123456789abc",
			source: "/cleaning-platform/booking",
			type: "booking.created.v1" as const,
			subject: "b1",
			time: "2026-12-01T12:00:00.000Z",
			datacontenttype: "application/json" as const,
			data: { bookingId: "b1", partnerClientId: "fleet-partner" } as never,
		};
		const body = webhookBody(event);
		assert.deepEqual(JSON.parse(body), { type: event.type, timestamp: event.time, data: event.data });
		const messageId = messageIdOf(event);
		assert.equal(messageId, "msg_0d3c8f5e11114a2b9c3d123456789abc");
		const headers = signatureHeaders({ url: "https://x.example/", secret, messageId, body }, new Date());
		const verifier = new Webhook(secret);
		assert.deepEqual(verifier.verify(body, headers), JSON.parse(body));
		assert.throws(() => verifier.verify(body.replace("b1", "b2"), headers), /signature/i);
		assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 8).toString("base64")}`).verify(body, headers));
		const old = signatureHeaders(
			{ url: "https://x.example/", secret, messageId, body },
			new Date(Date.now() - 3_600_000),
		);
		assert.throws(() => verifier.verify(body, old), /timestamp/i, "a replayed old attempt is refused");
	});
});
