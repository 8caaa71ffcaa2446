import { useState } from "react";
import type { Operations } from "./api.ts";
import { formatDateTime, formatTime, todayIn } from "./format.ts";
import { Empty, ErrorNote, Loading, useAction, useApp, useLoad } from "./ui.tsx";

type Job = Operations["cleaners.agenda"]["response"]["items"][number];

/** Today's jobs, then the week ahead (the agenda's default window), from the cleaner's read model. */
export function Agenda() {
	const { api, timeZone } = useApp();
	const agenda = useLoad(async () => (await api("cleaners.agenda", {})).data.items, []);
	if (agenda.loading && !agenda.data) return <Loading what="your agenda" />;
	if (agenda.error) return <ErrorNote error={agenda.error} onRetry={agenda.reload} />;
	const today = todayIn(timeZone);
	const jobs = (agenda.data ?? []).filter((job) => job.status !== "cancelled");
	const todays = jobs.filter((job) => todayIn(timeZone, new Date(job.start)) === today);
	const later = jobs.filter((job) => !todays.includes(job));
	return (
		<section>
			<h1>Agenda</h1>
			<button type="button" onClick={agenda.reload}>
				Refresh
			</button>
			<h2>Today</h2>
			{todays.length === 0 && <Empty>No jobs today.</Empty>}
			<ul className="cards">
				{todays.map((job) => (
					<JobCard
						key={job.bookingId}
						job={job}
						when={formatTime(job.start, timeZone)}
						onChange={agenda.reload}
					/>
				))}
			</ul>
			<h2>The week ahead</h2>
			{later.length === 0 && <Empty>Nothing booked this week.</Empty>}
			<ul className="cards">
				{later.map((job) => (
					<JobCard
						key={job.bookingId}
						job={job}
						when={formatDateTime(job.start, timeZone)}
						onChange={agenda.reload}
					/>
				))}
			</ul>
		</section>
	);
}

function JobCard({ job, when, onChange }: { job: Job; when: string; onChange: () => void }) {
	const { api } = useApp();
	const action = useAction();
	const [status, setStatus] = useState(job.status);
	const step = (operation: "bookings.start" | "bookings.complete") =>
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
			{status === "confirmed" && (
				<button
					type="button"
					className="primary"
					disabled={action.busy}
					onClick={() => step("bookings.start")}
				>
					Start
				</button>
			)}
			{status === "in_progress" && (
				<button
					type="button"
					className="primary"
					disabled={action.busy}
					onClick={() => step("bookings.complete")}
				>
					Complete
				</button>
			)}
		</li>
	);
}
