import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { sendSigned } from "../../services/webhook/sender.ts";

const SECRET = `whsec_${Buffer.alloc(32, 3).toString("base64")}`;

/** A loopback server recording what reaches it, answering with `answer`. */
async function server(
	answer: (request: IncomingMessage) => { status: number; headers?: Record<string, string> },
) {
	const seen: Array<{ host: string; headers: IncomingMessage["headers"]; body: string }> = [];
	const http: Server = createServer(async (request, response) => {
		let body = "";
		for await (const chunk of request) body += chunk;
		seen.push({ host: String(request.headers.host), headers: request.headers, body });
		const { status, headers } = answer(request);
		response.writeHead(status, headers).end();
	});
	await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
	return { seen, port: (http.address() as AddressInfo).port, close: () => new Promise((r) => http.close(r)) };
}

describe("webhook sender", () => {
	let target: Awaited<ReturnType<typeof server>>;
	let elsewhere: Awaited<ReturnType<typeof server>>;
	before(async () => {
		elsewhere = await server(() => ({ status: 200 }));
		target = await server((request) =>
			request.url === "/redirect"
				? { status: 302, headers: { location: `http://127.0.0.1:${elsewhere.port}/` } }
				: { status: request.url === "/gone" ? 410 : 204 },
		);
	});
	after(async () => {
		await target.close();
		await elsewhere.close();
	});

	// The name resolves only through this lookup: a connection that arrives came through the checked address.
	const resolve = async (host: string) => {
		if (host === "hooks.partner.test") return [{ address: "127.0.0.1", family: 4 as const }];
		if (host === "internal.partner.test") return [{ address: "10.0.0.9", family: 4 as const }];
		throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
	};
	const options = { allowTestTargets: true, timeoutMs: 2_000, resolve };
	const message = (url: string) => ({ url, secret: SECRET, messageId: "msg_1", body: '{"type":"t"}' });

	it("connects to the address it checked, with the URL's host name, and signs the request", async () => {
		const outcome = await sendSigned(message(`http://hooks.partner.test:${target.port}/hook`), options);
		assert.deepEqual(outcome, { ok: true, statusCode: 204, error: null });
		const [request] = target.seen.splice(0);
		assert.equal(request.host, `hooks.partner.test:${target.port}`);
		const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
		assert.deepEqual(new Webhook(SECRET).verify(request.body, headers), { type: "t" });
	});

	it("refuses a name that resolves to a private address without connecting", async () => {
		const outcome = await sendSigned(message(`http://internal.partner.test:${target.port}/hook`), options);
		assert.deepEqual(outcome, {
			ok: false,
			statusCode: null,
			error: "refused: internal.partner.test resolves to 10.0.0.9 is a private address",
		});
		assert.equal(target.seen.length, 0);
	});

	it("does not follow a redirect, and says so", async () => {
		const outcome = await sendSigned(message(`http://hooks.partner.test:${target.port}/redirect`), options);
		assert.deepEqual(outcome, { ok: false, statusCode: 302, error: "HTTP 302: redirects are not followed" });
		assert.equal(elsewhere.seen.length, 0, "the redirect's target was never called");
		target.seen.splice(0);
	});

	it("reports an error status, a refused connection and an unknown host as failures", async () => {
		assert.deepEqual(await sendSigned(message(`http://hooks.partner.test:${target.port}/gone`), options), {
			ok: false,
			statusCode: 410,
			error: "HTTP 410",
		});
		const closed = await server(() => ({ status: 200 }));
		await closed.close();
		const refused = await sendSigned(message(`http://hooks.partner.test:${closed.port}/`), options);
		assert.deepEqual(refused, { ok: false, statusCode: null, error: "ECONNREFUSED" });
		const unknown = await sendSigned(message("http://nowhere.partner.test/"), options);
		assert.equal(unknown.error, "refused: nowhere.partner.test does not resolve (ENOTFOUND)");
	});

	it("outside test mode refuses http://, and names that resolve to loopback", async () => {
		target.seen.splice(0);
		const production = { ...options, allowTestTargets: false };
		assert.equal(
			(await sendSigned(message(`http://hooks.partner.test:${target.port}/`), production)).error,
			"refused: must be an https:// URL",
		);
		assert.equal(
			(await sendSigned(message("https://hooks.partner.test/"), production)).error,
			"refused: hooks.partner.test resolves to 127.0.0.1 is a loopback address",
		);
		assert.equal(target.seen.length, 0);
	});
});
