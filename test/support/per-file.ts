import { after, before } from "node:test";

/**
 * A server the tests of one file share: started before them, stopped after them. The answer stands for it
 * from the start, so a file writes `const platform = perFile(() => startPlatform())` and uses it in its tests.
 */
export function perFile<T extends { stop(): Promise<unknown> }>(start: () => Promise<T>): T {
	let started: T | undefined;
	before(async () => {
		started = await start();
	});
	after(async () => {
		await started?.stop();
	});
	return new Proxy({} as T, {
		get(_, key) {
			if (!started) throw new Error("the shared server is used before it started: use it inside a test");
			const value = Reflect.get(started, key, started);
			return typeof value === "function" ? value.bind(started) : value;
		},
	});
}
