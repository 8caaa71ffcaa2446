import { randomUUID } from "node:crypto";
import { findDemoUser } from "../../demo/people.ts";
import type { Address } from "./contract.ts";

function demoCustomer(username: string, language: string, address: Omit<Address, "id" | "isDefault">) {
	const user = findDemoUser(username);
	if (!user) throw new Error(`demo user ${username} is missing from demo/people.ts`);
	return {
		id: randomUUID(),
		subject: user.sub,
		displayName: user.name,
		email: user.email,
		phone: null,
		language,
		addresses: [{ id: randomUUID(), ...address, isDefault: true }],
		deletedAt: null,
	};
}

/** The demo customers a fresh embedded platform starts with: the people of the demo logins, in Amsterdam. */
export function demoCustomers() {
	return [
		demoCustomer("alice", "en", {
			label: "Home",
			street: "Prinsengracht 263",
			postcode: "1016 GV",
			city: "Amsterdam",
			country: "NL",
			latitude: 52.3676,
			longitude: 4.9041,
		}),
		demoCustomer("bob", "nl-NL", {
			label: "Office",
			street: "Stadhouderskade 78",
			postcode: "1072 AE",
			city: "Amsterdam",
			country: "NL",
			latitude: 52.36,
			longitude: 4.885,
		}),
	];
}
