import { Agent, createServer, request, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

const PROBE_TIMEOUT_MS = 2000;
const FAILURE_THRESHOLD = 3;

/**
 * A small HTTP load balancer in front of the gateways, as a Kubernetes Ingress is: round robin over the
 * backends whose readiness probe answers 200, polled every `probeIntervalMs`; a backend that answers "not ready"
 * gets no new request. It never retries: a request that a backend fails is the client's failure (502 when
 * the connection broke, with the error's code in `X-Upstream-Error`), so a test counts what a client would see.
 */
export class LoadBalancer {
	readonly port: number;
	private readonly backends: Array<{ port: number; ready: boolean; failedProbes: number; served: number }>;
	private readonly probeIntervalMs: number;
	// Idle connections to a backend are dropped after 60 s, as ingress-nginx's upstream keep-alive does: the
	// backend must keep them longer (the gateway: 65 s).
	private readonly agent = new Agent({ keepAlive: true, timeout: 60_000 });
	private server: Server | undefined;
	private probing = false;
	private next = 0;

	constructor(port: number, backendPorts: number[], options: { probeIntervalMs?: number } = {}) {
		this.port = port;
		this.backends = backendPorts.map((backendPort) => ({
			port: backendPort,
			ready: false,
			failedProbes: 0,
			served: 0,
		}));
		this.probeIntervalMs = options.probeIntervalMs ?? 500;
	}

	/** Requests each backend has been given, by port. */
	served(): Record<number, number> {
		return Object.fromEntries(this.backends.map((backend) => [backend.port, backend.served]));
	}

	/** Waits until every backend's readiness probe answers 200. */
	async allReady(timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (!this.backends.every((backend) => backend.ready)) {
			if (Date.now() > deadline) throw new Error(`backends not all ready: ${JSON.stringify(this.backends)}`);
			await sleep(100);
		}
	}

	async start(): Promise<void> {
		this.probing = true;
		void this.probe();
		this.server = createServer((req, res) => {
			const ready = this.backends.filter((backend) => backend.ready);
			if (ready.length === 0) {
				res.writeHead(503, { "X-Upstream-Error": "NO_READY_BACKEND" }).end();
				return;
			}
			const backend = ready[this.next++ % ready.length];
			backend.served += 1;
			const upstream = request(
				{
					host: "127.0.0.1",
					port: backend.port,
					method: req.method,
					path: req.url,
					headers: req.headers,
					agent: this.agent,
				},
				(answer) => {
					res.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(res);
				},
			);
			upstream.on("error", (error: NodeJS.ErrnoException) => {
				if (res.headersSent) res.destroy(error);
				else res.writeHead(502, { "X-Upstream-Error": error.code ?? error.message }).end();
			});
			req.pipe(upstream);
		});
		// Clients' idle connections are kept 75 s, as ingress-nginx keeps them (`keepalive_timeout`). Node's 5 s
		// would let a client send on a connection this balancer is closing just then: a reset that no Ingress
		// in front of the platform would cause.
		this.server.keepAliveTimeout = 75_000;
		this.server.headersTimeout = 76_000;
		await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
	}

	private async probe(): Promise<void> {
		while (this.probing) {
			await Promise.all(
				this.backends.map(async (backend) => {
					try {
						const response = await fetch(`http://127.0.0.1:${backend.port}/health/ready`, {
							signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
						});
						await response.arrayBuffer();
						backend.ready = response.status === 200;
						backend.failedProbes = 0;
					} catch {
						// No answer: a busy backend, or one that is gone. Out after a few in a row, as with
						// Kubernetes' failureThreshold; an answered "not ready" takes it out at once.
						backend.failedProbes += 1;
						if (backend.failedProbes >= FAILURE_THRESHOLD) backend.ready = false;
					}
				}),
			);
			await sleep(this.probeIntervalMs);
		}
	}

	async stop(): Promise<void> {
		this.probing = false;
		this.server?.closeAllConnections();
		await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
		this.agent.destroy();
	}
}
