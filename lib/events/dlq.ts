import type { DeliveredRecord, EventBus } from "./bus.ts";
import { DLQ_HEADERS, deadLetterTopic, parseCloudEvent, TOPICS } from "./contract.ts";

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
export function mainTopic(topic: string): string {
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

/**
 * Deletes everything the topic's dead-letter topic holds now (after re-driving what should be re-driven), so
 * that its depth, and the alert on it, are back to zero. Returns how many were deleted.
 */
export async function purgeDeadLetters(bus: EventBus, topic: string): Promise<number> {
	if (!bus.truncate) throw new Error("purging needs Kafka (the in-process log of embedded mode keeps them)");
	return bus.truncate(deadLetterTopic(mainTopic(topic)));
}
