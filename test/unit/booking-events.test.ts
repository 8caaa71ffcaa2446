import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { partnerClientId } from "../../lib/auth.ts";
import { BOOKING_EVENT_TYPES, type BookingEventData } from "../../services/booking/contract.ts";
import { bookingEvents } from "../../services/booking/events.ts";
import type { BookingRow } from "../../services/booking/models.ts";

const ROW: BookingRow = {
	id: "6f1c2f4e-0c1a-4d5b-9a49-2f0a6e1b7c10",
	customerId: "fleet-partner",
	vehicleId: "0b8d6c2a-52a4-4f55-8f0e-7f6a3b1c9d22",
	vehiclePlate: "AB12CD",
	vehicleSizeClass: "small",
	cleanerId: "9a7e5c3b-1d2f-4a6b-8c9d-0e1f2a3b4c5d",
	serviceType: "exterior-wash",
	startAt: new Date("2026-12-02T09:00:00Z"),
	endAt: new Date("2026-12-02T09:30:00Z"),
	priceMinor: 2500,
	currency: "EUR",
	status: "confirmed",
	location: { latitude: 52.37, longitude: 4.9 },
	notes: null,
	lateCancellation: false,
	cancellationFeeMinor: null,
	cancelledBy: null,
	ratingScore: null,
	ratingComment: null,
	ratedAt: null,
	partnerClientId: "fleet-partner",
	version: 1,
	createdAt: new Date("2026-12-01T12:00:00Z"),
	updatedAt: new Date("2026-12-01T12:00:00Z"),
};

const bookingData = (row: BookingRow) => {
	const [event] = bookingEvents("create", row);
	assert.equal(event.event.type, BOOKING_EVENT_TYPES.created);
	return event.event.data as BookingEventData;
};

describe("the partner behind a booking", () => {
	it("is the client id of a client-credentials token, and nobody for a person's token", () => {
		const partner = { id: "service-account-1", roles: [], scopes: [], clientId: "fleet-partner" };
		assert.equal(partnerClientId(partner), "fleet-partner");
		assert.equal(
			partnerClientId({ id: "alice", roles: ["customer"], scopes: [], clientId: "web-app" }),
			null,
		);
	});

	it("travels in every booking-events payload, null for bookings made in the people's apps", () => {
		assert.equal(bookingData(ROW).partnerClientId, "fleet-partner");
		assert.equal(bookingData({ ...ROW, partnerClientId: null }).partnerClientId, null);
		// A row fresh from create() lacks the columns it was not given.
		const { partnerClientId: _omitted, ...fresh } = ROW;
		assert.equal(bookingData(fresh as BookingRow).partnerClientId, null);
	});
});
