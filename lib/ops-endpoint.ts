import type { IncomingMessage, ServerResponse } from "node:http";
import { MetricReporters, type ServiceBroker } from "moleculer";

/** One component's state as shown by /health/ready. */
export interface ComponentHealth {
	component: string;
	ok: boolean;
	/** Degraded components are reported but do not make the node unready (see README, "Health"). */
	degraded?: boolean;
	detail?: string;
}

/** A service that owns an external dependency implements this method to take part in readiness. */
export interface ReadinessProbe {
	checkReadiness(): Promise<ComponentHealth>;
}

/**
 * Components that are not a service of their own (event consumer groups, the outbox relay) report their state
 * here, per broker. They are reported as degraded when failing: the node still serves its API, and restarting
 * it would not bring Kafka back; the state tells the operator where events are waiting.
 */
const reporters = new WeakMap<ServiceBroker, Map<string, () => ComponentHealth>>();

/** Adds a component to the node's /health/ready; the returned function removes it. */
export function reportHealth(
	broker: ServiceBroker,
	component: string,
	read: () => ComponentHealth,
): () => void {
	let own = reporters.get(broker);
	if (!own) {
		own = new Map();
		reporters.set(broker, own);
	}
	own.set(component, read);
	return () => own.delete(component);
}

const PROBE_TIMEOUT_MS = 1500;

async function probeWithTimeout(
	component: string,
	probe: () => Promise<ComponentHealth>,
): Promise<ComponentHealth> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<ComponentHealth>((resolve) => {
		timer = setTimeout(() => resolve({ component, ok: false, detail: "probe timed out" }), PROBE_TIMEOUT_MS);
	});
	try {
		return await Promise.race([probe(), timeout]);
	} catch (error) {
		return { component, ok: false, detail: (error as Error).message };
	} finally {
		clearTimeout(timer);
	}
}

export async function nodeHealth(
	broker: ServiceBroker,
): Promise<{ ready: boolean; components: ComponentHealth[] }> {
	const components: ComponentHealth[] = [
		{ component: "broker", ok: broker.started === true && !broker.stopping },
	];
	if (broker.transit) components.push({ component: "transporter", ok: broker.transit.connected === true });

	const cacherClient = (broker.cacher as unknown as { client?: { status?: string } } | undefined)?.client;
	if (cacherClient?.status !== undefined) {
		const ok = cacherClient.status === "ready";
		components.push({
			component: "cacher",
			ok,
			degraded: !ok,
			detail: ok ? undefined : "served without cache",
		});
	}

	const probes = broker.services
		.filter((service) => typeof (service as unknown as Partial<ReadinessProbe>).checkReadiness === "function")
		.map((service) =>
			probeWithTimeout(service.name, () => (service as unknown as ReadinessProbe).checkReadiness()),
		);
	components.push(...(await Promise.all(probes)));
	for (const read of reporters.get(broker)?.values() ?? []) components.push(read());

	return { ready: components.every((c) => c.ok || c.degraded), components };
}

/**
 * Moleculer's Prometheus reporter, extended so that the same small HTTP server also answers the Kubernetes
 * probes: every node, whatever services it runs, serves /actuator/prometheus, /health/live and /health/ready
 * on one port.
 */
export class OpsEndpointReporter extends MetricReporters.Prometheus {
	override handler(req: IncomingMessage, res: ServerResponse): void {
		const path = (req.url ?? "").split("?")[0];
		if (path === "/health/live") {
			respondJson(res, 200, { status: "up" });
			return;
		}
		if (path === "/health/ready") {
			const broker = (this as unknown as { broker: ServiceBroker }).broker;
			nodeHealth(broker).then(
				(health) =>
					respondJson(res, health.ready ? 200 : 503, {
						status: health.ready ? "ready" : "not ready",
						...health,
					}),
				() => respondJson(res, 503, { status: "not ready" }),
			);
			return;
		}
		super.handler(req, res);
	}
}

export function respondJson(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
	res.end(JSON.stringify(body));
}
