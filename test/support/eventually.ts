import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `probe` until it returns something other than undefined, and returns that; read models are updated
 * by events, after the request that caused them has answered.
 */
export async function eventually<T>(
	what: string,
	probe: () => Promise<T | undefined>,
	timeoutMs = 10_000,
	intervalMs = 20,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
		await sleep(intervalMs);
	}
}
