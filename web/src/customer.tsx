import { useMemo, useState } from "react";
import { isTimeGone, type Operations } from "./api.ts";
import { ActionForm, Field, TextField, useAction, useFields } from "./form.tsx";
import { addDays, dayLabel, formatDateTime, formatMoney, formatTime, todayIn } from "./format.ts";
import { CardSection, Empty, ErrorNote, Loading, type LoadState, Pending, useApp, useLoad } from "./ui.tsx";

type Vehicle = Operations["vehicles.list"]["response"]["items"][number];
type Booking = Operations["bookings.list"]["response"]["items"][number];
type SizeClass = Vehicle["sizeClass"];
const SIZE_CLASSES: SizeClass[] = ["small", "medium", "large", "van"];
const NEW_VEHICLE = { plate: "", make: "", model: "", year: "", sizeClass: "medium" as SizeClass };
/** How many days ahead a customer can pick from. */
const BOOKABLE_DAYS = 14;

function useDays(): string[] {
	const { timeZone } = useApp();
	return useMemo(() => {
		const today = todayIn(timeZone);
		return Array.from({ length: BOOKABLE_DAYS }, (_, index) => addDays(today, index));
	}, [timeZone]);
}

/** The customer's vehicles: all of them, as a customer has far fewer than the page limit. */
function useVehicles() {
	const { api } = useApp();
	return useLoad(async () => (await api("vehicles.list", { query: { limit: 100 } })).data.items, []);
}

export function Book() {
	const { api, timeZone } = useApp();
	const vehicles = useVehicles();
	const catalog = useLoad(async () => (await api("catalog.list", {})).data.items, []);
	const days = useDays();
	const [vehicleId, setVehicleId] = useState("");
	const [serviceType, setServiceType] = useState("");
	const [day, setDay] = useState(days[1]);
	const [start, setStart] = useState("");
	const [booked, setBooked] = useState<Booking>();
	const booking = useAction();

	const vehicle = vehicles.data?.find((candidate) => candidate.id === vehicleId) ?? vehicles.data?.[0];
	const service = catalog.data?.find((candidate) => candidate.code === serviceType);
	const availability = useLoad(async () => {
		if (!vehicle || !service) return undefined;
		return (
			await api("availability.search", {
				query: { vehicleId: vehicle.id, serviceType: service.code, date: day },
			})
		).data;
	}, [vehicle?.id, service?.code, day]);
	// One key per choice: a double tap, or a retry after a lost answer, replays the same booking.
	// biome-ignore lint/correctness/useExhaustiveDependencies: a new choice is a new booking.
	const idempotencyKey = useMemo(() => crypto.randomUUID(), [vehicle?.id, service?.code, start]);

	if (!vehicles.data) return <Pending state={vehicles} what="your vehicles" />;
	if (vehicles.data.length === 0)
		return (
			<section>
				<h1>Book a cleaning</h1>
				<Empty>Add your vehicle first.</Empty>
				<AddVehicle onAdded={vehicles.reload} />
			</section>
		);

	const book = () =>
		booking.run(async () => {
			if (!vehicle || !service || !start) return;
			try {
				const result = await api("bookings.create", {
					body: { vehicleId: vehicle.id, serviceType: service.code, start },
					headers: { "Idempotency-Key": idempotencyKey },
				});
				setBooked(result.data);
				setStart("");
			} catch (error) {
				if (isTimeGone(error)) setStart("");
				throw error;
			} finally {
				availability.reload();
			}
		});

	return (
		<section>
			<h1>Book a cleaning</h1>
			<Field label="Vehicle">
				{(id) => (
					<select id={id} value={vehicle?.id} onChange={(event) => setVehicleId(event.target.value)}>
						{vehicles.data?.map((candidate) => (
							<option key={candidate.id} value={candidate.id}>
								{candidate.plate} · {candidate.make} {candidate.model} ({candidate.sizeClass})
							</option>
						))}
					</select>
				)}
			</Field>
			<fieldset>
				<legend>Service</legend>
				{catalog.loading && !catalog.data && <Loading what="the services" />}
				<ErrorNote error={catalog.error} onRetry={catalog.reload} />
				{catalog.data?.map((candidate) => (
					<label key={candidate.code} className="choice">
						<input
							type="radio"
							name="service"
							value={candidate.code}
							checked={candidate.code === service?.code}
							onChange={() => {
								setServiceType(candidate.code);
								setStart("");
							}}
						/>
						<span>{candidate.name}</span>
						{vehicle && (
							<span className="price">
								{formatMoney(candidate.pricesMinor[vehicle.sizeClass], candidate.currency)}
							</span>
						)}
					</label>
				))}
			</fieldset>
			<fieldset className="days">
				<legend>Day</legend>
				{days.map((candidate) => (
					<button
						type="button"
						key={candidate}
						aria-pressed={candidate === day}
						onClick={() => {
							setDay(candidate);
							setStart("");
						}}
					>
						{dayLabel(candidate)}
					</button>
				))}
			</fieldset>
			{service && (
				<FreeTimes
					state={availability}
					timeZone={timeZone}
					selected={start}
					onSelect={(chosen) => {
						setStart(chosen);
						setBooked(undefined);
					}}
				/>
			)}
			<ErrorNote error={booking.error} onRetry={book} />
			{availability.data && (
				<p className="summary">
					{formatMoney(availability.data.price.amountMinor, availability.data.price.currency)} ·{" "}
					{availability.data.durationMinutes} min
				</p>
			)}
			<button type="button" className="primary" disabled={!start || booking.busy} onClick={book}>
				{booking.busy ? "Booking…" : "Book this time"}
			</button>
			{booked && (
				<p className="success" role="status">
					Booked: {service?.name ?? booked.serviceType} on {formatDateTime(booked.start, timeZone)} for{" "}
					{formatMoney(booked.price.amountMinor, booked.price.currency)}.
				</p>
			)}
		</section>
	);
}

