import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, type KafkaConfig, logLevel } from "kafkajs";
import { type AclScope, aclEntries, applyAcls, readAclRules } from "../../lib/kafka-acls.ts";
import { eventually } from "./eventually.ts";
import { ROOT } from "./platform.ts";

/**
 * The test broker of scripts/infra.sh: SASL_SSL only (SCRAM-SHA-512, a CA of its own), with ACLs. Every client
 * of the tests, the platform's nodes included, connects as one of its users.
 */
export const KAFKA_BROKER = `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`;
export const KAFKA_URL = `kafka://${KAFKA_BROKER}`;

const SECURITY_DIR = join(ROOT, ".infra/kafka/security");
export const KAFKA_CA_FILE = join(SECURITY_DIR, "ca.pem");
const passwordFile = (principal: string) => join(SECURITY_DIR, "users", `${principal}.password`);

/** The super user: the tests' own set-up and inspection. Services never use it. */
export const KAFKA_ADMIN = "admin";

/**
 * A node connects as its service's principal (the gateway's node as "gateway"). A node running several
 * services needs all their rights: the tests give it the super user.
 */
export function kafkaPrincipalOf(services: string): string {
	const names = services.split(",").filter((name) => name !== "identity");
	return names.length === 1 ? names[0] : KAFKA_ADMIN;
}

/** What a platform process is given to connect as `principal` (config/connection-security.ts reads it). */
export function kafkaEnv(principal: string): Record<string, string> {
	return {
		KAFKA_TLS: "true",
		KAFKA_TLS_CA_FILE: KAFKA_CA_FILE,
		KAFKA_SASL_MECHANISM: "scram-sha-512",
		KAFKA_SASL_USERNAME: principal,
		KAFKA_SASL_PASSWORD_FILE: passwordFile(principal),
	};
}

export function kafkaCredentials(principal: string): { username: string; password: string } {
	return { username: principal, password: readFileSync(passwordFile(principal), "utf8").trim() };
}

/** kafkajs settings of a test's own client. */
export function kafkajsConfig(principal = KAFKA_ADMIN): KafkaConfig {
	return {
		brokers: [KAFKA_BROKER],
		ssl: { ca: readFileSync(KAFKA_CA_FILE, "utf8") },
		sasl: { mechanism: "scram-sha-512", ...kafkaCredentials(principal) },
		logLevel: logLevel.NOTHING,
	};
}

export const kafkaClient = (principal = KAFKA_ADMIN) => new Kafka(kafkajsConfig(principal));

/** The same for @platformatic/kafka (Moleculer's transporter client). */
export function platformaticConfig(principal = KAFKA_ADMIN) {
	return {
		bootstrapBrokers: [KAFKA_BROKER],
		tls: { ca: readFileSync(KAFKA_CA_FILE, "utf8") },
		sasl: { mechanism: "SCRAM-SHA-512" as const, ...kafkaCredentials(principal) },
	};
}

/** The platform's ACLs (infra/kafka/acls.tsv) for one run's namespace and topic prefix. */
export async function grantKafkaAcls(scope: AclScope): Promise<void> {
	const admin = kafkaClient().admin();
	await admin.connect();
	try {
		await applyAcls(admin, aclEntries(readAclRules(), scope));
	} finally {
		await admin.disconnect();
	}
}

/**
 * The domain-event topics and groups of an earlier run with this prefix hold events about databases that no
 * longer exist (a consumer would retry each and dead-letter it, holding back its partition meanwhile): gone
 * before the nodes create them afresh.
 */
export async function deleteEventTopics(prefix: string): Promise<void> {
	const admin = kafkaClient().admin();
	await admin.connect();
	try {
		const ours = (names: string[]) => names.filter((name) => name.startsWith(prefix));
		// Right after the broker started, its group coordinator may still be loading (GROUP_LOAD_IN_PROGRESS).
		const listed = await eventually(
			"the broker lists its consumer groups",
			() =>
				admin.listGroups().catch((error: { retriable?: boolean }) => {
					if (error.retriable) return undefined;
					throw error;
				}),
			60_000,
			500,
		);
		const groups = ours(listed.groups.map((group) => group.groupId));
		// A group still holding members of a previous run's killed processes cannot be deleted until their
		// sessions expire (error 68, NON_EMPTY_GROUP): wait for that rather than reuse its offsets.
		const groupsDeadline = Date.now() + 60_000;
		for (let left = groups; left.length > 0; ) {
			try {
				await admin.deleteGroups(left);
				left = [];
			} catch (error) {
				const failed = (error as { groups?: Array<{ groupId: string; errorCode: number }> }).groups ?? [];
				left = failed.filter((group) => group.errorCode === 68).map((group) => group.groupId);
				if (left.length < failed.length || Date.now() > groupsDeadline) throw error;
				await sleep(1000);
			}
		}
		const topics = ours(await admin.listTopics());
		if (topics.length === 0) return;
		await admin.deleteTopics({ topics });
		const deadline = Date.now() + 60_000;
		while (ours(await admin.listTopics()).length > 0) {
			if (Date.now() > deadline) throw new Error(`topics ${topics.join(", ")} still there after 30 s`);
			await sleep(250);
		}
	} finally {
		await admin.disconnect();
	}
}
