import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { Admin } from "@platformatic/kafka";
import { TOPICS } from "../../lib/events/contract.ts";
import { NAMESPACE } from "../support/cluster.ts";
import {
	grantKafkaAcls,
	KAFKA_URL,
	kafkaClient,
	kafkaCredentials,
	kafkaEnv,
	platformaticConfig,
} from "../support/kafka.ts";
import { type Exit, runUntilExit } from "../support/platform.ts";
import { makeTestCa } from "../support/test-ca.ts";

/**
 * The broker of scripts/infra.sh as a managed Kafka: SASL_SSL only, SCRAM-SHA-512 users, and the ACLs of
 * infra/kafka/acls.tsv. What the ACLs refuse is refused by the real broker, and a process whose password or
 * CA is wrong stops at start-up with one line naming the connection.
 */
const namespace = `${NAMESPACE}-acl`;
const prefix = `${namespace}.`;
const PRINCIPALS = ["booking", "cleaner", "vehicle", "customer", "configuration", "gateway", "ops"];

before(async () => {
	await grantKafkaAcls({ namespace, eventsPrefix: prefix });
	const admin = kafkaClient().admin();
	await admin.connect();
	try {
		const existing = new Set(await admin.listTopics());
		const topics = [...Object.values(TOPICS), `${TOPICS.bookingEvents}.dlq`]
			.map((topic) => `${prefix}${topic}`)
			.filter((topic) => !existing.has(topic));
		if (topics.length > 0)
			await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic })) });
	} finally {
		await admin.disconnect();
	}
});

/** The Kafka error code an @platformatic/kafka error wraps (its leaf errors carry it as apiId). */
function kafkaErrorName(error: unknown): string | undefined {
	const { apiId, cause, errors } = error as { apiId?: string; cause?: unknown; errors?: unknown[] };
	if (apiId !== undefined) return apiId;
	return [cause, ...(errors ?? [])].filter(Boolean).map(kafkaErrorName).find(Boolean);
}

/** What Kafka answered a principal's write: "ok" or its error name. */
async function write(principal: string, topic: string): Promise<string> {
	const producer = kafkaClient(principal).producer({ allowAutoTopicCreation: false });
	await producer.connect();
	try {
		await producer.send({ topic, messages: [{ key: "acl-test", value: "{}" }] });
		return "ok";
	} catch (error) {
		// kafkajs names a refused metadata request (no Describe either) in its message only.
		const { type, message } = error as { type?: string; message: string };
		return (
			type ?? (/^Not authorized to access topics/.test(message) ? "TOPIC_AUTHORIZATION_FAILED" : message)
		);
	} finally {
		await producer.disconnect();
	}
}

describe("Kafka ACLs", () => {
	it("only booking's principal may write booking-events and cleaner-availability-updates", async () => {
		for (const topic of Object.values(TOPICS)) {
			const answers: Record<string, string> = {};
			for (const principal of PRINCIPALS) answers[principal] = await write(principal, `${prefix}${topic}`);
			assert.deepEqual(
				answers,
				Object.fromEntries(
					PRINCIPALS.map((principal) => [
						principal,
						principal === "booking" ? "ok" : "TOPIC_AUTHORIZATION_FAILED",
					]),
				),
				topic,
			);
		}
	});

	it("a consumer group is its service's alone, and its consumers may write only the dead-letter topics", async () => {
		// Through @platformatic/kafka: kafkajs reports a refused group as "Failed to find group coordinator".
		const describe = async (principal: string, group: string) => {
			const admin = new Admin({ clientId: "acl-test", ...platformaticConfig(principal) });
			try {
				await admin.describeGroups({ groups: [`${prefix}${group}`] });
				return "ok";
			} catch (error) {
				return kafkaErrorName(error) ?? (error as Error).message;
			} finally {
				await admin.close();
			}
		};
		assert.equal(await describe("cleaner", "cleaner-service"), "ok");
		assert.equal(await describe("vehicle", "vehicle-service"), "ok");
		assert.equal(await describe("vehicle", "cleaner-service"), "GROUP_AUTHORIZATION_FAILED");
		assert.equal(await describe("booking", "vehicle-service"), "GROUP_AUTHORIZATION_FAILED");
		assert.equal(await write("vehicle", `${prefix}${TOPICS.bookingEvents}.dlq`), "ok");
		assert.equal(
			await write("booking", `${prefix}${TOPICS.bookingEvents}.dlq`),
			"TOPIC_AUTHORIZATION_FAILED",
		);
	});

	it("the transporter's topics of a namespace are out of reach of every other namespace", async () => {
		// Auto-creation is on, so without the ACL this write would create the topic and succeed.
		assert.equal(await write("gateway", `MOL-${namespace}x.INFO`), "TOPIC_AUTHORIZATION_FAILED");
	});

	it("the broker takes no client without SASL credentials", async () => {
		const { Kafka, logLevel } = await import("kafkajs");
		const anonymous = new Kafka({
			brokers: [KAFKA_URL.replace("kafka://", "")],
			ssl: { ca: readFileSync(kafkaEnv("admin").KAFKA_TLS_CA_FILE, "utf8") },
			connectionTimeout: 3_000,
			retry: { retries: 0 },
			logLevel: logLevel.NOTHING,
		}).admin();
		await assert.rejects(async () => {
			await anonymous.connect();
			await anonymous.listTopics();
		});
		await anonymous.disconnect();
	});
});