function FreeTimes(props: {
	state: LoadState<{ date: string; slots: Array<{ start: string }> } | undefined>;
	timeZone: string;
	selected: string;
	onSelect: (start: string) => void;
}) {
	const { state } = props;
	// Never the times of the day picked before while the new one loads.
	if (state.loading) return <Loading what="free times" />;
	if (state.error) return <ErrorNote error={state.error} onRetry={state.reload} />;
	if (!state.data) return null;
	if (state.data.slots.length === 0) return <Empty>No free times on this day. Try another day.</Empty>;
	return (
		<fieldset className="slots" data-day={state.data.date}>
			<legend>Free times</legend>
			{state.data.slots.map((slot) => (
				<button
					type="button"
					key={slot.start}
					aria-pressed={slot.start === props.selected}
					onClick={() => props.onSelect(slot.start)}
				>
					{formatTime(slot.start, props.timeZone)}
				</button>
			))}
		</fieldset>
	);
}

export function MyBookings() {
	const { api } = useApp();
	const bookings = useLoad(
		async () => (await api("bookings.list", { query: { limit: 100 } })).data.items,
		[],
	);
	if (!bookings.data) return <Pending state={bookings} what="your bookings" />;
	const items = [...bookings.data].sort((a, b) => a.start.localeCompare(b.start));
	const upcoming = items.filter((item) => item.status === "confirmed" || item.status === "in_progress");
	const past = items.filter((item) => !upcoming.includes(item)).reverse();
	const card = (item: Booking) => <BookingCard key={item.id} booking={item} onChange={bookings.reload} />;
	return (
		<section>
			<h1>My bookings</h1>
			<CardSection title="Upcoming" empty="Nothing booked yet." items={upcoming}>
				{card}
			</CardSection>
			<CardSection title="Past" empty="No past bookings." items={past}>
				{card}
			</CardSection>
		</section>
	);
}

function BookingCard({ booking, onChange }: { booking: Booking; onChange: () => void }) {
	const { api, timeZone } = useApp();
	const action = useAction();
	const [rescheduling, setRescheduling] = useState(false);
	const cancel = () =>
		action.run(async () => {
			await api("bookings.cancel", { path: { id: booking.id } });
			onChange();
		});
	return (
		<li className="card" data-booking={booking.id}>
			<strong>{formatDateTime(booking.start, timeZone)}</strong> · {booking.serviceType}
			<div>
				{booking.vehicle.plate} · {formatMoney(booking.price.amountMinor, booking.price.currency)} ·{" "}
				<span className={`status ${booking.status}`}>{booking.status.replace("_", " ")}</span>
			</div>
			{booking.cancellation?.late && booking.cancellation.feeMinor !== null && (
				<div className="note">
					Late cancellation: a fee of {formatMoney(booking.cancellation.feeMinor, booking.price.currency)}{" "}
					applies.
				</div>
			)}
			{booking.rating && <div className="note">Rated {booking.rating.score} of 5</div>}
			<ErrorNote error={action.error} onRetry={cancel} />
			{booking.status === "confirmed" && (
				<div className="row">
					<button type="button" disabled={action.busy} onClick={cancel}>
						Cancel
					</button>
					<button type="button" onClick={() => setRescheduling(!rescheduling)}>
						Reschedule
					</button>
				</div>
			)}
			{rescheduling && (
				<Reschedule
					booking={booking}
					onDone={() => {
						setRescheduling(false);
						onChange();
					}}
				/>
			)}
			{booking.status === "completed" && !booking.rating && <Rate booking={booking} onDone={onChange} />}
		</li>
	);
}

function Reschedule({ booking, onDone }: { booking: Booking; onDone: () => void }) {
	const { api, timeZone } = useApp();
	const days = useDays();
	const [day, setDay] = useState(days[1]);
	const [start, setStart] = useState("");
	const action = useAction();
	const times = useLoad(
		async () =>
			(
				await api("availability.search", {
					query: { vehicleId: booking.vehicle.id, serviceType: booking.serviceType, date: day },
				})
			).data,
		[day],
	);
	const move = () =>
		action.run(async () => {
			try {
				await api("bookings.reschedule", { path: { id: booking.id }, body: { start } });
				onDone();
			} catch (error) {
				if (isTimeGone(error)) {
					setStart("");
					times.reload();
				}
				throw error;
			}
		});
	return (
		<div className="reschedule">
			<Field label="New day">
				{(id) => (
					<select id={id} value={day} onChange={(event) => setDay(event.target.value)}>
						{days.map((candidate) => (
							<option key={candidate} value={candidate}>
								{dayLabel(candidate)}
							</option>
						))}
					</select>
				)}
			</Field>
			<FreeTimes state={times} timeZone={timeZone} selected={start} onSelect={setStart} />
			<ErrorNote error={action.error} onRetry={move} />
			<button type="button" className="primary" disabled={!start || action.busy} onClick={move}>
				Move booking
			</button>
		</div>
	);
}

