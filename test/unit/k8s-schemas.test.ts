import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import * as models from "kubernetes-models";
import { parseAllDocuments } from "yaml";

const ROOT = new URL("../../", import.meta.url).pathname;

interface Resource {
	apiVersion: string;
	kind: string;
	metadata: { name: string };
}

type ModelClass = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an apiVersion and kind: `networking.k8s.io/v1` is networkingK8sIo.v1. */
function modelOf(resource: Resource): ModelClass | undefined {
	const [group, version] = resource.apiVersion.includes("/")
		? resource.apiVersion.split("/")
		: ["", resource.apiVersion];
	const moduleName =
		group === ""
			? version
			: group
					.split(".")
					.map((part, i) => (i === 0 ? part : part[0].toUpperCase() + part.slice(1)))
					.join("");
	const groupModule = (models as unknown as Record<string, Record<string, Record<string, ModelClass>>>)[
		moduleName
	];
	return group === ""
		? (groupModule as unknown as Record<string, ModelClass>)?.[resource.kind]
		: groupModule?.[version]?.[resource.kind];
}

it("every object `kubectl kustomize k8s/` renders is valid against the Kubernetes schemas (kubernetes-models)", (t) => {
	const rendered = spawnSync("kubectl", ["kustomize", join(ROOT, "k8s")], { encoding: "utf8" });
	if ((rendered.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
		assert.ok(!process.env.REQUIRE_KUBECTL, "kubectl is required here (REQUIRE_KUBECTL) but not installed");
		t.skip("kubectl is not installed, so k8s/ cannot be rendered");
		return;
	}
	assert.equal(rendered.status, 0, rendered.stderr);
	const resources = parseAllDocuments(rendered.stdout).map((document) => document.toJS() as Resource);
	const kinds = new Set<string>();
	for (const resource of resources) {
		const Model = modelOf(resource);
		assert.ok(Model, `no Kubernetes schema for ${resource.apiVersion} ${resource.kind}`);
		assert.doesNotThrow(() => new Model(resource).validate(), `${resource.kind}/${resource.metadata.name}`);
		kinds.add(resource.kind);
	}
	for (const kind of [
		"StatefulSet",
		"Service",
		"Ingress",
		"NetworkPolicy",
		"HorizontalPodAutoscaler",
		"PodDisruptionBudget",
	]) {
		assert.ok(kinds.has(kind), `k8s/ renders no ${kind}`);
	}
});
