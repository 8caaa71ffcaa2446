/**
 * The e-mails' words, in every language the platform writes (English and Dutch), each rendered as plain text
 * and as HTML with the times in the platform's time zone. Pure: the service hands in everything it shows.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
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

/** What the phrases of a language may show (`{name}` and so on): the booking's facts formatted in it. */
type Shown = Record<
	"name" | "service" | "when" | "previous" | "price" | "fee" | "plate" | "address" | "rateUrl",
	string
>;

/** A paragraph, or a link (rendered as an anchor in HTML). */
type Block = string | { link: string; text: string };

/**
 * A language's words: one file per language in messages/ (its name is the language), so a translator
 * works in one file and adding a language adds one. Besides the facts, a body may show `{facts}` (the job
 * in one sentence, with the address when there is one) and `{feeLine}` (the cancellation's cost).
 */
interface Language {
	locale: string;
	greeting: string;
	facts: string;
	factsWithAddress: string;
	noFee: string;
	lateFee: string;
	signature: string;
	mails: Record<MailKind, { subject: string; body: Block[] }>;
}

const MESSAGES = new URL("./messages/", import.meta.url);
const LANGUAGES: Record<string, Language> = Object.fromEntries(
	readdirSync(MESSAGES)
		.filter((file) => file.endsWith(".json"))
		.map((file) => [basename(file, ".json"), JSON.parse(readFileSync(new URL(file, MESSAGES), "utf8"))]),
);

/** The languages e-mails are written in. */
export const MAIL_LANGUAGES: readonly string[] = Object.keys(LANGUAGES);

/** The phrase with each `{placeholder}` replaced by its value; a placeholder without one is a bug, not a blank. */
function fill(phrase: string, values: Record<string, string>): string {
	return phrase.replace(/\{(\w+)\}/g, (_, name: string) => {
		if (values[name] === undefined) throw new Error(`the phrase "${phrase}" shows an unknown {${name}}`);
		return values[name];
	});
}

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
	const words = LANGUAGES[language] ?? LANGUAGES.en;
	const { details, timeZone } = context;
	const shown: Shown = {
		name: context.name,
		service: details.serviceType,
		when: formatTime(details.start, words.locale, timeZone),
		previous: details.previousStart === null ? "" : formatTime(details.previousStart, words.locale, timeZone),
		price: formatMoney(details.price.amountMinor, details.price.currency, words.locale),
		fee: details.feeMinor ? formatMoney(details.feeMinor, details.price.currency, words.locale) : "",
		plate: details.plate,
		address: details.address ?? "",
		rateUrl: context.rateUrl,
	};
	const values = {
		...shown,
		facts: fill(shown.address ? words.factsWithAddress : words.facts, shown),
		feeLine: fill(shown.fee ? words.lateFee : words.noFee, shown),
	};
	const mail = words.mails[kind];
	const blocks: Block[] = [
		fill(words.greeting, values),
		...mail.body.map((block) =>
			typeof block === "string"
				? fill(block, values)
				: { link: fill(block.link, values), text: fill(block.text, values) },
		),
		words.signature,
	];
	const text = blocks
		.map((block) => (typeof block === "string" ? block : `${block.text}: ${block.link}`))
		.join("\n\n");
	const paragraphs = blocks.map((block) =>
		typeof block === "string"
			? `<p>${escapeHtml(block)}</p>`
			: `<p><a href="${escapeHtml(block.link)}">${escapeHtml(block.text)}</a></p>`,
	);
	const html = `<!doctype html>\n<html lang="${language}"><body>\n${paragraphs.join("\n")}\n</body></html>\n`;
	return { subject: fill(mail.subject, values), text: `${text}\n`, html };
}
