import { useState } from "react";
import type { Operations } from "./api.ts";
import { ActionForm, Field, TextField, useAction, useFields } from "./form.tsx";
import { formatDateTime, formatMoney } from "./format.ts";
import { Editor, Empty, ErrorNote, Loading, Pending, useApp, useLoad } from "./ui.tsx";

type Service = Operations["catalog.list"]["response"]["items"][number];
type Prices = Service["pricesMinor"];
type SettingsValues = Operations["configuration.list"]["response"]["settings"];
type BookingStatus = NonNullable<Operations["bookings.list"]["query"]["status"]>;
const SIZE_CLASSES = ["small", "medium", "large", "van"] as const;

export function Catalog() {
	const { api } = useApp();
	const catalog = useLoad(
		async () => (await api("catalog.list", { query: { includeInactive: true } })).data.items,
		[],
	);
	const [saved, setSaved] = useState<string>();
	if (!catalog.data) return <Pending state={catalog} what="the catalog" />;
	return (
		<section>
			<h1>Catalog</h1>
			{catalog.data.length === 0 && <Empty>No services yet.</Empty>}
			<ul className="cards">
				{catalog.data.map((service) => (
					<PriceEditor
						key={`${service.code}-${service.updatedAt}`}
						service={service}
						saved={saved === service.code}
						onSaved={() => {
							setSaved(service.code);
							catalog.reload();
						}}
					/>
				))}
			</ul>
		</section>
	);
}

/** Prices are edited in major units (12.50) and sent as integer minor units. */
function PriceEditor({ service, saved, onSaved }: { service: Service; saved: boolean; onSaved: () => void }) {
	const { api } = useApp();
	const prices = useFields(() =>
		Object.fromEntries(SIZE_CLASSES.map((size) => [size, (service.pricesMinor[size] / 100).toFixed(2)])),
	);
	const action = useAction();
	const save = (event: React.FormEvent) => {
		event.preventDefault();
		action.run(async () => {
			const pricesMinor = Object.fromEntries(
				SIZE_CLASSES.map((size) => [size, Math.round(Number(prices.values[size]) * 100)]),
			) as Prices;
			await api("catalog.update", { path: { code: service.code }, body: { pricesMinor } });
			onSaved();
		});
	};
	return (
		<li className="card">
			<form onSubmit={save} aria-label={`Prices of ${service.name}`}>
				<strong>{service.name}</strong>{" "}
				{!service.active && <span className="status cancelled">inactive</span>}
				<div className="grid">
					{SIZE_CLASSES.map((size) => (
						<TextField
							key={size}
							label={`${size} (${service.currency})`}
							error={action.errors[`pricesMinor.${size}`]}
							inputMode="decimal"
							{...prices.bind(size)}
						/>
					))}
				</div>
				<ErrorNote error={action.error} />
				{saved && (
					<p className="success" role="status">
						Prices of {service.name} saved.
					</p>
				)}
				<button type="submit" disabled={action.busy}>
					Save prices
				</button>
			</form>
		</li>
	);
}

export function Cleaners() {
	const { api } = useApp();
	const cleaners = useLoad(async () => (await api("cleaners.find", {})).data.items, []);
	const action = useAction();
	if (!cleaners.data) return <Pending state={cleaners} what="the cleaners" />;
	return (
		<section>
			<h1>Cleaners</h1>
			<ErrorNote error={action.error} />
			<AddCleaner onAdded={cleaners.reload} />
			{cleaners.data.length === 0 && <Empty>No cleaners yet.</Empty>}
			<ul className="cards">
				{cleaners.data.map((cleaner) => (
					<li className="card" key={cleaner.id}>
						<strong>{cleaner.displayName}</strong> · {cleaner.skills.join(", ")}
						<div>
							<span className={`status ${cleaner.active ? "confirmed" : "cancelled"}`}>
								{cleaner.active ? "active" : "inactive"}
							</span>{" "}
							· rating {cleaner.rating.average?.toFixed(1) ?? "none"} ({cleaner.rating.count})
						</div>
						<button
							type="button"
							disabled={action.busy}
							onClick={() =>
								action.run(async () => {
									const operation = cleaner.active ? "cleaners.deactivate" : "cleaners.activate";
									await api(operation, { path: { id: cleaner.id } });
									cleaners.reload();
								})
							}
						>
							{cleaner.active ? `Deactivate ${cleaner.displayName}` : `Activate ${cleaner.displayName}`}
						</button>
					</li>
				))}
			</ul>
		</section>
	);
}

export function Settings() {
	const { api } = useApp();
	const load = async () => (await api("configuration.list", {})).data.settings;
	return <Editor what="the settings" load={load} form={SettingsForm} />;
}

const SETTING_LABELS: Record<keyof SettingsValues, string> = {
	slotGranularityMinutes: "Slot granularity (minutes)",
	travelBufferMinutes: "Travel buffer (minutes)",
	cancellationCutoffHours: "Cancellation cut-off (hours)",
	lateCancellationFeePercent: "Late cancellation fee (%)",
	timeZone: "Time zone",
	availabilityCacheTtlSeconds: "Availability cache TTL (seconds)",
	reminderLeadHours: "Reminder e-mail before a job (hours)",
};

