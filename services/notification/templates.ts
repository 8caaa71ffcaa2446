/**
 * The e-mails' words, in every language the platform writes (English and Dutch), each rendered as plain text
 * and as HTML with the times in the platform's time zone. Pure: the service hands in everything it shows.
 */
import type { MailKind } from "./contract.ts";
import type { MailDetails } from "./mail-rules.ts";

export interface MailContext {
	details: MailDetails;
	/** The recipient's display name. */
	name: string;
	/** IANA zone every time is shown in (the business setting). */
	timeZone: string;
	/** Where a customer rates a completed job. */
	rateUrl: string;
}

export interface RenderedMail {
	subject: string;
	text: string;
	html: string;
}

/** What the phrases of a language may show: the booking's facts formatted in that language. */
interface Shown {
	name: string;
	service: string;
	when: string;
	previous: string;
	price: string;
	fee: string | null;
	plate: string;
	address: string;
	rateUrl: string;
}

/** A paragraph, or a link (rendered as an anchor in HTML). */
type Block = string | { link: string; text: string };

interface Language {
	locale: string;
	subjects: Record<MailKind, (s: Shown) => string>;
	bodies: Record<MailKind, (s: Shown) => Block[]>;
	greeting: (s: Shown) => string;
	facts: (s: Shown) => string;
	signature: string;
}

const en: Language = {
	locale: "en-GB",
	greeting: (s) => `Hello ${s.name},`,
	facts: (s) => `${s.service} for ${s.plate}, ${s.when}${s.address ? `, at ${s.address}` : ""}.`,
	signature: "The Cleaning Platform team",
	subjects: {
		booked: (s) => `Booking confirmed: ${s.service} on ${s.when}`,
		rescheduled: (s) => `Booking moved to ${s.when}`,
		cancelled: () => "Booking cancelled",
		completed: () => "Your vehicle is clean: how did we do?",
		reminder: (s) => `Reminder: ${s.service} on ${s.when}`,
		"job-assigned": (s) => `New job: ${s.service} on ${s.when}`,
		"job-moved": (s) => `Job moved to ${s.when}`,
		"job-cancelled": (s) => `Job cancelled: ${s.service} on ${s.when}`,
	},
	bodies: {
		booked: (s) => ["Your booking is confirmed:", en.facts(s), `Price: ${s.price}.`],
		rescheduled: (s) => [`Your booking has moved from ${s.previous} to the new time:`, en.facts(s)],
		cancelled: (s) => [
			"Your booking is cancelled:",
			en.facts(s),
			s.fee === null ? "There is no charge." : `As it was cancelled late, a fee of ${s.fee} is charged.`,
		],
		completed: (s) => [
			"Your cleaning is done:",
			en.facts(s),
			"Tell us how it went: it takes a few seconds.",
			{ link: s.rateUrl, text: "Rate this cleaning" },
		],
		reminder: (s) => [
			"A reminder of your cleaning:",
			en.facts(s),
			"Please make sure the vehicle can be reached.",
		],
		"job-assigned": (s) => ["You have a new job:", en.facts(s)],
		"job-moved": (s) => [`A job of yours has moved from ${s.previous} to the new time:`, en.facts(s)],
		"job-cancelled": (s) => ["This job is cancelled and off your agenda:", en.facts(s)],
	},
};