/** Starts one node that should stop on its own within seconds. */
function startUntilExit(services: string, env: Record<string, string>): Promise<Exit> {
	return runUntilExit({
		MODE: "cluster",
		NAMESPACE: namespace,
		NODE_ID: `refused-${services}`,
		SERVICES: services,
		TRANSPORTER_URL: KAFKA_URL,
		CACHER_URL: "redis://127.0.0.1:6379/1",
		CONFIGURATION_DB_URL: "mysql://configuration_svc:configuration_pw@127.0.0.1:3306/configuration_db",
		VEHICLE_DB_URL: "mysql://vehicle_svc:vehicle_pw@127.0.0.1:3306/vehicle_db",
		...env,
	});
}

function assertOneLine(exit: Exit, expected: RegExp, secrets: string[]): void {
	assert.equal(exit.code, 77, `exit code; output:\n${exit.output}`);
	// Node may add its own process warnings on stderr (kafkajs sets a negative timer on Node 24): not ours.
	const lines = exit.stderr.split("\n").filter((line) => line.startsWith("Connection refused"));
	assert.equal(lines.length, 1, `one line on stderr:\n${exit.stderr}`);
	assert.match(lines[0], expected);
	assert.doesNotMatch(exit.stderr, /^\s+at /m, "no stack trace");
	for (const secret of secrets) assert.ok(!exit.output.includes(secret), "no password in the output");
}

describe("a refused password or certificate stops start-up with one line naming the connection", () => {
	const wrongPassword = "not-the-password-4f1c";
	const foreignCa = makeTestCa("foreign").caFile;
	const withWrongPassword = (principal: string) => {
		const { KAFKA_SASL_PASSWORD_FILE: _file, ...env } = kafkaEnv(principal);
		return { ...env, KAFKA_SASL_PASSWORD: wrongPassword };
	};
	const trustingAnotherCa = (principal: string) => ({ ...kafkaEnv(principal), KAFKA_TLS_CA_FILE: foreignCa });

	// The transporter is the first Kafka client of a node without domain events (configuration); the event bus
	// is checked before it on a node that has them (vehicle).
	const connections: Array<{ connection: string; principal: string; env: Record<string, string> }> = [
		{ connection: "Kafka transporter", principal: "configuration", env: {} },
		{ connection: "domain-event Kafka", principal: "vehicle", env: { EVENTS_KAFKA_URL: KAFKA_URL } },
	];
	for (const { connection, principal, env } of connections) {
		const named = `^Connection refused: ${connection} \\(127\\.0\\.0\\.1:\\d+ as ${principal}\\): `;

		it(`${connection}, with a wrong password`, async () => {
			const exit = await startUntilExit(principal, { ...withWrongPassword(principal), ...env });
			assertOneLine(exit, new RegExp(`${named}SASL authentication failed`), [wrongPassword]);
		});

		it(`${connection}, with a CA that did not sign the broker's certificate`, async () => {
			const exit = await startUntilExit(principal, { ...trustingAnotherCa(principal), ...env });
			assertOneLine(exit, new RegExp(`${named}the server's TLS certificate is not trusted`), [
				kafkaCredentials(principal).password,
			]);
		});
	}
});
