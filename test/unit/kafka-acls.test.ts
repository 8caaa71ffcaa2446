import assert from "node:assert/strict";
import { describe, it } from "node:test";
import kafkajs from "kafkajs";
import { refusalReason } from "../../lib/connection-refusal.ts";
import { CONSUMER_GROUPS, TOPICS } from "../../lib/events/contract.ts";
import { aclEntries, parseAclRules, readAclRules } from "../../lib/kafka-acls.ts";

const { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;
const rules = readAclRules();
const entries = aclEntries(rules, { namespace: "cleaning", eventsPrefix: "" });
const allowed = (principal: string, name: string) =>
	entries.filter((entry) => entry.principal === `User:${principal}` && entry.resourceName === name);

describe("the platform's Kafka ACLs (infra/kafka/acls.tsv)", () => {
	it("let only booking write the domain-event topics", () => {
		for (const topic of Object.values(TOPICS)) {
			const writers = entries.filter(
				(entry) => entry.resourceName === topic && entry.operation === AclOperationTypes.WRITE,
			);
			assert.deepEqual(
				writers.map((entry) => entry.principal),
				["User:booking"],
				topic,
			);
		}
	});

	it("give each consumer group to its own service, for reading only", () => {
		for (const [service, { group, topics }] of Object.entries(CONSUMER_GROUPS)) {
			const onGroup = entries.filter(
				(entry) => entry.resourceName === group && entry.resourceType === AclResourceTypes.GROUP,
			);
			assert.deepEqual(
				onGroup.filter((entry) => entry.operation === AclOperationTypes.READ).map((entry) => entry.principal),
				[`User:${service}`],
			);
			for (const topic of topics)
				assert.ok(allowed(service, topic).some((entry) => entry.operation === AclOperationTypes.READ));
		}
	});

	it("name the deployment's prefix and namespace in every resource", () => {
		const scoped = aclEntries(rules, { namespace: "prod", eventsPrefix: "eu." });
		assert.ok(scoped.some((entry) => entry.resourceName === "eu.booking-events"));
		assert.ok(
			scoped.some(
				(entry) =>
					entry.resourceName === "MOL-prod." && entry.resourcePatternType === ResourcePatternTypes.PREFIXED,
			),
		);
		assert.ok(scoped.every((entry) => !entry.resourceName.includes("{")));
	});

	it("refuse a line they cannot read, naming it", () => {
		assert.throws(
			() => parseAclRules("booking\ttopic\tliteral\tx\tWrite,Burn\n"),
			/acls\.tsv:1: operation "Burn"/,
		);
		assert.throws(
			() => parseAclRules("# note\nbooking\ttable\tliteral\tx\tWrite\n"),
			/acls\.tsv:2: resource "table"/,
		);
		assert.throws(() => parseAclRules("booking topic literal x Write\n"), /5 tab-separated columns/);
	});
});

describe("a refused connection", () => {
	it("is told from a server that is away", () => {
		assert.match(
			refusalReason({
				code: "PLT_KFK_MULTIPLE",
				errors: [{ cause: { code: "SELF_SIGNED_CERT_IN_CHAIN" } }],
			}) ?? "",
			/not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/,
		);
		assert.match(
			refusalReason({ name: "KafkaJSSASLAuthenticationError" }) ?? "",
			/SASL authentication failed/,
		);
		assert.match(refusalReason({ original: { code: "ER_ACCESS_DENIED_ERROR" } }) ?? "", /access denied/);
		assert.match(refusalReason({ type: "TOPIC_AUTHORIZATION_FAILED" }) ?? "", /not authorized/);
		assert.equal(refusalReason({ code: "ECONNREFUSED" }), null);
		assert.equal(refusalReason(new Error("Connection timeout")), null);
	});
});
