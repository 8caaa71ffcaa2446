import { randomUUID } from "node:crypto";

/**
 * The domain-event envelope and topics shared by producers and consumers. The payloads are their producer's
 * contract (services/booking/contract.ts); docs/asyncapi.json is the published form of both, and the cluster
 * tests validate what goes over Kafka against it.
 */

export const TOPICS = {
	bookingEvents: "booking-events",
	cleanerAvailability: "cleaner-availability-updates",
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Where a consumer parks an event it could not apply after its last retry. */
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;
/** Headers a dead-lettered record carries besides its original ones. */
export const DLQ_HEADERS = {
	error: "dlq-error",
	group: "dlq-group",
	topic: "dlq-topic",
	partition: "dlq-partition",
	offset: "dlq-offset",
	attempts: "dlq-attempts",
	failedAt: "dlq-failed-at",
} as const;

/** Every domain-event topic: the two main topics and their dead-letter topics (each process creates the ones it uses). */
export const ALL_TOPICS: readonly string[] = Object.values(TOPICS).flatMap((topic) => [
	topic,
	deadLetterTopic(topic),
]);

/** A CloudEvents 1.0 envelope in structured JSON mode. */
export interface CloudEvent<T = unknown> {
	specversion: "1.0";
	id: string;
	source: string;
	type: string;
	subject: string;
	time: string;
	datacontenttype: "application/json";
	data: T;
}

/** Headers of every record: the CloudEvents Kafka binding's structured mode. */
export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";

/** An event on its way to a topic: the record key keeps one entity's events in order. */
export interface OutgoingEvent {
	topic: Topic;
	key: string;
	event: CloudEvent;
}

export function cloudEvent<T>(
	source: string,
	type: string,
	subject: string,
	data: T,
	time: Date,
): CloudEvent<T> {
	return {
		specversion: "1.0",
		id: randomUUID(),
		source,
		type,
		subject,
		time: time.toISOString(),
		datacontenttype: "application/json",
		data,
	};
}

export class InvalidEventError extends Error {
	override name = "InvalidEventError";
}

/** Parses a record value into an envelope, checking the attributes every consumer relies on. */
export function parseCloudEvent(value: string): CloudEvent {
	let parsed: Partial<CloudEvent>;
	try {
		parsed = JSON.parse(value);
	} catch {
		throw new InvalidEventError("the record is not JSON");
	}
	const { specversion, id, type, data } = parsed ?? {};
	if (
		specversion !== "1.0" ||
		typeof id !== "string" ||
		typeof type !== "string" ||
		typeof data !== "object"
	) {
		throw new InvalidEventError("the record is not a CloudEvents 1.0 envelope with id, type and data");
	}
	return parsed as CloudEvent;
}

/** The consumer groups of the domain-event topics, and what each reads. */
export const CONSUMER_GROUPS = {
	cleaner: { group: "cleaner-service", topics: [TOPICS.bookingEvents, TOPICS.cleanerAvailability] },
	vehicle: { group: "vehicle-service", topics: [TOPICS.bookingEvents] },
	notification: { group: "notification-service", topics: [TOPICS.bookingEvents] },
	webhook: { group: "webhook-service", topics: [TOPICS.bookingEvents] },
} as const;
