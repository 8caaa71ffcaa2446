import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** A server's connection: Node keeps the response it is sending on it in `_httpMessage` (http-terminator reads it too). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Closes an HTTP server as soon as the requests under way are answered, however long its keep-alive timeout.
 * Node's `server.close()` ends only the connections idle at that moment: a keep-alive connection busy then stays
 * open after its response for the whole keep-alive timeout (65 s at the gateway, past Kubernetes' 30 s grace
 * period), and the process cannot exit. Once closing has begun, every response says `Connection: close`, and each
 * connection still open is closed as soon as its last response is sent.
 *
 * Connections are tracked, not requests: one entry and listener per keep-alive connection, however many requests
 * it carries. Call it when the server is created; the returned function closes the server.
 */
export function gracefulClose(server: Server): () => Promise<void> {
	const connections = new Set<HttpSocket>();
	let closing = false;
	server.on("connection", (socket: HttpSocket) => {
		connections.add(socket);
		socket.once("close", () => connections.delete(socket));
	});
	server.prependListener("request", (_request, response: ServerResponse) => {
		if (closing) response.shouldKeepAlive = false;
	});
	/** Ends the connection after the response it is sending, and after any response pipelined behind it. */
	const closeWhenAnswered = (socket: HttpSocket) => {
		const response = socket._httpMessage;
		if (!response) server.closeIdleConnections();
		else if (!response.headersSent) response.shouldKeepAlive = false;
		else response.once("finish", () => setImmediate(() => closeWhenAnswered(socket)));
	};
	return () => {
		if (!server.listening) return Promise.resolve();
		closing = true;
		const closed = new Promise<void>((resolve, reject) =>
			server.close((error) => (error ? reject(error) : resolve())),
		);
		for (const socket of connections) closeWhenAnswered(socket);
		return closed;
	};
}
