/** Dates and times in the platform's time zone (the runtime setting `timeZone`), not the device's. */
export function formatTime(iso: string, timeZone: string): string {
	return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" }).format(
		new Date(iso),
	);
}

export function formatDateTime(iso: string, timeZone: string): string {
	return new Intl.DateTimeFormat("en-GB", {
		timeZone,
		weekday: "short",
		day: "numeric",
		month: "short",
		hour: "2-digit",
		minute: "2-digit",
	}).format(new Date(iso));
}

export function formatMoney(amountMinor: number, currency: string): string {
	return new Intl.NumberFormat("en-GB", { style: "currency", currency }).format(amountMinor / 100);
}

/** The date (YYYY-MM-DD) and the 24-hour time (HH:MM) of an instant on the time zone's calendar and clock. */
function wallClock(instant: Date, timeZone: string): { date: string; time: string } {
	const parts = new Intl.DateTimeFormat("en-CA", {
		timeZone,
		year: "numeric",
		month: "2-digit",
		day: "2-digit",
		hour: "2-digit",
		minute: "2-digit",
		hourCycle: "h23",
	}).formatToParts(instant);
	const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
	return {
		date: `${part("year")}-${part("month")}-${part("day")}`,
		time: `${part("hour")}:${part("minute")}`,
	};
}

/** Today's date (YYYY-MM-DD) in the time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
	return wallClock(now, timeZone).date;
}

/** The calendar day `count` days after `day` (both YYYY-MM-DD). */
export function addDays(day: string, count: number): string {
	const [year, month, date] = day.split("-").map(Number);
	return new Date(Date.UTC(year, month - 1, date + count)).toISOString().slice(0, 10);
}

export function dayLabel(day: string): string {
	const [year, month, date] = day.split("-").map(Number);
	return new Intl.DateTimeFormat("en-GB", {
		timeZone: "UTC",
		weekday: "short",
		day: "numeric",
		month: "short",
	}).format(new Date(Date.UTC(year, month - 1, date)));
}

/** A wall-clock time (YYYY-MM-DDTHH:MM) in the time zone, as a UTC instant (ISO 8601). */
export function zonedToInstant(local: string, timeZone: string): string {
	const wall = Date.parse(`${local}:00Z`);
	// The zone's offset at that moment, found by formatting; twice, for wall times next to a DST change.
	const offsetAt = (instant: number) => Date.parse(`${formatWall(instant, timeZone)}:00Z`) - instant;
	const first = wall - offsetAt(wall);
	return new Date(wall - offsetAt(first)).toISOString();
}

/** The wall-clock time (YYYY-MM-DDTHH:MM) of an instant in the time zone. */
export function formatWall(instant: number | string, timeZone: string): string {
	const { date, time } = wallClock(new Date(instant), timeZone);
	return `${date}T${time}`;
}
