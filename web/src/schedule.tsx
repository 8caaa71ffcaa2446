import { useState } from "react";
import type { Operations } from "./api.ts";
import { ActionForm, TextField, useAction, useFields } from "./form.tsx";
import { formatDateTime, zonedToInstant } from "./format.ts";
import { CardSection, Editor, useApp } from "./ui.tsx";

type Cleaner = Operations["cleaners.me"]["response"];
type WeeklyHours = Cleaner["weeklyHours"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** The first 422 message about a list field or one of its entries (`timeOff[2].start`). */
function firstError(errors: Record<string, string>, field: string): string | undefined {
	const key = Object.keys(errors).find(
		(name) => name === field || name.startsWith(`${field}[`) || name.startsWith(`${field}.`),
	);
	return key && errors[key];
}

/** A cleaner's working hours (one interval a day here; empty is a day off) and time off. */
export function Schedule() {
	const { api } = useApp();
	const load = async () => (await api("cleaners.me", {})).data;
	return <Editor what="your schedule" load={load} form={ScheduleForm} />;
}

function ScheduleForm({ current: cleaner, onSaved }: { current: Cleaner; onSaved: () => void }) {
	const { api, timeZone } = useApp();
	const [hours, setHours] = useState(() =>
		Object.fromEntries(
			WEEKDAYS.map((day) => [
				day,
				{ start: cleaner.weeklyHours[day][0]?.start ?? "", end: cleaner.weeklyHours[day][0]?.end ?? "" },
			]),
		),
	);
	const timeOff = useFields({ start: "", end: "", reason: "" });
	const save = useAction();
	const away = useAction();

	const saveHours = async () => {
		const weeklyHours = Object.fromEntries(
			WEEKDAYS.map((day) => [day, hours[day].start && hours[day].end ? [hours[day]] : []]),
		) as WeeklyHours;
		await api("cleaners.updateMe", { body: { weeklyHours } });
		onSaved();
	};
	const setHour = (day: string, edge: "start" | "end") => (value: string) =>
		setHours({ ...hours, [day]: { ...hours[day], [edge]: value } });
	/** Replaces the cleaner's time off with `entries` (a new one has no id yet). */
	const replaceTimeOff = async (
		entries: Array<{ id?: string; start: string; end: string; reason: string | null }>,
	) => {
		await api("cleaners.updateMe", {
			body: { timeOff: entries.map(({ id, start, end, reason }) => ({ id, start, end, reason })) },
		});
		onSaved();
	};
	const addTimeOff = () => {
		const { start, end, reason } = timeOff.values;
		return replaceTimeOff([
			...cleaner.timeOff,
			{
				start: start && zonedToInstant(start, timeZone),
				end: end && zonedToInstant(end, timeZone),
				reason: reason || null,
			},
		]);
	};

	return (
		<section>
			<h1>Schedule</h1>
			<ActionForm action={save} onSubmit={saveHours} submit="Save working hours" aria-label="Working hours">
				<h2>Working hours</h2>
				{WEEKDAYS.map((day) => (
					<div className="grid" key={day}>
						<TextField
							label={`${day} from`}
							type="time"
							error={firstError(save.errors, `weeklyHours.${day}`)}
							value={hours[day].start}
							onChange={setHour(day, "start")}
						/>
						<TextField
							label={`${day} until`}
							type="time"
							value={hours[day].end}
							onChange={setHour(day, "end")}
						/>
					</div>
				))}
			</ActionForm>
			<CardSection title="Time off" empty="No time off planned." items={cleaner.timeOff}>
				{(entry) => (
					<li className="card" key={entry.id}>
						{formatDateTime(entry.start, timeZone)} – {formatDateTime(entry.end, timeZone)}
						{entry.reason && <div className="note">{entry.reason}</div>}
						<button
							type="button"
							disabled={away.busy}
							onClick={() =>
								away.run(() => replaceTimeOff(cleaner.timeOff.filter((other) => other.id !== entry.id)))
							}
						>
							Remove
						</button>
					</li>
				)}
			</CardSection>
			<ActionForm action={away} onSubmit={addTimeOff} submit="Add time off" aria-label="Add time off">
				<TextField
					label="Away from"
					type="datetime-local"
					error={firstError(away.errors, "timeOff")}
					{...timeOff.bind("start")}
				/>
				<TextField label="Back at" type="datetime-local" {...timeOff.bind("end")} />
				<TextField label="Reason" {...timeOff.bind("reason")} />
			</ActionForm>
		</section>
	);
}
