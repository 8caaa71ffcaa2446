import { type Context, type Endpoint, Strategies } from "moleculer";

/**
 * Round robin, except that a retried call never goes back to the node that just failed it. Moleculer's retry
 * asks the balancer again, and plain round robin sends the retry of a call that timed out on a dead node back
 * to that node about half the time, until the heartbeat check drops the node (up to twice the heartbeat
 * timeout): the client would wait for two timeouts instead of one.
 */
export class RetryElsewhereStrategy extends Strategies.RoundRobin {
	override select(list: Endpoint[], ctx?: Context): Endpoint {
		// The retry middleware copies the failed call's context, which still names the node that failed it.
		const retry = ctx as (Context & { _retryAttempts?: number }) | undefined;
		const failedNode = retry?._retryAttempts ? retry.nodeID : undefined;
		const others = failedNode ? list.filter((endpoint) => endpoint.id !== failedNode) : list;
		return super.select(others.length > 0 ? others : list);
	}
}
