import { Cachers, Utils } from "moleculer";

/** What the guard needs of a concrete cacher class (Moleculer's typings declare these abstract on the base). */
type CacherClass = new (
	// biome-ignore lint/suspicious/noExplicitAny: a mixin class takes the constructor arguments of any cacher
	...args: any[]
) => {
	get(key: string): Promise<Record<string, unknown> | null>;
	set(key: string, data: unknown, ttl?: number): Promise<void>;
	clean(match?: string | string[]): Promise<void>;
	del(keys: string | string[]): Promise<void>;
};

/** Misses waiting for their answer at most; beyond, all are forgotten (their answers are then not stored). */
const MAX_LOADS = 10_000;
/** How long a load may take when the broker sets no request timeout. */
const FALLBACK_TIMEOUT_MS = 10_000;

interface CacherState {
	broker: { options: { requestTimeout?: number } };
}

/**
 * A cacher that does not put back an answer loaded before a change. Moleculer's cache stores a handler's answer
 * once the handler returns: a read that began before a change and returned after the change's `clean` would
 * store the old answer for a whole TTL (an admin deactivates a cleaner; a list loaded meanwhile shows the
 * cleaner active for minutes). So each miss opens a load of its key; `clean` and `del` close the loads of the
 * keys they match; `set` stores only while its key's load is open. One case is left: a load begun before the
 * change, ending after a newer load of the same key began; `clean` therefore runs once more a request timeout
 * later, when every load begun before it has ended.
 */
export function staleSafe<T extends CacherClass>(Cacher: T) {
	abstract class StaleSafeCacher extends Cacher {
		private readonly loading = new Set<string>();

		override async get(key: string) {
			const found = await super.get(key);
			if (found === null || found === undefined) {
				if (this.loading.size >= MAX_LOADS) this.loading.clear();
				this.loading.add(key);
			}
			return found;
		}

		override async set(key: string, data: unknown, ttl?: number): Promise<void> {
			if (this.loading.delete(key)) await super.set(key, data, ttl);
		}

		override clean(match: string | string[] = "**") {
			const patterns = Array.isArray(match) ? match : [match];
			for (const key of this.loading)
				if (patterns.some((pattern) => Utils.match(key, pattern))) this.loading.delete(key);
			const again = () => super.clean(match).catch(() => undefined);
			setTimeout(
				again,
				(this as unknown as CacherState).broker.options.requestTimeout || FALLBACK_TIMEOUT_MS,
			).unref();
			return super.clean(match);
		}

		override del(keys: string | string[]) {
			for (const key of Array.isArray(keys) ? keys : [keys]) this.loading.delete(key);
			return super.del(keys);
		}
	}
	return StaleSafeCacher;
}

/** Moleculer's memory cacher (embedded mode), stale-safe. */
export class StaleSafeMemoryCacher extends staleSafe(Cachers.Memory) {}
