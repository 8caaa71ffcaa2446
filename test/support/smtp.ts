import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** A message as the SMTP server received it, parsed. */
export interface ReceivedMail {
	to: string[];
	from: string;
	subject: string;
	text: string;
	html: string;
	messageId: string;
}

/**
 * A real SMTP server (the smtp-server package) in this process, on a free port, keeping every message it
 * accepted. `refuse(n)` makes it answer the next n messages with a temporary failure (451).
 */
export interface SmtpServer {
	url: string;
	port: number;
	received: ReceivedMail[];
	/** Attempts the server refused. */
	readonly refused: number;
	refuse(count: number): void;
	stop(): Promise<void>;
}

export async function startSmtpServer(): Promise<SmtpServer> {
	const received: ReceivedMail[] = [];
	let toRefuse = 0;
	const state = { refused: 0 };
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ["STARTTLS"],
		logger: false,
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on("data", (chunk: Buffer) => chunks.push(chunk));
			stream.on("end", async () => {
				if (toRefuse > 0) {
					toRefuse--;
					state.refused++;
					const error = Object.assign(new Error("try again later"), { responseCode: 451 });
					callback(error);
					return;
				}
				const parsed = await simpleParser(Buffer.concat(chunks));
				received.push({
					to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
					from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
					subject: parsed.subject ?? "",
					text: parsed.text ?? "",
					html: typeof parsed.html === "string" ? parsed.html : "",
					messageId: parsed.messageId ?? "",
				});
				callback();
			});
		},
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.server.address() as AddressInfo;
	return {
		url: `smtp://127.0.0.1:${port}`,
		port,
		received,
		get refused() {
			return state.refused;
		},
		refuse(count: number) {
			toRefuse = count;
		},
		stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