function SettingsForm({ current, onSaved }: { current: SettingsValues; onSaved: () => void }) {
	const { api } = useApp();
	const fields = useFields(() =>
		Object.fromEntries(Object.entries(current).map(([key, value]) => [key, String(value)])),
	);
	const action = useAction();
	const save = async () => {
		const changed = Object.fromEntries(
			Object.entries(fields.values)
				.filter(([key, value]) => value !== String(current[key as keyof SettingsValues]))
				.map(([key, value]) => [key, key === "timeZone" ? value : Number(value)]),
		);
		await api("configuration.update", { body: changed });
		onSaved();
	};
	return (
		<section>
			<h1>Settings</h1>
			<ActionForm action={action} onSubmit={save} submit="Save settings">
				{(Object.keys(SETTING_LABELS) as Array<keyof SettingsValues>).map((key) => (
					<TextField key={key} label={SETTING_LABELS[key]} error={action.errors[key]} {...fields.bind(key)} />
				))}
			</ActionForm>
		</section>
	);
}

export function AdminBookings() {
	const { api, timeZone } = useApp();
	const [status, setStatus] = useState<BookingStatus | "">("");
	const bookings = useLoad(
		async () => (await api("bookings.list", { query: { limit: 50, ...(status && { status }) } })).data,
		[status],
	);
	return (
		<section>
			<h1>Bookings</h1>
			<Field label="Status">
				{(id) => (
					<select id={id} value={status} onChange={(event) => setStatus(event.target.value as BookingStatus)}>
						<option value="">any</option>
						{(["confirmed", "in_progress", "completed", "cancelled"] as const).map((value) => (
							<option key={value} value={value}>
								{value.replace("_", " ")}
							</option>
						))}
					</select>
				)}
			</Field>
			{bookings.loading && !bookings.data && <Loading what="bookings" />}
			<ErrorNote error={bookings.error} onRetry={bookings.reload} />
			{bookings.data?.items.length === 0 && <Empty>No bookings match.</Empty>}
			{bookings.data && <p>{bookings.data.total} bookings</p>}
			<ul className="cards">
				{bookings.data?.items.map((booking) => (
					<li className="card" key={booking.id}>
						<strong>{formatDateTime(booking.start, timeZone)}</strong> · {booking.serviceType} ·{" "}
						{booking.vehicle.plate}
						<div>
							{formatMoney(booking.price.amountMinor, booking.price.currency)} ·{" "}
							<span className={`status ${booking.status}`}>{booking.status.replace("_", " ")}</span>
						</div>
					</li>
				))}
			</ul>
		</section>
	);
}

const OFFICE_HOURS = [{ start: "09:00", end: "17:00" }];
const NEW_CLEANER = {
	displayName: "",
	subject: "",
	skills: "exterior-wash, interior-clean",
	latitude: "",
	longitude: "",
	radiusKm: "10",
};

/** A new cleaner works Monday to Friday, 09:00 to 17:00, until they change their own hours. */
function AddCleaner({ onAdded }: { onAdded: () => void }) {
	const { api } = useApp();
	const { values, setValues, bind } = useFields(NEW_CLEANER);
	const [open, setOpen] = useState(false);
	const action = useAction();
	if (!open)
		return (
			<button type="button" onClick={() => setOpen(true)}>
				New cleaner
			</button>
		);
	const fields = [
		["displayName", "Name"],
		["subject", "Login subject (from the identity provider)"],
		["skills", "Skills (service codes, comma-separated)"],
		["latitude", "Home base latitude"],
		["longitude", "Home base longitude"],
		["radiusKm", "Radius (km)"],
	] as const;
	const create = async () => {
		await api("cleaners.create", {
			body: {
				displayName: values.displayName,
				subject: values.subject,
				skills: values.skills
					.split(",")
					.map((skill) => skill.trim())
					.filter(Boolean),
				homeBase: { latitude: Number(values.latitude), longitude: Number(values.longitude) },
				radiusKm: Number(values.radiusKm),
				weeklyHours: {
					monday: OFFICE_HOURS,
					tuesday: OFFICE_HOURS,
					wednesday: OFFICE_HOURS,
					thursday: OFFICE_HOURS,
					friday: OFFICE_HOURS,
				},
			},
		});
		setValues(NEW_CLEANER);
		setOpen(false);
		onAdded();
	};
	return (
		<ActionForm action={action} onSubmit={create} submit="Create cleaner" aria-label="New cleaner">
			<h2>New cleaner</h2>
			{fields.map(([field, label]) => (
				<TextField
					key={field}
					label={label}
					error={
						action.errors[field] ??
						(field === "latitude" || field === "longitude" ? action.errors[`homeBase.${field}`] : undefined)
					}
					{...bind(field)}
				/>
			))}
		</ActionForm>
	);
}
