import { Errors, type Middleware, type ServiceBroker } from "moleculer";

/**
 * How long a call that finds no endpoint waits for one to appear. A node hears of a restarted one from its INFO
 * packet, or from its next heartbeat (every second) if that packet was missed or overtaken, plus the time the
 * transporter takes to deliver it on a busy node.
 */
export const DISCOVERY_GRACE_MS = 3_000;
const POLL_MS = 50;

/**
 * During a rollout, a node may learn that the last old instance of a service has withdrawn before it hears that
 * the new one is up: every gateway may already see the new instance, and this node a moment later. A call made
 * in that moment finds no endpoint. Moleculer raises that before anything is sent, so sending the call again is
 * safe even for a write: it waits up to DISCOVERY_GRACE_MS for an endpoint, then sends the call once more.
 * Errors about other actions (raised further down the call chain, on other nodes) are passed on as they are,
 * and so are calls aimed at one node, whose caller chose it.
 */
function awaitDiscovery(broker: ServiceBroker) {
	return {
		name: "AwaitDiscovery",
		call(next: ServiceBroker["call"]) {
			return ((actionName: string, params?: unknown, opts?: { nodeID?: string }) =>
				next(actionName, params, opts).catch(async (error: unknown) => {
					if (opts?.nodeID !== undefined || !foundNoEndpointFor(actionName, error)) throw error;
					if (!(await endpointAvailable(broker, actionName))) throw error;
					return next(actionName, params, opts);
				})) as ServiceBroker["call"];
		},
	};
}

/** A function middleware: Moleculer calls it with its broker (the BrokerOptions type names only objects). */
export const AwaitDiscoveryMiddleware = awaitDiscovery as unknown as Middleware;

function foundNoEndpointFor(actionName: string, error: unknown): boolean {
	return (
		(error instanceof Errors.ServiceNotAvailableError || error instanceof Errors.ServiceNotFoundError) &&
		(error.data as { action?: string } | undefined)?.action === actionName
	);
}

export function hasEndpoint(broker: ServiceBroker, actionName: string): boolean {
	return broker.registry.getActionEndpoints(actionName)?.hasAvailable() === true;
}

/** True as soon as the action has an available endpoint; false when none appeared within DISCOVERY_GRACE_MS. */
export async function endpointAvailable(broker: ServiceBroker, actionName: string): Promise<boolean> {
	const deadline = Date.now() + DISCOVERY_GRACE_MS;
	while (!hasEndpoint(broker, actionName)) {
		if (Date.now() >= deadline) return false;
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
	return true;
}