function Rate({ booking, onDone }: { booking: Booking; onDone: () => void }) {
	const { api } = useApp();
	const [score, setScore] = useState(5);
	const [comment, setComment] = useState("");
	const action = useAction();
	const rate = () =>
		action.run(async () => {
			await api("bookings.rate", {
				path: { id: booking.id },
				body: { score, ...(comment && { comment }) },
			});
			onDone();
		});
	return (
		<div className="rate">
			<Field label="Your rating" error={action.errors.score}>
				{(id, describedBy) => (
					<select
						id={id}
						aria-describedby={describedBy}
						value={score}
						onChange={(event) => setScore(Number(event.target.value))}
					>
						{[5, 4, 3, 2, 1].map((value) => (
							<option key={value} value={value}>
								{value} of 5
							</option>
						))}
					</select>
				)}
			</Field>
			<TextField label="Comment" error={action.errors.comment} value={comment} onChange={setComment} />
			<ErrorNote error={action.error} onRetry={rate} />
			<button type="button" className="primary" disabled={action.busy} onClick={rate}>
				Rate
			</button>
		</div>
	);
}

export function Vehicles() {
	const vehicles = useVehicles();
	return (
		<section>
			<h1>Vehicles</h1>
			{vehicles.loading && !vehicles.data && <Loading what="your vehicles" />}
			<ErrorNote error={vehicles.error} onRetry={vehicles.reload} />
			{vehicles.data?.length === 0 && <Empty>No vehicles yet.</Empty>}
			<ul className="cards">
				{vehicles.data?.map((vehicle) => (
					<VehicleCard key={vehicle.id} vehicle={vehicle} onChange={vehicles.reload} />
				))}
			</ul>
			<AddVehicle onAdded={vehicles.reload} />
		</section>
	);
}

function VehicleCard({ vehicle, onChange }: { vehicle: Vehicle; onChange: () => void }) {
	const { api } = useApp();
	const action = useAction();
	return (
		<li className="card">
			<strong>{vehicle.plate}</strong> · {vehicle.make} {vehicle.model}
			<div className="note">{vehicle.history.cleanings} cleanings</div>
			<Field label={`Size class of ${vehicle.plate}`}>
				{(id) => (
					<select
						id={id}
						value={vehicle.sizeClass}
						disabled={action.busy}
						onChange={(event) =>
							action.run(async () => {
								await api("vehicles.update", {
									path: { id: vehicle.id },
									body: { sizeClass: event.target.value as SizeClass },
								});
								onChange();
							})
						}
					>
						{SIZE_CLASSES.map((size) => (
							<option key={size}>{size}</option>
						))}
					</select>
				)}
			</Field>
			<ErrorNote error={action.error} />
			<button
				type="button"
				disabled={action.busy}
				onClick={() =>
					action.run(async () => {
						await api("vehicles.remove", { path: { id: vehicle.id } });
						onChange();
					})
				}
			>
				Remove
			</button>
		</li>
	);
}

function AddVehicle({ onAdded }: { onAdded: () => void }) {
	const { api } = useApp();
	const { values, setValues, bind } = useFields(NEW_VEHICLE);
	const action = useAction();
	const { errors } = action;
	const add = async () => {
		await api("vehicles.create", {
			body: {
				plate: values.plate,
				make: values.make,
				model: values.model,
				sizeClass: values.sizeClass,
				...(values.year !== "" && { year: Number(values.year) }),
			},
		});
		setValues(NEW_VEHICLE);
		onAdded();
	};
	const text = (name: "plate" | "make" | "model" | "year", label: string) => (
		<TextField
			label={label}
			error={errors[name]}
			name={name}
			inputMode={name === "year" ? "numeric" : undefined}
			aria-invalid={errors[name] ? true : undefined}
			{...bind(name)}
		/>
	);
	return (
		<ActionForm action={action} onSubmit={add} submit="Add vehicle" className="add-vehicle">
			<h2>Add a vehicle</h2>
			{text("plate", "Plate")}
			{text("make", "Make")}
			{text("model", "Model")}
			{text("year", "Year")}
			<Field label="Size class" error={errors.sizeClass}>
				{(id) => (
					<select
						id={id}
						value={values.sizeClass}
						onChange={(event) => setValues({ ...values, sizeClass: event.target.value as SizeClass })}
					>
						{SIZE_CLASSES.map((size) => (
							<option key={size}>{size}</option>
						))}
					</select>
				)}
			</Field>
		</ActionForm>
	);
}
