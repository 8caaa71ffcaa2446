import type { BrokerOptions, ServiceBroker } from "moleculer";
import { type DeliveredRecord, type EventBus, eventBus } from "./bus.ts";
import { DLQ_HEADERS } from "./consumer.ts";
import { deadLetterTopic, parseCloudEvent, TOPICS } from "./contract.ts";

type ReplCustomCommand = NonNullable<NonNullable<BrokerOptions["replOptions"]>["customCommands"]>[number];

/** One parked event as ops see it. */
export interface DeadLetter {
	eventId: string | null;
	type: string | null;
	key: string;
	group: string;
	error: string;
	failedAt: string;
	/** Where the consumer read it: topic[partition]@offset. */
	origin: string;
}

/** The main topic a command is about; its dead-letter topic's name is accepted too. */
function mainTopic(topic: string): string {
	const main = topic.replace(/\.dlq$/, "");
	if (!(Object.values(TOPICS) as string[]).includes(main)) {
		throw new Error(`unknown topic "${topic}" (known: ${Object.values(TOPICS).join(", ")})`);
	}
	return main;
}

function eventOf(record: DeliveredRecord): { id: string; type: string } | null {
	try {
		return parseCloudEvent(record.value);
	} catch {
		return null;
	}
}

function toDeadLetter(record: DeliveredRecord): DeadLetter {
	const event = eventOf(record);
	const header = (name: string) => record.headers[name] ?? "";
	return {
		eventId: event?.id ?? null,
		type: event?.type ?? null,
		key: record.key,
		group: header(DLQ_HEADERS.group),
		error: header(DLQ_HEADERS.error),
		failedAt: header(DLQ_HEADERS.failedAt),
		origin: `${header(DLQ_HEADERS.topic)}[${header(DLQ_HEADERS.partition)}]@${header(DLQ_HEADERS.offset)}`,
	};
}

/** Everything the topic's dead-letter topic holds, oldest first per partition. */
export async function listDeadLetters(bus: EventBus, topic: string): Promise<DeadLetter[]> {
	return (await bus.readAll(deadLetterTopic(mainTopic(topic)))).map(toDeadLetter);
}

/**
 * Publishes the chosen dead-lettered events to their main topic again, with their original key (so they
 * take their place in their entity's order again) and headers. Every group reads them again; the groups
 * that had applied them skip them as duplicates. An event parked by two groups is re-published once.
 */
export async function redrive(
	bus: EventBus,
	topic: string,
	eventIds: readonly string[],
): Promise<{ redriven: string[]; notFound: string[] }> {
	const main = mainTopic(topic);
	const wanted = new Set(eventIds);
	const chosen = new Map<string, DeliveredRecord>();
	for (const record of await bus.readAll(deadLetterTopic(main))) {
		const id = eventOf(record)?.id;
		if (id !== undefined && wanted.has(id) && !chosen.has(id)) chosen.set(id, record);
	}
	const dlqHeaders = new Set<string>(Object.values(DLQ_HEADERS));
	await bus.publish(
		[...chosen.values()].map((record) => ({
			topic: main,
			key: record.key,
			value: record.value,
			headers: Object.fromEntries(Object.entries(record.headers).filter(([name]) => !dlqHeaders.has(name))),
		})),
	);
	return { redriven: [...chosen.keys()], notFound: eventIds.filter((id) => !chosen.has(id)) };
}

/** `dlq list <topic>` and `dlq redrive <topic> <eventId...>` in the Moleculer REPL (`npm run repl`). */
export const dlqReplCommand: ReplCustomCommand = {
	command: "dlq <action> <topic> [eventIds...]",
	description:
		"Dead-lettered domain events: `dlq list <topic>` shows them, `dlq redrive <topic> <eventId...>` publishes them to <topic> again",
	async action(broker: ServiceBroker, args: unknown) {
		// The REPL hands over only the first variadic word as an argument; the raw line has them all.
		const [, action, topic, ...ids] = String((args as { rawCommand: string }).rawCommand)
			.trim()
			.split(/\s+/);
		const bus = eventBus(broker.logger);
		try {
			if (action === "list") {
				const letters = await listDeadLetters(bus, topic);
				console.log(letters.length === 0 ? `${deadLetterTopic(mainTopic(topic))} is empty` : letters);
			} else if (action === "redrive" && ids.length > 0) {
				console.log(await redrive(bus, topic, ids));
			} else {
				console.log("usage: dlq list <topic> | dlq redrive <topic> <eventId...>");
			}
		} catch (error) {
			console.log(`dlq ${action}: ${(error as Error).message}`);
		}
	},
};
