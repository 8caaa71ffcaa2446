export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: the first retry after `initialMs`, doubling up to `maxMs`. */
export function backoff(attempt: number, initialMs = 200, maxMs = 5_000): number {
	return Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
}
