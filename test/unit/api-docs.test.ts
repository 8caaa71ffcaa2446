import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { API_ROUTES } from "../../services/gateway/api-routes.ts";

it("docs/api.md lists every route of the gateway, and no other", () => {
	const doc = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
	const documented = [...doc.matchAll(/^\| (GET|POST|PATCH|PUT|DELETE) \| `\/api([^`]*)` \|/gm)].map(
		(match) => `${match[1]} ${match[2]}`,
	);
	const routes = API_ROUTES.map((route) => `${route.method} ${route.path}`);
	assert.deepEqual([...documented].sort(), [...routes].sort());
});
