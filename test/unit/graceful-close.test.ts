import assert from "node:assert/strict";
import { Agent, createServer, get, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gracefulClose } from "../../services/gateway/graceful-close.ts";

/** A server whose idle connections live 65 s, as the gateway's do; `handler` answers each request. */
async function keepAliveServer(handler: (response: ServerResponse) => void): Promise<Server> {
	const server = createServer((_request, response) => handler(response));
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return server;
}

function request(server: Server, agent: Agent): Promise<IncomingMessage & { body: string }> {
	const { port } = server.address() as AddressInfo;
	return new Promise((resolve, reject) => {
		get({ host: "127.0.0.1", port, agent }, (response) => {
			let body = "";
			response.on("data", (chunk) => {
				body += chunk;
			});
			response.on("end", () => resolve(Object.assign(response, { body })));
		}).on("error", reject);
	});
}

/** Resolves with how long `closing` took, or rejects after `limitMs`. */
async function timed(closing: Promise<void>, limitMs: number): Promise<number> {
	const started = Date.now();
	await Promise.race([
		closing,
		sleep(limitMs).then(() => Promise.reject(new Error(`the server was still open after ${limitMs} ms`))),
	]);
	return Date.now() - started;
}

describe("gracefulClose", () => {
	it("answers a request under way with Connection: close, and the server closes right after", async () => {
		const server = await keepAliveServer((response) => setTimeout(() => response.end("done"), 300));
		const close = gracefulClose(server);
		const agent = new Agent({ keepAlive: true });
		const answered = request(server, agent);
		await sleep(100);
		const closing = close();
		const response = await answered;
		assert.equal(response.body, "done");
		assert.equal(response.headers.connection, "close");
		assert.ok((await timed(closing, 3_000)) < 1_000);
		agent.destroy();
	});

	it("closes a connection whose response was already being sent as soon as it is finished", async () => {
		const server = await keepAliveServer((response) => {
			response.writeHead(200, { "Content-Type": "text/plain" });
			response.write("part ");
			setTimeout(() => response.end("end"), 300);
		});
		const close = gracefulClose(server);
		const agent = new Agent({ keepAlive: true });
		const answered = request(server, agent);
		await sleep(100);
		const closing = close();
		assert.equal((await answered).body, "part end");
		assert.ok((await timed(closing, 3_000)) < 1_000);
		agent.destroy();
	});

	it("closes idle keep-alive connections at once, and resolves when called again", async () => {
		const server = await keepAliveServer((response) => response.end("ok"));
		const close = gracefulClose(server);
		const agent = new Agent({ keepAlive: true });
		assert.equal((await request(server, agent)).body, "ok");
		assert.ok((await timed(close(), 3_000)) < 1_000);
		await close();
		agent.destroy();
	});
});
