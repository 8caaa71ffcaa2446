import type { ServiceBroker } from "moleculer";

type Cacher = NonNullable<ServiceBroker["cacher"]>;

/**
 * A caller-side cache of another service's answer: a hit saves the round trip over the transporter, which a
 * cacher on the owner's side cannot (Moleculer caches actions where they run). The owner broadcasts a change
 * event and the caller cleans its entries; a load that began before the change and ends after the clean is not
 * stored (the platform's cachers are stale-safe: lib/stale-safe-cacher.ts).
 */
export async function readThrough<T>(
	cacher: Cacher | null | undefined,
	key: string,
	ttlSeconds: number,
	load: () => Promise<T>,
): Promise<T> {
	// Wrapped, so that a cached `null` answer is a hit and not a miss.
	const hit = (await cacher?.get(key)) as { value: T } | null | undefined;
	if (hit) return hit.value;
	const value = await load();
	await cacher?.set(key, { value }, ttlSeconds);
	return value;
}
