import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { DateTime } from "luxon";
import { eventually } from "./eventually.ts";
import { at, createVehicle, dayAhead, expectStatus } from "./fixtures.ts";
import type { ApiClient } from "./platform.ts";
import type { ReceivedMail, SmtpServer } from "./smtp.ts";

/** A working day of the demo cleaners (Monday to Friday) 3 to 5 days ahead: inside a 168 h cut-off or lead time. */
export const MAIL_DAY = [3, 4, 5].map(dayAhead).find((date) => DateTime.fromISO(date).weekday <= 5) as string;

export interface Person {
	id: string;
	email: string;
	homeBase?: { latitude: number; longitude: number };
}

/**
 * What the e-mail tests of the embedded platform and of the cluster do through the gateway, and read from the
 * real SMTP server: getters, as a test may restart the platform (or start it in `before`).
 */
export function mailScenario(platform: () => ApiClient, smtp: () => SmtpServer, timeoutMs: number) {
	const received = (what: string, test: (mail: ReceivedMail) => boolean, count = 1) =>
		eventually(
			what,
			async () => {
				const found = smtp().received.filter(test);
				return found.length >= count ? found : undefined;
			},
			timeoutMs,
			50,
		);

	const profile = async (caller: "alice" | "bob" | "carla"): Promise<Person> => {
		const response = await platform().api("GET", caller === "carla" ? "/cleaners/me" : "/customers/me", {
			as: caller,
		});
		expectStatus(response, 200, `${caller}'s profile`);
		return response.body;
	};

	const book = async (caller: "alice" | "bob", time: string, cleaner: Person) => {
		const vehicle = await createVehicle(platform(), caller, "small");
		const response = await platform().api("POST", "/bookings", {
			as: caller,
			body: {
				vehicleId: vehicle.id,
				serviceType: "exterior-wash",
				start: at(MAIL_DAY, time),
				location: cleaner.homeBase,
				cleanerId: cleaner.id,
			},
		});
		expectStatus(response, 201, "book");
		return response.body as { id: string; vehicle: { plate: string } };
	};

	/** E-mails to this address whose subject begins so, about the vehicle with this plate. */
	const mailTo = (address: string, subject: string, plate: string) => (m: ReceivedMail) =>
		m.to.includes(address) && m.subject.startsWith(subject) && m.text.includes(plate);

	const settings = async (changes: Record<string, number>) => {
		expectStatus(await platform().api("PATCH", "/settings", { as: "olga", body: changes }), 200, "settings");
		// Every node applies a change on its broadcast: the booking nodes too, before the next request.
		await sleep(500);
	};

	/** Bob (Dutch) books with Carla, moves the job, cancels it late: both are told each time. */
	const bookingLife = async () => {
		const [bob, carla] = [await profile("bob"), await profile("carla")];
		const booking = await book("bob", "09:00", carla);
		const plate = booking.vehicle.plate;
		const [confirmed] = await received("bob's confirmation", mailTo(bob.email, "Boeking bevestigd", plate));
		assert.ok(confirmed.text.includes("om 09:00 (Europe/Amsterdam)"), confirmed.text);
		assert.ok(confirmed.html.includes("<p>Uw boeking is bevestigd:</p>"), confirmed.html);
		await received("carla's new job", mailTo(carla.email, "New job", plate));

		const path = `/bookings/${booking.id}`;
		const moved = await platform().api("POST", `${path}/reschedule`, {
			as: "bob",
			body: { start: at(MAIL_DAY, "10:00") },
		});
		expectStatus(moved, 200, "reschedule");
		const [movedMail] = await received("bob's move", mailTo(bob.email, "Boeking verplaatst", plate));
		assert.ok(movedMail.text.includes("09:00") && movedMail.text.includes("10:00"), movedMail.text);
		await received("carla's moved job", mailTo(carla.email, "Job moved", plate));

		// Every cancellation this week is late now.
		await settings({ cancellationCutoffHours: 168 });
		expectStatus(await platform().api("POST", `${path}/cancel`, { as: "bob" }), 200, "cancel");
		const [cancelled] = await received("bob's cancellation", mailTo(bob.email, "Boeking geannuleerd", plate));
		assert.match(cancelled.text.replace(/\s/g, " "), /rekenen we € \d+,\d\d annuleringskosten/);
		await received("carla's cancelled job", mailTo(carla.email, "Job cancelled", plate));
		await settings({ cancellationCutoffHours: 24 });
	};

	return { received, profile, book, mailTo, settings, bookingLife };
}
