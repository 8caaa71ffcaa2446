import {
	type ComponentType,
	createContext,
	type ReactNode,
	useCallback,
	useContext,
	useEffect,
	useRef,
	useState,
} from "react";
import { type ApiClient, describeError, isRetryable } from "./api.ts";
import type { Session } from "./auth.ts";

export interface AppContextValue {
	api: ApiClient;
	session: Session;
	timeZone: string;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
	const value = useContext(AppContext);
	if (!value) throw new Error("useApp outside the signed-in app");
	return value;
}

export interface LoadState<T> {
	data?: T;
	error?: unknown;
	loading: boolean;
	reload: () => void;
}

/** Loads on mount and whenever `deps` change; `reload` loads again (after a change, or a retry). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): LoadState<T> {
	const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
	const key = JSON.stringify(deps);
	// Only the latest load may set the state: an answer that arrives after a newer one (a reload right after a
	// change) would show what the change replaced.
	const latest = useRef(0);
	// biome-ignore lint/correctness/useExhaustiveDependencies: the caller's `deps` (as `key`) decide when to load again.
	const run = useCallback(() => {
		const thisLoad = ++latest.current;
		const current = () => thisLoad === latest.current;
		setState((previous) => ({ data: previous.data, loading: true }));
		load().then(
			(data) => current() && setState({ data, loading: false }),
			(error) => current() && setState({ error, loading: false }),
		);
		return () => {
			if (current()) latest.current++;
		};
	}, [key]);
	useEffect(run, [run]);
	return { ...state, reload: run };
}

export function Loading({ what }: { what: string }) {
	return (
		<p className="loading" role="status">
			Loading {what}…
		</p>
	);
}

/** What a load shows while it has no data: its loading line, or its error with a retry. */
export function Pending({ state, what }: { state: LoadState<unknown>; what: string }) {
	return state.loading ? <Loading what={what} /> : <ErrorNote error={state.error} onRetry={state.reload} />;
}

/**
 * Loads what `form` edits, then shows it in the form. A save reloads it, and each new version starts a fresh
 * form, so the fields show what the platform stored.
 */
export function Editor<T>(props: {
	what: string;
	load: () => Promise<T>;
	form: ComponentType<{ current: T; onSaved: () => void }>;
}) {
	const state = useLoad(props.load, []);
	if (!state.data) return <Pending state={state} what={props.what} />;
	return <props.form key={JSON.stringify(state.data)} current={state.data} onSaved={state.reload} />;
}

export function Empty({ children }: { children: ReactNode }) {
	return <p className="empty">{children}</p>;
}

/** An API error as one clear sentence; a 503 (or 504, 429) offers a retry. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
	if (!error) return null;
	return (
		<div className="error" role="alert">
			<span>{describeError(error)}</span>
			{onRetry && isRetryable(error) && (
				<button type="button" onClick={onRetry}>
					Retry
				</button>
			)}
		</div>
	);
}

/** A list of cards under its heading, or a line saying it is empty. */
export function CardSection<T>(props: {
	title: string;
	empty: string;
	items: T[];
	children: (item: T) => ReactNode;
}) {
	return (
		<>
			<h2>{props.title}</h2>
			{props.items.length === 0 && <Empty>{props.empty}</Empty>}
			<ul className="cards">{props.items.map((item) => props.children(item))}</ul>
		</>
	);
}
