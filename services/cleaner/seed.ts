import { randomUUID } from "node:crypto";
import DEMO_CATALOG from "../../demo/catalog.json" with { type: "json" };
import { findDemoUser } from "../../demo/people.ts";
import type { WeeklyHours, WorkingInterval } from "./contract.ts";
import { normaliseWeeklyHours, WEEKDAYS } from "./schedule-rules.ts";

/** Every service type of the demo catalog, so that the seeded skills exist there. */
const ALL_SKILLS = DEMO_CATALOG.map((serviceType) => serviceType.code);
const OFFICE_DAY: WorkingInterval[] = [
	{ start: "08:00", end: "12:00" },
	{ start: "13:00", end: "17:00" },
];
const SATURDAY_MORNING: WorkingInterval[] = [{ start: "09:00", end: "13:00" }];

function weekdaysPlus(extra: Partial<WeeklyHours> = {}): WeeklyHours {
	const workingWeek = Object.fromEntries(WEEKDAYS.slice(0, 5).map((day) => [day, OFFICE_DAY]));
	return normaliseWeeklyHours({ ...workingWeek, ...extra });
}

interface DemoCleaner {
	subject: string;
	displayName: string;
	email: string | null;
	skills: string[];
	/** Offset from central Amsterdam (52.37, 4.90), in degrees. */
	offset: [number, number];
	radiusKm: number;
	weeklyHours: WeeklyHours;
}

/** The cleaners of the demo logins take their name and email from the demo directory. */
function demoLogin(username: string): Pick<DemoCleaner, "subject" | "displayName" | "email"> {
	const user = findDemoUser(username);
	if (!user) throw new Error(`demo user ${username} is missing from demo/people.ts`);
	return { subject: user.sub, displayName: user.name, email: user.email };
}

const DEMO_CLEANERS: DemoCleaner[] = [
	{
		...demoLogin("carla"),
		skills: ALL_SKILLS,
		offset: [0, 0],
		radiusKm: 20,
		weeklyHours: weekdaysPlus({ saturday: SATURDAY_MORNING }),
	},
	{
		...demoLogin("dan"),
		skills: ALL_SKILLS,
		offset: [0.02, -0.03],
		radiusKm: 25,
		weeklyHours: weekdaysPlus(),
	},
	{
		subject: "seed-cleaner-3",
		displayName: "Sanne de Vries",
		email: "sanne@example.com",
		skills: ["exterior-wash", "interior-clean"],
		offset: [-0.03, 0.02],
		radiusKm: 15,
		weeklyHours: weekdaysPlus(),
	},
	{
		subject: "seed-cleaner-4",
		displayName: "Youssef El Amrani",
		email: "youssef@example.com",
		skills: ["exterior-wash", "full-valet"],
		offset: [0.04, 0.05],
		radiusKm: 18,
		weeklyHours: weekdaysPlus({ saturday: SATURDAY_MORNING }),
	},
	{
		subject: "seed-cleaner-5",
		displayName: "Mila Visser",
		email: "mila@example.com",
		skills: ["interior-clean", "full-valet", "ceramic-coating"],
		offset: [-0.01, -0.06],
		radiusKm: 22,
		weeklyHours: weekdaysPlus({ wednesday: [], saturday: OFFICE_DAY }),
	},
	{
		subject: "seed-cleaner-6",
		displayName: "Tom Bakker",
		email: "tom@example.com",
		skills: ["exterior-wash", "ceramic-coating"],
		offset: [0.05, -0.01],
		radiusKm: 15,
		weeklyHours: weekdaysPlus({ friday: [{ start: "08:00", end: "12:00" }] }),
	},
];

/** The cleaners a fresh embedded platform starts with, as rows: all around Amsterdam, all active. */
export function demoCleanerRows() {
	return DEMO_CLEANERS.map(({ offset, ...cleaner }) => ({
		...cleaner,
		id: randomUUID(),
		phone: null,
		homeLatitude: 52.37 + offset[0],
		homeLongitude: 4.9 + offset[1],
		timeOff: [],
		active: true,
		ratingSum: 0,
		ratingCount: 0,
		jobsCompleted: 0,
	}));
}