const nl: Language = {
	locale: "nl-NL",
	greeting: (s) => `Beste ${s.name},`,
	facts: (s) => `${s.service} voor ${s.plate}, ${s.when}${s.address ? `, op ${s.address}` : ""}.`,
	signature: "Het team van Cleaning Platform",
	subjects: {
		booked: (s) => `Boeking bevestigd: ${s.service} op ${s.when}`,
		rescheduled: (s) => `Boeking verplaatst naar ${s.when}`,
		cancelled: () => "Boeking geannuleerd",
		completed: () => "Uw voertuig is schoon: hoe hebben we het gedaan?",
		reminder: (s) => `Herinnering: ${s.service} op ${s.when}`,
		"job-assigned": (s) => `Nieuwe klus: ${s.service} op ${s.when}`,
		"job-moved": (s) => `Klus verplaatst naar ${s.when}`,
		"job-cancelled": (s) => `Klus geannuleerd: ${s.service} op ${s.when}`,
	},
	bodies: {
		booked: (s) => ["Uw boeking is bevestigd:", nl.facts(s), `Prijs: ${s.price}.`],
		rescheduled: (s) => [`Uw boeking is verplaatst van ${s.previous} naar het nieuwe tijdstip:`, nl.facts(s)],
		cancelled: (s) => [
			"Uw boeking is geannuleerd:",
			nl.facts(s),
			s.fee === null
				? "Er worden geen kosten in rekening gebracht."
				: `Omdat de annulering laat was, rekenen we ${s.fee} annuleringskosten.`,
		],
		completed: (s) => [
			"Uw schoonmaak is klaar:",
			nl.facts(s),
			"Laat ons weten hoe het ging: het kost maar een paar seconden.",
			{ link: s.rateUrl, text: "Beoordeel deze schoonmaak" },
		],
		reminder: (s) => [
			"Een herinnering aan uw schoonmaak:",
			nl.facts(s),
			"Zorg ervoor dat het voertuig bereikbaar is.",
		],
		"job-assigned": (s) => ["U hebt een nieuwe klus:", nl.facts(s)],
		"job-moved": (s) => [
			`Een klus van u is verplaatst van ${s.previous} naar het nieuwe tijdstip:`,
			nl.facts(s),
		],
		"job-cancelled": (s) => ["Deze klus is geannuleerd en van uw agenda gehaald:", nl.facts(s)],
	},
};

const LANGUAGES: Record<string, Language> = { en, nl };

/** The languages e-mails are written in. */
export const MAIL_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);

/** A time as the recipient reads it: date and time in the platform's zone, with the zone named. */
export function formatTime(instant: string, locale: string, timeZone: string): string {
	const formatted = new Intl.DateTimeFormat(locale, {
		dateStyle: "full",
		timeStyle: "short",
		timeZone,
	}).format(new Date(instant));
	return `${formatted} (${timeZone})`;
}

/** Minor units as money of the currency (its own number of decimals: 2 for EUR, 0 for JPY). */
export function formatMoney(amountMinor: number, currency: string, locale: string): string {
	const format = new Intl.NumberFormat(locale, { style: "currency", currency });
	return format.format(amountMinor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}

const escapeHtml = (text: string) =>
	text.replace(
		/[&<>"']/g,
		(c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
	);

/** The e-mail of this kind in this language (one of MAIL_LANGUAGES), as subject, plain text and HTML. */
export function renderMail(kind: MailKind, language: string, context: MailContext): RenderedMail {
	const words = LANGUAGES[language] ?? en;
	const { details, timeZone } = context;
	const shown: Shown = {
		name: context.name,
		service: details.serviceType,
		when: formatTime(details.start, words.locale, timeZone),
		previous: details.previousStart === null ? "" : formatTime(details.previousStart, words.locale, timeZone),
		price: formatMoney(details.price.amountMinor, details.price.currency, words.locale),
		fee: details.feeMinor ? formatMoney(details.feeMinor, details.price.currency, words.locale) : null,
		plate: details.plate,
		address: details.address ?? "",
		rateUrl: context.rateUrl,
	};
	const blocks: Block[] = [words.greeting(shown), ...words.bodies[kind](shown), words.signature];
	const text = blocks
		.map((block) => (typeof block === "string" ? block : `${block.text}: ${block.link}`))
		.join("\n\n");
	const paragraphs = blocks.map((block) =>
		typeof block === "string"
			? `<p>${escapeHtml(block)}</p>`
			: `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.text)}</a></p>`,
	);
	const html = `<!doctype html>\n<html lang="${language}"><body>\n${paragraphs.join("\n")}\n</body></html>\n`;
	return { subject: words.subjects[kind](shown), text: `${text}\n`, html };
}
