/**
 * npm run openapi: writes docs/openapi.json, the API's OpenAPI 3.1 document, from the gateway's route table and
 * the params schema of every action the routes call. The services are loaded (not started) in a broker of
 * this process to read their schemas. `--check` writes nothing and exits 1 when the committed file is stale;
 * the gateway serves the committed file at /api/openapi.json.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServiceBroker } from "moleculer";
import { API_ROUTES } from "../services/gateway/api-routes.ts";
import { type ActionParams, buildOpenApiDocument } from "../services/gateway/openapi.ts";

const ROOT = new URL("../", import.meta.url).pathname;
export const OPENAPI_FILE = join(ROOT, "docs/openapi.json");

/** Every action's params, read from the service schemas (mixins merged), keyed by full action name. */
function actionParams(): Map<string, ActionParams | undefined> {
	const broker = new ServiceBroker({ logger: false, transporter: null });
	broker.loadServices(join(ROOT, "services"), "**/*.service.ts");
	const params = new Map<string, ActionParams | undefined>();
	for (const service of broker.services) {
		const actions = (service.schema.actions ?? {}) as Record<
			string,
			{ name?: string; params?: ActionParams }
		>;
		for (const [name, action] of Object.entries(actions)) {
			params.set(`${service.fullName}.${action.name ?? name}`, action.params);
		}
	}
	return params;
}

/** The document as the code describes it now, as the file holds it. */
export function currentOpenApiText(): string {
	const params = actionParams();
	for (const route of API_ROUTES) {
		if (!params.has(route.action))
			throw new Error(`route ${route.method} ${route.path}: no action ${route.action}`);
	}
	const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
	return `${JSON.stringify(
		buildOpenApiDocument(API_ROUTES, (action) => params.get(action), version),
		null,
		2,
	)}\n`;
}

if (import.meta.main) {
	const text = currentOpenApiText();
	if (process.argv.includes("--check")) {
		const stale = readFileSync(OPENAPI_FILE, "utf8") !== text;
		console.log(
			stale ? "docs/openapi.json is stale: run npm run openapi" : "docs/openapi.json is up to date",
		);
		process.exit(stale ? 1 : 0);
	}
	writeFileSync(OPENAPI_FILE, text);
	console.log(`wrote ${OPENAPI_FILE}`);
	process.exit(0);
}
