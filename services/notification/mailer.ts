import type { MailConfig } from "../../config/index.ts";
import type { RenderedMail } from "./templates.ts";

export interface OutgoingMail extends RenderedMail {
	to: string;
	/** The e-mail's unique key: its Message-ID, the same however often it is sent. */
	key: string;
}

export interface Mailer {
	send(mail: OutgoingMail): Promise<void>;
	close(): void;
}

/** nodemailer over SMTP with the validated settings; null when no SMTP server is configured. */
export async function smtpMailer(settings: MailConfig): Promise<Mailer | null> {
	if (settings.smtp === null) return null;
	const { host, port, secure, user, password } = settings.smtp;
	// Imported here: a node without SMTP (embedded by default) never loads nodemailer (39 modules).
	const { createTransport } = await import("nodemailer");
	const transport = createTransport({
		host,
		port,
		secure,
		...(user === undefined ? {} : { auth: { user, pass: password } }),
		connectionTimeout: 10_000,
		greetingTimeout: 10_000,
		socketTimeout: 30_000,
		// nodemailer's own logging would print addresses and the conversation: off.
		logger: false,
		debug: false,
	});
	return {
		async send(mail) {
			await transport.sendMail({
				from: settings.from,
				to: mail.to,
				subject: mail.subject,
				text: mail.text,
				html: mail.html,
				messageId: `<${mail.key}@cleaning-platform>`,
			});
		},
		close: () => transport.close(),
	};
}
