import type { Booking, BookingEventData } from "./contract.ts";
import type { BookingRow } from "./models.ts";

/** The booking's public shape, the one answer of every booking action, from its row. */
export function toBooking(row: BookingRow): Booking {
	return {
		id: row.id,
		status: row.status,
		customerId: row.customerId,
		vehicle: { id: row.vehicleId, plate: row.vehiclePlate, sizeClass: row.vehicleSizeClass },
		cleanerId: row.cleanerId,
		serviceType: row.serviceType,
		start: new Date(row.startAt).toISOString(),
		end: new Date(row.endAt).toISOString(),
		price: { amountMinor: row.priceMinor, currency: row.currency },
		location: row.location,
		notes: row.notes,
		cancellation:
			row.status === "cancelled"
				? { by: row.cancelledBy ?? "unknown", late: row.lateCancellation, feeMinor: row.cancellationFeeMinor }
				: null,
		rating:
			row.ratingScore == null
				? null
				: {
						score: row.ratingScore,
						comment: row.ratingComment,
						ratedAt: new Date(row.ratedAt ?? 0).toISOString(),
					},
		version: row.version,
		createdAt: new Date(row.createdAt).toISOString(),
		updatedAt: new Date(row.updatedAt).toISOString(),
	};
}

/** What a booking-events event says of the booking: its public shape, keyed `bookingId`. */
export function bookingEventData(row: BookingRow): BookingEventData {
	const { id, rating, createdAt: _createdAt, updatedAt: _updatedAt, ...booking } = toBooking(row);
	return {
		bookingId: id,
		...booking,
		rating: rating && { score: rating.score, comment: rating.comment },
		partnerClientId: row.partnerClientId ?? null,
	};
}
