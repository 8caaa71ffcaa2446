/**
 * Where the platform may send a partner's webhooks (SSRF protection). A partner names the URL, so without these
 * rules it could make the platform call its own internal services, the cloud's metadata endpoint or the
 * cluster's network. Only public unicast addresses are allowed, checked on the URL, again on every address
 * its host resolves to at each delivery, and the connection goes to the address that was checked (so a second
 * DNS answer cannot swap it). Redirects are never followed (sender.ts).
 */
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

export interface TargetPolicy {
	/** Tests only: http:// and loopback addresses are allowed too (private and link-local never are). */
	allowTestTargets: boolean;
}

/** An endpoint the platform must not call, with the reason the partner is shown. */
export class TargetRefusedError extends Error {
	override name = "TargetRefusedError";
}

export interface CheckedAddress {
	address: string;
	family: 4 | 6;
}

/** The names of ipaddr.js's ranges in the reasons partners read. */
const RANGE_NAMES: Record<string, string> = {
	private: "private",
	loopback: "loopback",
	linkLocal: "link-local",
	uniqueLocal: "private (unique local)",
	carrierGradeNat: "private (carrier-grade NAT)",
	unspecified: "unspecified",
	broadcast: "broadcast",
	multicast: "multicast",
	reserved: "reserved",
};

const MAX_URL_LENGTH = 2000;

/** The host of a URL as an address or name: without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
	return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** Why the platform must not connect to this IP address, or null when it may. */
export function addressProblem(address: string, policy: TargetPolicy): string | null {
	if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
	// An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it reaches.
	const range = ipaddr.process(address).range();
	if (range === "unicast") return null;
	if (range === "loopback" && policy.allowTestTargets) return null;
	return `${address} is a ${RANGE_NAMES[range] ?? `special-purpose (${range})`} address`;
}

/** What is wrong with an endpoint URL as written (before any DNS lookup), or null. */
export function urlProblem(raw: string, policy: TargetPolicy): string | null {
	if (raw.length > MAX_URL_LENGTH) return `at most ${MAX_URL_LENGTH} characters`;
	if (!URL.canParse(raw)) return "not an absolute URL";
	const url = new URL(raw);
	const schemes = policy.allowTestTargets ? ["https:", "http:"] : ["https:"];
	if (!schemes.includes(url.protocol)) return "must be an https:// URL";
	if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
	const host = hostOf(url);
	if (ipaddr.isValid(host)) return addressProblem(host, policy);
	if (!policy.allowTestTargets && !host.includes(".")) return `${host} is not a public host name`;
	return null;
}

/** Resolves the URL's host and checks every address it has; answers the one to connect to. */
export async function resolveTarget(
	url: URL,
	policy: TargetPolicy,
	resolve: (host: string) => Promise<CheckedAddress[]> = lookupAll,
): Promise<CheckedAddress> {
	const host = hostOf(url);
	const addresses = ipaddr.isValid(host)
		? [{ address: host, family: ipaddr.parse(host).kind() === "ipv6" ? 6 : 4 } as CheckedAddress]
		: await resolve(host).catch((error: NodeJS.ErrnoException) => {
				throw new TargetRefusedError(`${host} does not resolve (${error.code ?? error.message})`);
			});
	if (addresses.length === 0) throw new TargetRefusedError(`${host} does not resolve`);
	// Every answer is checked: a name with one public and one internal address is refused as a whole.
	for (const { address } of addresses) {
		const problem = addressProblem(address, policy);
		if (problem) throw new TargetRefusedError(host === address ? problem : `${host} resolves to ${problem}`);
	}
	return addresses[0];
}

async function lookupAll(host: string): Promise<CheckedAddress[]> {
	const answers = await lookup(host, { all: true, verbatim: true });
	return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
}
