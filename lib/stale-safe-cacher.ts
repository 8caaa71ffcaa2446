import { Cachers, Utils } from "moleculer";

/** What the guard needs of a concrete cacher class (Moleculer's typings declare these abstract on the base). */
type CacherClass = new (
	// biome-ignore lint/suspicious/noExplicitAny: a mixin class takes the constructor arguments of any cacher
	...args: any[]
) => {
	get(key: string): Promise<Record<string, unknown> | null>;
	set(key: string, data: unknown, ttl?: number): Promise<void>;
	opts: { missingResponse?: unknown };
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

/** One miss of a cached action: its handler's run, until it answers or fails. */
interface ActionLoad {
	/** A change cleaned its key meanwhile: its answer may be older than the change. */
	stale: boolean;
}

/**
 * A cacher that does not put back an answer loaded before a change. Moleculer's cache stores a handler's answer
 * once the handler returns: a read that began before a change and returned after the change's `clean` would
 * store the old answer for a whole TTL (an admin deactivates a cleaner; a list loaded meanwhile shows the
 * cleaner active for minutes). `clean` and `del` therefore mark the loads under way of the keys they match.
 * - Cached actions: each miss is a load of its own, and a marked one's answer is not stored.
 * - Direct `get` and `set` (`readThrough`): a miss opens a load of its key and `set` stores only while it is
 *   open. Tracked by key, a load begun before the change that ends after a newer load of the same key began
 *   would store its answer; `clean` therefore runs once more a request timeout later, when every load begun
 *   before it has ended.
 */
export function staleSafe<T extends CacherClass>(Cacher: T) {
	abstract class StaleSafeCacher extends Cacher {
		private readonly loading = new Set<string>();
		private readonly actionLoads = new Map<string, Set<ActionLoad>>();

		/**
		 * Moleculer's cacher middleware without a lock (moleculer/src/cachers/base.js), each miss a load of its own;
		 * through `get` and `set`, so a subclass's (the Redis cacher's outage handling) still applies.
		 */
		middlewareWithoutLock(
			ctx: { cachedResult?: boolean },
			cacheKey: string,
			handler: (ctx: unknown) => Promise<unknown>,
			opts: { ttl?: number },
		) {
			return this.get(cacheKey).then((content) => {
				if (content !== this.opts.missingResponse) {
					ctx.cachedResult = true;
					return content;
				}
				const load: ActionLoad = { stale: false };
				const loads = this.actionLoads.get(cacheKey) ?? new Set<ActionLoad>();
				this.actionLoads.set(cacheKey, loads.add(load));
				return handler(ctx)
					.then((result) => {
						if (!load.stale) void this.set(cacheKey, result, opts.ttl);
						return result;
					})
					.finally(() => {
						loads.delete(load);
						if (loads.size === 0 && this.actionLoads.get(cacheKey) === loads)
							this.actionLoads.delete(cacheKey);
					});
			});
		}

		private markStale(matches: (key: string) => boolean) {
			for (const [key, loads] of this.actionLoads) {
				if (!matches(key)) continue;
				for (const load of loads) load.stale = true;
				this.actionLoads.delete(key);
			}
		}

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
			const matches = (key: string) => patterns.some((pattern) => Utils.match(key, pattern));
			for (const key of this.loading) if (matches(key)) this.loading.delete(key);
			this.markStale(matches);
			const again = () => super.clean(match).catch(() => undefined);
			setTimeout(
				again,
				(this as unknown as CacherState).broker.options.requestTimeout || FALLBACK_TIMEOUT_MS,
			).unref();
			return super.clean(match);
		}

		override del(keys: string | string[]) {
			const deleted = Array.isArray(keys) ? keys : [keys];
			for (const key of deleted) this.loading.delete(key);
			this.markStale((key) => deleted.includes(key));
			return super.del(keys);
		}
	}
	return StaleSafeCacher;
}

/** Freezes a value and everything it holds. */
function deepFreeze<T>(value: T): T {
	if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
		Object.freeze(value);
		for (const held of Object.values(value)) deepFreeze(held);
	}
	return value;
}

/**
 * The memory cacher's copy of an answer: a deep-frozen copy to store, and a stored (so frozen) answer as it
 * is. Moleculer's `clone: true` deep-copies on every hit (10 to 15 µs an answer) so that no caller's change to
 * an answer reaches the later callers; frozen, such a change throws instead, and a hit costs nothing.
 */
function frozenCopy<T>(value: T): T {
	return Object.isFrozen(value) ? value : deepFreeze(structuredClone(value));
}

/** Moleculer's memory cacher (embedded mode), stale-safe, answering hits with a frozen copy of the answer. */
export class StaleSafeMemoryCacher extends staleSafe(Cachers.Memory) {
	constructor(options: ConstructorParameters<typeof Cachers.Memory>[0] = {}) {
		super({ ...options, clone: frozenCopy });
	}
}
