import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy that a test can cut: `down()` closes the listener and every open connection, so the
 * client behind it sees a real network failure (connection reset, then refused) until `up()`.
 */
export class TcpProxy {
	readonly port: number;
	private readonly target: { host: string; port: number };
	private server: Server | undefined;
	private readonly sockets = new Set<Socket>();

	constructor(port: number, target: { host: string; port: number }) {
		this.port = port;
		this.target = target;
	}

	async up(): Promise<void> {
		this.server = createServer((client) => {
			const upstream = createConnection(this.target);
			for (const socket of [client, upstream]) {
				this.sockets.add(socket);
				socket.on("close", () => this.sockets.delete(socket));
				socket.on("error", () => socket.destroy());
			}
			client.pipe(upstream).pipe(client);
		});
		await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
	}

	async down(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
		this.server = undefined;
	}
}
