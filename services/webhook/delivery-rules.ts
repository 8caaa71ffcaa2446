/**
 * The rules of a delivery, as plain functions: what is sent for an event, when a failed delivery is tried
 * again, and when an endpoint has failed often enough to be disabled.
 */
import type { CloudEvent } from "../../lib/events/contract.ts";
import { backoff, withJitter } from "../../lib/retry.ts";
import type { BookingEventData } from "../booking/contract.ts";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./contract.ts";

export interface RetryPolicy {
	retryInitialMs: number;
	retryMaxMs: number;
	retryWindowMs: number;
	disableAfterFailures: number;
}

/** What a partner receives for a booking event (the Standard Webhooks payload shape: type, timestamp, data). */
export interface WebhookPayload {
	type: WebhookEventType;
	timestamp: string;
	data: BookingEventData;
}

export function isWebhookEvent(event: CloudEvent): event is CloudEvent<BookingEventData> & {
	type: WebhookEventType;
} {
	return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The `webhook-id` of an event: one per event, so a receiver drops a second copy of it. */
export const messageIdOf = (event: CloudEvent) => `msg_${event.id.replaceAll("-", "")}`;

/** The body of every attempt, fixed when the delivery is made so each attempt signs the same bytes. */
export function webhookBody(event: CloudEvent<BookingEventData> & { type: WebhookEventType }): string {
	const payload: WebhookPayload = { type: event.type, timestamp: event.time, data: event.data };
	return JSON.stringify(payload);
}

/**
 * When to try again after the `attempts`-th failed attempt: exponential backoff from `retryInitialMs`, capped
 * at `retryMaxMs`, with jitter; null once that would fall after `giveUpAt` (the retry window is over).
 */
export function nextAttemptAt(
	attempts: number,
	now: Date,
	giveUpAt: Date,
	policy: RetryPolicy,
	random: () => number = Math.random,
): Date | null {
	const wait = withJitter(backoff(attempts, policy.retryInitialMs, policy.retryMaxMs), random);
	const at = now.getTime() + wait;
	return at > giveUpAt.getTime() ? null : new Date(at);
}

/**
 * Why an endpoint is disabled after a failed attempt, or null while it stays enabled: too many failures in a
 * row, or a delivery that failed for its whole retry window.
 */
export function disableReason(
	consecutiveFailures: number,
	deliveryGaveUp: boolean,
	lastError: string,
	policy: RetryPolicy,
): string | null {
	if (deliveryGaveUp) {
		const hours = Math.round(policy.retryWindowMs / 360_000) / 10;
		return `a delivery failed for ${hours} h of retries (last error: ${lastError})`;
	}
	if (consecutiveFailures >= policy.disableAfterFailures)
		return `${consecutiveFailures} delivery attempts failed in a row (last error: ${lastError})`;
	return null;
}
