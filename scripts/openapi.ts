/**
 * npm run openapi: writes docs/openapi.json, the API's OpenAPI 3.1 document, from the gateway's route table and
 * the params schema of every action the routes call, and the typed client's operations (clients/api/). The services are loaded (not started) in a broker of
 * this process to read their schemas. `--check` writes nothing and exits 1 when the committed file is stale;
 * the gateway serves the committed file at /api/openapi.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ServiceBroker } from "moleculer";
import { API_ROUTES } from "../services/gateway/api-routes.ts";
import { type ActionParams, buildOpenApiDocument } from "../services/gateway/openapi.ts";
import { renderClientOperations } from "./client-types.ts";
import { writeOrCheck } from "./generated-files.ts";

const ROOT = new URL("../", import.meta.url).pathname;
export const OPENAPI_FILE = join(ROOT, "docs/openapi.json");
/** The typed client's operation types, generated from the same document. */
export const CLIENT_OPERATIONS_FILE = join(ROOT, "clients/api/operations.ts");

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

/** Both generated files as the code describes them now. */
export function generatedFiles(): Map<string, string> {
	const document = currentOpenApiText();
	return new Map([
		[OPENAPI_FILE, document],
		[CLIENT_OPERATIONS_FILE, renderClientOperations(JSON.parse(document))],
	]);
}

if (import.meta.main) writeOrCheck(generatedFiles(), "npm run openapi");
