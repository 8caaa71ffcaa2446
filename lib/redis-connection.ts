import type { RedisOptions } from "ioredis";
import type { TlsConfig } from "../config/connection-security.ts";

/** ioredis options of a redis:// or rediss:// URL, with TLS (a private CA, a client certificate) when given. */
export function redisConnection(url: string, tls: TlsConfig | undefined): RedisOptions {
	const parsed = new URL(url);
	return {
		host: parsed.hostname,
		port: Number(parsed.port || 6379),
		username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
		password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
		db: Number(parsed.pathname.slice(1) || 0),
		...(tls === undefined ? {} : { tls }),
	};
}
