/**
 * One delivery attempt: a signed POST to the partner's endpoint (Standard Webhooks), over a connection to the
 * address the SSRF rules checked. Any 2xx is a success; a redirect is a failure (never followed, since its
 * target could be internal); no answer within the timeout is a failure.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import { type CheckedAddress, resolveTarget, type TargetPolicy, urlProblem } from "./target-rules.ts";

export interface SignedMessage {
	url: string;
	secret: string;
	/** `webhook-id`: the same on every attempt. */
	messageId: string;
	body: string;
}

export interface AttemptOutcome {
	ok: boolean;
	/** The endpoint's HTTP status; null when it gave none. */
	statusCode: number | null;
	/** Why it failed, as the partner reads it; null on success. */
	error: string | null;
}

export interface SendOptions extends TargetPolicy {
	timeoutMs: number;
	/** The DNS lookup (default: the system's); tests give their own names. */
	resolve?: (host: string) => Promise<CheckedAddress[]>;
}

const USER_AGENT = "CleaningPlatform-Webhooks/1";

/** The three Standard Webhooks headers, signed now: HMAC-SHA256 over `id.timestamp.body`, `v1,<base64>`. */
export function signatureHeaders(message: SignedMessage, now: Date): Record<string, string> {
	return {
		"webhook-id": message.messageId,
		"webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
		"webhook-signature": new Webhook(message.secret).sign(message.messageId, now, message.body),
	};
}

/** Sends one attempt; never throws: every failure is an outcome to record. */
export async function sendSigned(message: SignedMessage, options: SendOptions): Promise<AttemptOutcome> {
	const failed = (error: string): AttemptOutcome => ({ ok: false, statusCode: null, error });
	const problem = urlProblem(message.url, options);
	if (problem) return failed(`refused: ${problem}`);
	const url = new URL(message.url);
	let target: CheckedAddress;
	try {
		target = await resolveTarget(url, options, options.resolve);
	} catch (error) {
		return failed(`refused: ${(error as Error).message}`);
	}
	// The connection goes to the checked address whatever a second lookup would answer (DNS rebinding).
	const pinned: LookupFunction = (_host, lookupOptions, callback) => {
		if (lookupOptions.all) callback(null, [target]);
		else callback(null, target.address, target.family);
	};
	const headers = {
		...signatureHeaders(message, new Date()),
		"content-type": "application/json",
		"content-length": String(Buffer.byteLength(message.body)),
		"user-agent": USER_AGENT,
	};
	const client = url.protocol === "https:" ? https : http;
	return new Promise<AttemptOutcome>((resolve) => {
		const request = client.request(
			url,
			{
				method: "POST",
				headers,
				lookup: pinned,
				// A fresh connection each time: no pooled socket outlives the check of its address.
				agent: false,
				signal: AbortSignal.timeout(options.timeoutMs),
			},
			(response) => {
				const status = response.statusCode ?? 0;
				// The body is not needed: read and dropped, so the connection closes cleanly.
				response.resume();
				if (status >= 200 && status < 300) resolve({ ok: true, statusCode: status, error: null });
				else if (status >= 300 && status < 400)
					resolve({ ok: false, statusCode: status, error: `HTTP ${status}: redirects are not followed` });
				else resolve({ ok: false, statusCode: status, error: `HTTP ${status}` });
			},
		);
		request.on("error", (error: NodeJS.ErrnoException) => {
			const timedOut = error.name === "AbortError" || error.name === "TimeoutError";
			resolve(failed(timedOut ? `no answer within ${options.timeoutMs} ms` : (error.code ?? error.message)));
		});
		request.end(message.body);
	});
}
