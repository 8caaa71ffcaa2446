import type { BrokerOptions, ServiceBroker } from "moleculer";

export type ReplCommand = NonNullable<NonNullable<BrokerOptions["replOptions"]>["customCommands"]>[number];

/** What moleculer-repl hands to a custom command's action besides the broker. */
export interface ReplHelpers {
	table(rows: unknown[][], options?: unknown): string;
}

/** A command's words after its name, as typed (the REPL gives only the first word of a variadic argument). */
export function wordsOf(args: unknown): string[] {
	return String((args as { rawCommand?: string }).rawCommand ?? "")
		.trim()
		.split(/\s+/)
		.slice(1)
		.filter(Boolean);
}

/** Bad arguments: the message and the usage line are printed, nothing is called. */
export class UsageError extends Error {}

export function printTable(helpers: ReplHelpers, headers: string[], rows: unknown[][], empty?: string): void {
	if (rows.length === 0) {
		console.log(empty ?? `(no rows: ${headers.join(", ")})`);
		return;
	}
	console.log(
		helpers.table([headers, ...rows.map((row) => row.map((cell) => (cell == null ? "-" : String(cell))))]),
	);
}

/** The optional `[limit]` of a listing command, as the params of the action it calls. */
export function limitParams(limit: string | undefined): { limit?: number } {
	if (limit === undefined) return {};
	if (!/^\d+$/.test(limit)) throw new UsageError(`"${limit}" is not a number`);
	return { limit: Number(limit) };
}

/** A moleculer error's field list (422) is worth showing: it names what was wrong. */
function describe(error: Error & { data?: unknown }): string {
	const fields = Array.isArray(error.data)
		? error.data
				.map((entry: { field?: string; message?: string }) => entry.message ?? entry.field)
				.filter(Boolean)
		: [];
	return fields.length > 0 && !fields.every((text) => error.message.includes(String(text)))
		? `${error.message} (${fields.join("; ")})`
		: error.message;
}

/**
 * A REPL command with a usage line (shown by `<name> --help` and after a bad argument) whose failures are
 * printed as one line, never as a stack trace.
 */
export function replCommand(definition: {
	command: string;
	description: string;
	usage: string;
	run(broker: ServiceBroker, words: string[], helpers: ReplHelpers): Promise<void>;
}): ReplCommand {
	const name = definition.command.split(" ")[0];
	return {
		command: definition.command,
		description: `${definition.description}\n\nUsage:\n${definition.usage}`,
		allowUnknownOptions: true,
		async action(broker: ServiceBroker, args: unknown, helpers: unknown) {
			try {
				await definition.run(broker, wordsOf(args), helpers as ReplHelpers);
			} catch (error) {
				console.log(`${name}: ${describe(error as Error)}`);
				if (error instanceof UsageError) console.log(`usage:\n${definition.usage}`);
			}
		},
	} as ReplCommand;
}

/** The nodes that run a service now, for per-node questions (relay state, metrics). */
export function nodesRunning(broker: ServiceBroker, service: string): string[] {
	return (
		broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as Array<{
			name: string;
			nodeID: string;
		}>
	)
		.filter((entry) => entry.name === service)
		.map((entry) => entry.nodeID)
		.sort();
}
