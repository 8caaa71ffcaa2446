/**
 * Failures that no retry can fix: the server refused our credentials, or we refused its certificate. A
 * process that meets one at start-up stops with one line naming the connection (and a crash loop is what an
 * operator notices), instead of retrying for ever like it does when a server is merely away.
 */

/** Node's codes for a server certificate that does not verify against the CAs the client trusts. */
const UNTRUSTED_CERTIFICATE = new Set([
	"UNABLE_TO_VERIFY_LEAF_SIGNATURE",
	"UNABLE_TO_GET_ISSUER_CERT",
	"UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
	"SELF_SIGNED_CERT_IN_CHAIN",
	"DEPTH_ZERO_SELF_SIGNED_CERT",
	"CERT_SIGNATURE_FAILURE",
	"CERT_UNTRUSTED",
	"CERT_REJECTED",
	"CERT_HAS_EXPIRED",
	"CERT_NOT_YET_VALID",
	"ERR_TLS_CERT_ALTNAME_INVALID",
]);

interface Failure {
	name?: string;
	code?: string;
	message?: string;
	/** Kafka's error name: kafkajs calls it type, @platformatic/kafka apiId. */
	type?: string;
	apiId?: string;
	errno?: number;
	cause?: unknown;
	original?: unknown;
	parent?: unknown;
	errors?: unknown[];
}

/** The error and everything it wraps (causes, aggregated errors, Sequelize's original). */
function* chain(error: unknown, depth = 0): Generator<Failure> {
	if (error === null || typeof error !== "object" || depth > 8) return;
	const failure = error as Failure;
	yield failure;
	for (const inner of [failure.cause, failure.original, failure.parent, ...(failure.errors ?? [])]) {
		yield* chain(inner, depth + 1);
	}
}

/** Why the connection was refused for good, in words that hold no secret; null when the failure may pass. */
export function refusalReason(error: unknown): string | null {
	for (const failure of chain(error)) {
		if (failure.code !== undefined && UNTRUSTED_CERTIFICATE.has(failure.code))
			return `the server's TLS certificate is not trusted (${failure.code}): check the CA file`;
		if (failure.code === "PLT_KFK_AUTHENTICATION" || failure.name === "KafkaJSSASLAuthenticationError")
			return "SASL authentication failed: check the user name and password";
		const kafkaError = failure.type ?? failure.apiId;
		if (kafkaError?.endsWith("_AUTHORIZATION_FAILED"))
			return `not authorized (${kafkaError}): grant this principal its ACLs (infra/kafka/acls.tsv)`;
		if (failure.code === "ER_ACCESS_DENIED_ERROR" || failure.code === "ER_DBACCESS_DENIED_ERROR")
			return `access denied (${failure.code}): check the user name and password`;
		// mysql2 keeps only the message of the TLS error it wraps (e.g. "self-signed certificate in certificate chain").
		if (failure.code === "HANDSHAKE_SSL_ERROR")
			return `the TLS handshake failed (${failure.message}): check the CA file`;
		if (failure.code === "HANDSHAKE_NO_SSL_SUPPORT")
			return "the server does not offer TLS, which this connection requires";
		if (failure.code === "ER_SECURE_TRANSPORT_REQUIRED" || failure.errno === 3159)
			return "the server accepts TLS connections only: set the TLS settings";
	}
	return null;
}

/**
 * When the error is a refusal, ends the process with one line on stderr, exit code 77 (EX_NOPERM); returns
 * otherwise, for the caller's usual retry.
 */
export function exitIfRefused(connection: string, error: unknown): void {
	const reason = refusalReason(error);
	if (reason === null) return;
	process.stderr.write(`Connection refused: ${connection}: ${reason}\n`);
	process.exit(77);
}
