/**
 * `npm run ops`: an operator's node. It joins the running cluster with the same transporter, cacher and event
 * settings as every node, runs no service, and opens the Moleculer REPL with the ops commands. Every call
 * made from it runs as the ops identity (lib/ops/identity.ts). Its logs go to stderr, the REPL to stdout.
 */
import { ServiceBroker } from "moleculer";
import { config } from "../config/index.ts";
import { OpsIdentityMiddleware } from "../lib/ops/identity.ts";
import brokerConfig from "../moleculer.config.ts";

if (config.role !== "ops") {
	process.stderr.write("scripts/ops.ts runs an ops node: start it with `npm run ops` (NODE_ROLE=ops)\n");
	process.exit(78);
}

const broker = new ServiceBroker({
	...brokerConfig,
	middlewares: [...(brokerConfig.middlewares ?? []), OpsIdentityMiddleware],
});
await broker.start();
// The commands need the cluster's services; an incomplete cluster is still worth inspecting.
await broker.waitForServices(["configuration", "bookings"], 15_000).catch(() => {
	process.stderr.write("Not every service answered within 15 s: commands about them will say so\n");
});
const online = broker.registry.getNodeList({ onlyAvailable: true, withServices: false }).length;
console.log(
	`Ops node ${broker.nodeID} joined namespace ${config.namespace}: ${online} nodes online. Type help.`,
);
broker.repl();
