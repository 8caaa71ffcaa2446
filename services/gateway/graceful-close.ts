import type { Server, ServerResponse } from "node:http";

/**
 * Closes an HTTP server as soon as the requests under way are answered, however long its keep-alive timeout.
 * Node's `server.close()` ends only the connections idle at that moment: a keep-alive connection busy then stays
 * open after its response for the whole keep-alive timeout (65 s at the gateway, past Kubernetes' 30 s grace
 * period), and the process cannot exit. Once closing has begun, every response says `Connection: close`, and each
 * connection still open is closed as soon as its last response is sent.
 *
 * Call it when the server is created; the returned function closes the server.
 */
export function gracefulClose(server: Server): () => Promise<void> {
	const unanswered = new Set<ServerResponse>();
	let closing = false;
	const closeWhenAnswered = (response: ServerResponse) =>
		response.once("finish", () => setImmediate(() => server.closeIdleConnections()));
	server.prependListener("request", (_request, response: ServerResponse) => {
		if (closing) {
			response.shouldKeepAlive = false;
			return;
		}
		unanswered.add(response);
		response.once("close", () => unanswered.delete(response));
	});
	return () => {
		if (!server.listening) return Promise.resolve();
		closing = true;
		const closed = new Promise<void>((resolve, reject) =>
			server.close((error) => (error ? reject(error) : resolve())),
		);
		for (const response of unanswered) {
			if (response.headersSent) closeWhenAnswered(response);
			else response.shouldKeepAlive = false;
		}
		return closed;
	};
}
