import { readFileSync } from "node:fs";
import kafkajs, { type AclEntry, type Admin } from "kafkajs";

// kafkajs is CommonJS: its enums are reached through the default export.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * The platform's Kafka ACLs, from their one list (infra/kafka/acls.tsv), made concrete for one deployment's
 * NAMESPACE and EVENTS_TOPIC_PREFIX and applied with an admin client (`npm run kafka:acls`, the cluster tests).
 */

export const ACL_FILE = new URL("../infra/kafka/acls.tsv", import.meta.url).pathname;

const RESOURCES = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERNS = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATIONS = {
	Read: AclOperationTypes.READ,
	Write: AclOperationTypes.WRITE,
	Create: AclOperationTypes.CREATE,
	Delete: AclOperationTypes.DELETE,
	Describe: AclOperationTypes.DESCRIBE,
} as const;

export interface AclRule {
	principals: string[];
	resource: keyof typeof RESOURCES;
	pattern: keyof typeof PATTERNS;
	/** With the {events} and {namespace} placeholders. */
	name: string;
	operations: Array<keyof typeof OPERATIONS>;
}

function member<T extends object>(table: T, value: string, what: string, line: number): keyof T {
	if (!Object.hasOwn(table, value))
		throw new Error(`${ACL_FILE}:${line}: ${what} "${value}" is not one of ${Object.keys(table).join(", ")}`);
	return value as keyof T;
}

export function parseAclRules(text: string): AclRule[] {
	return text.split("\n").flatMap((raw, index) => {
		const line = index + 1;
		if (raw.trim() === "" || raw.startsWith("#")) return [];
		const columns = raw.split("\t");
		if (columns.length !== 5) throw new Error(`${ACL_FILE}:${line}: 5 tab-separated columns expected`);
		const [principals, resource, pattern, name, operations] = columns;
		return [
			{
				principals: principals.split(","),
				resource: member(RESOURCES, resource, "resource", line),
				pattern: member(PATTERNS, pattern, "pattern", line),
				name,
				operations: operations
					.split(",")
					.map((operation) => member(OPERATIONS, operation, "operation", line)),
			},
		];
	});
}

export function readAclRules(): AclRule[] {
	return parseAclRules(readFileSync(ACL_FILE, "utf8"));
}

export interface AclScope {
	namespace: string;
	eventsPrefix: string;
}

/** One ACL as an operator reads it: a principal allowed one operation on one resource. */
export interface Grant {
	principal: string;
	resource: AclRule["resource"];
	pattern: AclRule["pattern"];
	name: string;
	operation: AclRule["operations"][number];
}

/** The rules with the deployment's names, one grant per principal and operation. */
export function grants(rules: readonly AclRule[], scope: AclScope): Grant[] {
	return rules.flatMap((rule) => {
		const name = rule.name
			.replaceAll("{events}", scope.eventsPrefix)
			.replaceAll("{namespace}", scope.namespace);
		return rule.principals.flatMap((principal) =>
			rule.operations.map((operation) => ({
				principal,
				resource: rule.resource,
				pattern: rule.pattern,
				name,
				operation,
			})),
		);
	});
}

/** The same as kafkajs's ALLOW entries. */
export function aclEntries(rules: readonly AclRule[], scope: AclScope): AclEntry[] {
	return grants(rules, scope).map((grant) => ({
		resourceType: RESOURCES[grant.resource],
		resourceName: grant.name,
		resourcePatternType: PATTERNS[grant.pattern],
		principal: `User:${grant.principal}`,
		host: "*",
		operation: OPERATIONS[grant.operation],
		permissionType: AclPermissionTypes.ALLOW,
	}));
}

/** Creates the entries; Kafka keeps an entry that exists already as it is, so this can run on every start. */
export async function applyAcls(admin: Admin, entries: AclEntry[]): Promise<void> {
	await admin.createAcls({ acl: entries });
}
