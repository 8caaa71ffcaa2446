/** One user's hold on a shared resource. */
export interface Hold<R> {
	readonly resource: R;
	/** Lets go of the resource, once however often called; the last user's release closes it. */
	release(): Promise<void>;
}

/**
 * Resources shared by every user of the same key in the process: opened by the first user, closed by the last
 * (a database's pool shared by the services that own it, the consumers' and relay's sessions on it). A key
 * taken again after its close opens a new resource.
 */
export function sharedResources<K, R>(close: (resource: R) => Promise<void>) {
	const held = new Map<K, { resource: R; users: number }>();
	return function hold(key: K, open: () => R): Hold<R> {
		let entry = held.get(key);
		if (!entry) {
			entry = { resource: open(), users: 0 };
			held.set(key, entry);
		}
		entry.users++;
		const shared = entry;
		let released = false;
		return {
			resource: shared.resource,
			async release() {
				if (released) return;
				released = true;
				if (--shared.users > 0) return;
				if (held.get(key) === shared) held.delete(key);
				await close(shared.resource);
			},
		};
	};
}
