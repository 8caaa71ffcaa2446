import {
	createContext,
	type ReactNode,
	useCallback,
	useContext,
	useEffect,
	useId,
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

/** Loads on mount and whenever `deps` change; `reload` loads again (after a change, or a retry). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
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

/** A labelled input with its 422 message beside it. */
export function Field(props: {
	label: string;
	error?: string;
	children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
	const id = useId();
	const errorId = `${id}-error`;
	return (
		<div className={props.error ? "field invalid" : "field"}>
			<label htmlFor={id}>{props.label}</label>
			{props.children(id, props.error ? errorId : undefined)}
			{props.error && (
				<span className="field-error" id={errorId}>
					{props.error}
				</span>
			)}
		</div>
	);
}

/** Runs one action at a time: a second tap while it runs does nothing. */
export function useAction() {
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState<unknown>();
	const run = useCallback(async (action: () => Promise<void>) => {
		setBusy(true);
		setError(undefined);
		try {
			await action();
		} catch (failure) {
			setError(failure);
		} finally {
			setBusy(false);
		}
	}, []);
	return { busy, error, setError, run };
}
