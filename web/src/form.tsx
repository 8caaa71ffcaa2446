/** Forms and actions: labelled fields with their 422 messages, and one action at a time. */
import {
	type FormHTMLAttributes,
	type InputHTMLAttributes,
	type ReactNode,
	useCallback,
	useId,
	useState,
} from "react";
import { fieldErrors } from "./api.ts";
import { ErrorNote } from "./ui.tsx";

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

/** A labelled text input with its 422 message beside it; `onChange` gets the new text. */
export function TextField({
	label,
	error,
	onChange,
	...input
}: {
	label: string;
	error?: string;
	value: string;
	onChange: (value: string) => void;
} & Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange" | "aria-describedby">) {
	return (
		<Field label={label} error={error}>
			{(id, describedBy) => (
				<input
					{...input}
					id={id}
					aria-describedby={describedBy}
					onChange={(event) => onChange(event.target.value)}
				/>
			)}
		</Field>
	);
}

/** A form's text values: `bind(name)` gives a TextField its value and change handler. */
export function useFields<T extends Record<string, string>>(initial: T | (() => T)) {
	const [values, setValues] = useState(initial);
	const bind = (name: keyof T & string) => ({
		value: values[name],
		onChange: (value: string) => setValues((current) => ({ ...current, [name]: value })),
	});
	return { values, setValues, bind };
}

/** Runs one action at a time: a second tap while it runs does nothing. `errors` are its 422 messages by field. */
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
	return { busy, error, errors: fieldErrors(error), setError, run };
}

export type Action = ReturnType<typeof useAction>;

/**
 * A form whose submit runs `onSubmit` as the action, then its error and the submit button (disabled while it
 * runs). The API's 422 messages stand beside the fields, so the browser's own checks are off.
 */
export function ActionForm({
	action,
	onSubmit,
	submit,
	children,
	...form
}: {
	action: Action;
	onSubmit: () => Promise<void>;
	submit: string;
	children: ReactNode;
} & Pick<FormHTMLAttributes<HTMLFormElement>, "aria-label" | "className">) {
	return (
		<form
			{...form}
			noValidate
			onSubmit={(event) => {
				event.preventDefault();
				action.run(onSubmit);
			}}
		>
			{children}
			<ErrorNote error={action.error} />
			<button type="submit" className="primary" disabled={action.busy}>
				{submit}
			</button>
		</form>
	);
}
