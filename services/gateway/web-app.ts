import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative } from "node:path";

const DIST = new URL("../../web/dist/", import.meta.url).pathname;
/** The demo directory's and the Keycloak realm's public client of the web app. */
const WEB_APP_CLIENT_ID = "web-app";

const TYPES: Record<string, string> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
	".png": "image/png",
	".webmanifest": "application/manifest+json",
	".json": "application/json; charset=utf-8",
};

interface WebAppOptions {
	/** The OIDC issuer the app signs in with: its origin is the one other place the app may connect to. */
	issuer: string;
	/** The platform's default time zone, until the app reads the runtime setting from an answer. */
	timeZone: string;
}

interface Asset {
	type: string;
	body: Buffer;
	/** Vite puts a content hash in the names under assets/: those never change. */
	immutable: boolean;
}

/**
 * The web app (web/, built into web/dist by `npm start`'s prestart or `npm run build:web`) at `/`, with a CSP
 * of its own: scripts and styles from this origin only, and connections to the API (same origin) and the
 * identity provider. Every path that is not a file gets index.html, so /callback and a reload work.
 */
export function webApp(
	options: WebAppOptions,
): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
	const issuerOrigin = new URL(options.issuer).origin;
	const csp =
		"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		`connect-src 'self' ${issuerOrigin}; manifest-src 'self'; worker-src 'self'; base-uri 'none'; ` +
		"form-action 'none'; frame-ancestors 'none'";
	const files = readBuild();
	const config = Buffer.from(
		JSON.stringify({ issuer: options.issuer, clientId: WEB_APP_CLIENT_ID, timeZone: options.timeZone }),
	);
	files.set("/app-config.json", { type: TYPES[".json"], body: config, immutable: false });

	return (req, res, next) => {
		const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
		const path = url.split("?")[0];
		if ((req.method !== "GET" && req.method !== "HEAD") || /^\/(api|health|actuator)(\/|$)/.test(path))
			return next();
		const file = files.get(path) ?? (extname(path) === "" ? files.get("/index.html") : undefined);
		if (!file) return next();
		res.statusCode = 200;
		res.setHeader("Content-Type", file.type);
		res.setHeader("Content-Length", file.body.length);
		res.setHeader("Content-Security-Policy", csp);
		res.setHeader("Cache-Control", file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
		res.end(req.method === "HEAD" ? undefined : file.body);
	};
}

/** Read once when the gateway starts. Without a build, `/` stays a 404 and the log says how to build. */
function readBuild(): Map<string, Asset> {
	const files = new Map<string, Asset>();
	if (!existsSync(join(DIST, "index.html"))) return files;
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const full = join(dir, name);
			if (statSync(full).isDirectory()) walk(full);
			else {
				const path = `/${relative(DIST, full)}`;
				const type = TYPES[extname(name)] ?? "application/octet-stream";
				files.set(path, { type, body: readFileSync(full), immutable: path.startsWith("/assets/") });
			}
		}
	};
	walk(DIST);
	files.set("/", files.get("/index.html") as Asset);
	return files;
}

/**
 * Browsers send `Origin` on the app's own POST, PATCH and DELETE calls too, and moleculer-web's CORS check
 * answers 403 to any origin not in CORS_ORIGINS. A request whose Origin names the host it was sent to is not
 * cross-origin (a page elsewhere cannot choose the Host header), so the header is dropped before that check.
 */
export function dropSameOriginHeader(req: IncomingMessage): void {
	const origin = req.headers.origin;
	if (origin === undefined || req.headers.host === undefined) return;
	try {
		if (new URL(origin).host === req.headers.host) delete req.headers.origin;
	} catch {
		// Not a URL ("null" from a sandboxed page): left to the CORS check, which refuses it.
	}
}
