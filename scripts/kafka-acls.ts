/**
 * npm run kafka:acls: creates the platform's Kafka ACLs (infra/kafka/acls.tsv) for NAMESPACE and
 * EVENTS_TOPIC_PREFIX on the Kafka of TRANSPORTER_URL, connecting with the KAFKA_* settings of a principal
 * allowed to manage ACLs. `npm run kafka:acls -- --print` lists them and connects nowhere.
 */
import { Kafka, logLevel } from "kafkajs";
import { parseKafkaSecurity } from "../config/connection-security.ts";
import { ConfigError, optionalStr, str } from "../config/env.ts";
import { kafkajsSecurity } from "../lib/events/kafka-bus.ts";
import { aclEntries, applyAcls, grants, readAclRules } from "../lib/kafka-acls.ts";

const print = process.argv.includes("--print");
const scope = {
	namespace: str(process.env, "NAMESPACE", "cleaning"),
	eventsPrefix: str(process.env, "EVENTS_TOPIC_PREFIX", ""),
};
const rules = readAclRules();

if (print) {
	for (const { principal, resource, pattern, name, operation } of grants(rules, scope)) {
		console.log([`User:${principal}`, resource, pattern, name, operation].join("\t"));
	}
} else {
	try {
		const transporter = optionalStr(process.env, "TRANSPORTER_URL");
		if (transporter === undefined)
			throw new ConfigError(
				"TRANSPORTER_URL",
				"required: the Kafka to create the ACLs on (kafka://host:9092)",
			);
		const kafka = new Kafka({
			brokers: [new URL(transporter).host],
			...kafkajsSecurity(parseKafkaSecurity(process.env)),
			logLevel: logLevel.NOTHING,
		});
		const admin = kafka.admin();
		await admin.connect();
		try {
			await applyAcls(admin, aclEntries(rules, scope));
		} finally {
			await admin.disconnect();
		}
		console.log(
			`${grants(rules, scope).length} ACL entries in place for namespace ${scope.namespace}, topic prefix "${scope.eventsPrefix}"`,
		);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		process.stderr.write(`Configuration error: ${error.message}\n`);
		process.exit(78);
	}
}
