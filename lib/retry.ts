export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: the first retry after `initialMs`, doubling up to `maxMs`. */
export function backoff(attempt: number, initialMs = 200, maxMs = 5_000): number {
	return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * "Equal jitter": half the wait fixed, half random, so that many clients failing at once (an endpoint down for
 * every instance) spread their retries instead of arriving together, while the wait still grows.
 */
export function withJitter(ms: number, random: () => number = Math.random): number {
	return Math.round(ms / 2 + random() * (ms / 2));
}

export interface RetryOptions {
	/** Attempts in all; without it, until the operation succeeds or a failure is not retryable. */
	attempts?: number;
	/** Whether this failure is worth another attempt (default: every failure is). */
	retryable?: (error: unknown) => boolean;
	/** Called before waiting for the next attempt (to log, for example). */
	beforeRetry?: (error: unknown, attempt: number) => void;
	/** The wait before attempt `attempt + 1` (default: exponential backoff). */
	wait?: (attempt: number) => Promise<void>;
}

/**
 * The one retry loop: runs the operation until it succeeds, and throws the last failure once it is not
 * retryable or the attempts are spent.
 */
export async function retry<T>(
	operation: (attempt: number) => Promise<T>,
	options: RetryOptions = {},
): Promise<T> {
	const { attempts = Number.POSITIVE_INFINITY, retryable = () => true, beforeRetry, wait } = options;
	for (let attempt = 1; ; attempt++) {
		try {
			return await operation(attempt);
		} catch (error) {
			if (attempt >= attempts || !retryable(error)) throw error;
			beforeRetry?.(error, attempt);
			await (wait ? wait(attempt) : sleep(backoff(attempt)));
		}
	}
}
