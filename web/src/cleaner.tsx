import { useState } from "react";
import type { Operations } from "./api.ts";
import { useAction } from "./form.tsx";
import { formatDateTime, formatTime, todayIn } from "./format.ts";
import { CardSection, ErrorNote, Pending, useApp, useLoad } from "./ui.tsx";

type Job = Operations["cleaners.agenda"]["response"]["items"][number];
interface Step {
	operation: "bookings.start" | "bookings.complete";
	label: string;
}
/** What a cleaner does next with a job in each status; a job in any other status is done with. */
const NEXT_STEP: Partial<Record<Job["status"], Step>> = {
	confirmed: { operation: "bookings.start", label: "Start" },
	in_progress: { operation: "bookings.complete", label: "Complete" },
};

/** Today's jobs, then the week ahead (the agenda's default window), from the cleaner's read model. */
export function Agenda() {
	const { api, timeZone } = useApp();
	const agenda = useLoad(async () => (await api("cleaners.agenda", {})).data.items, []);
	if (!agenda.data) return <Pending state={agenda} what="your agenda" />;
	const today = todayIn(timeZone);
	const jobs = agenda.data.filter((job) => job.status !== "cancelled");
	const todays = jobs.filter((job) => todayIn(timeZone, new Date(job.start)) === today);
	const later = jobs.filter((job) => !todays.includes(job));
	/** A job's card, its start shown by `when` (the time alone today, with the day later in the week). */
	const card = (when: (iso: string, timeZone: string) => string) => (job: Job) => (
		<JobCard key={job.bookingId} job={job} when={when(job.start, timeZone)} onChange={agenda.reload} />
	);
	return (
		<section>
			<h1>Agenda</h1>
			<button type="button" onClick={agenda.reload}>
				Refresh
			</button>
			<CardSection title="Today" empty="No jobs today." items={todays}>
				{card(formatTime)}
			</CardSection>
			<CardSection title="The week ahead" empty="Nothing booked this week." items={later}>
				{card(formatDateTime)}
			</CardSection>
		</section>
	);
}

function JobCard({ job, when, onChange }: { job: Job; when: string; onChange: () => void }) {
	const { api } = useApp();
	const action = useAction();
	const [status, setStatus] = useState(job.status);
	const next = NEXT_STEP[status];
	const step = (operation: Step["operation"]) =>
		action.run(async () => {
			const result = await api(operation, { path: { id: job.bookingId } });
			setStatus(result.data.status);
			onChange();
		});
	return (
		<li className="card" data-booking={job.bookingId}>
			<strong>{when}</strong> · {job.serviceType}
			<div>
				{job.vehicle.plate} ({job.vehicle.sizeClass}) ·{" "}
				<span className={`status ${status}`}>{status.replace("_", " ")}</span>
			</div>
			{job.notes && <div className="note">{job.notes}</div>}
			<ErrorNote error={action.error} />
			{next && (
				<button type="button" className="primary" disabled={action.busy} onClick={() => step(next.operation)}>
					{next.label}
				</button>
			)}
		</li>
	);
}
