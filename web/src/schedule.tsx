import { useState } from "react";
import { fieldErrors, type Operations } from "./api.ts";
import { formatDateTime, zonedToInstant } from "./format.ts";
import { Empty, ErrorNote, Field, Loading, useAction, useApp, useLoad } from "./ui.tsx";

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
	const me = useLoad(async () => (await api("cleaners.me", {})).data, []);
	if (me.loading && !me.data) return <Loading what="your schedule" />;
	if (me.error || !me.data) return <ErrorNote error={me.error} onRetry={me.reload} />;
	return <ScheduleForm key={me.data.updatedAt} cleaner={me.data} onSaved={me.reload} />;
}

function ScheduleForm({ cleaner, onSaved }: { cleaner: Cleaner; onSaved: () => void }) {
	const { api, timeZone } = useApp();
	const [hours, setHours] = useState(() =>
		Object.fromEntries(
			WEEKDAYS.map((day) => [
				day,
				{ start: cleaner.weeklyHours[day][0]?.start ?? "", end: cleaner.weeklyHours[day][0]?.end ?? "" },
			]),
		),
	);
	const [timeOff, setTimeOff] = useState({ start: "", end: "", reason: "" });
	const save = useAction();
	const away = useAction();
	const errors = fieldErrors(save.error);
	const awayErrors = fieldErrors(away.error);

	const saveHours = (event: React.FormEvent) => {
		event.preventDefault();
		save.run(async () => {
			const weeklyHours = Object.fromEntries(
				WEEKDAYS.map((day) => [day, hours[day].start && hours[day].end ? [hours[day]] : []]),
			) as WeeklyHours;
			await api("cleaners.updateMe", { body: { weeklyHours } });
			onSaved();
		});
	};
	const replaceTimeOff = (entries: Cleaner["timeOff"]) =>
		api("cleaners.updateMe", {
			body: { timeOff: entries.map(({ id, start, end, reason }) => ({ id, start, end, reason })) },
		});
	const addTimeOff = (event: React.FormEvent) => {
		event.preventDefault();
		away.run(async () => {
			const entry = {
				start: timeOff.start && zonedToInstant(timeOff.start, timeZone),
				end: timeOff.end && zonedToInstant(timeOff.end, timeZone),
				reason: timeOff.reason || null,
			};
			await api("cleaners.updateMe", {
				body: {
					timeOff: [
						...cleaner.timeOff.map(({ id, start, end, reason }) => ({ id, start, end, reason })),
						entry,
					],
				},
			});
			onSaved();
		});
	};

	return (
		<section>
			<h1>Schedule</h1>
			<form onSubmit={saveHours} noValidate aria-label="Working hours">
				<h2>Working hours</h2>
				{WEEKDAYS.map((day) => (
					<div className="grid" key={day}>
						<Field label={`${day} from`} error={firstError(errors, `weeklyHours.${day}`)}>
							{(id, describedBy) => (
								<input
									id={id}
									type="time"
									aria-describedby={describedBy}
									value={hours[day].start}
									onChange={(event) =>
										setHours({ ...hours, [day]: { ...hours[day], start: event.target.value } })
									}
								/>
							)}
						</Field>
						<Field label={`${day} until`}>
							{(id) => (
								<input
									id={id}
									type="time"
									value={hours[day].end}
									onChange={(event) =>
										setHours({ ...hours, [day]: { ...hours[day], end: event.target.value } })
									}
								/>
							)}
						</Field>
					</div>
				))}
				<ErrorNote error={save.error} />
				<button type="submit" className="primary" disabled={save.busy}>
					Save working hours
				</button>
			</form>
			<h2>Time off</h2>
			{cleaner.timeOff.length === 0 && <Empty>No time off planned.</Empty>}
			<ul className="cards">
				{cleaner.timeOff.map((entry) => (
					<li className="card" key={entry.id}>
						{formatDateTime(entry.start, timeZone)} – {formatDateTime(entry.end, timeZone)}
						{entry.reason && <div className="note">{entry.reason}</div>}
						<button
							type="button"
							disabled={away.busy}
							onClick={() =>
								away.run(async () => {
									await replaceTimeOff(cleaner.timeOff.filter((other) => other.id !== entry.id));
									onSaved();
								})
							}
						>
							Remove
						</button>
					</li>
				))}
			</ul>
			<form onSubmit={addTimeOff} noValidate aria-label="Add time off">
				<Field label="Away from" error={firstError(awayErrors, "timeOff")}>
					{(id, describedBy) => (
						<input
							id={id}
							type="datetime-local"
							aria-describedby={describedBy}
							value={timeOff.start}
							onChange={(event) => setTimeOff({ ...timeOff, start: event.target.value })}
						/>
					)}
				</Field>
				<Field label="Back at">
					{(id) => (
						<input
							id={id}
							type="datetime-local"
							value={timeOff.end}
							onChange={(event) => setTimeOff({ ...timeOff, end: event.target.value })}
						/>
					)}
				</Field>
				<Field label="Reason">
					{(id) => (
						<input
							id={id}
							value={timeOff.reason}
							onChange={(event) => setTimeOff({ ...timeOff, reason: event.target.value })}
						/>
					)}
				</Field>
				<ErrorNote error={away.error} />
				<button type="submit" className="primary" disabled={away.busy}>
					Add time off
				</button>
			</form>
		</section>
	);
}
