import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { type Connection, createConnection, type RowDataPacket } from "mysql2/promise";
import { eventually } from "../support/eventually.ts";
import { freePort, runUntilExit, startPlatform } from "../support/platform.ts";
import { makeTestCa } from "../support/test-ca.ts";

/**
 * The database layer over TLS to a real MariaDB that takes TLS connections only: a second mariadbd of the
 * machine's MariaDB packages, with its own data directory (mariadb-install-db), port and socket,
 * require_secure_transport and a certificate from a CA of the test's own. The configuration service's database
 * lives there; the other services keep their SQLite files.
 */
const run = promisify(execFile);
const ca = makeTestCa("mariadb-tls");
const dataDir = join(ca.dir, "data");
const socket = join(ca.dir, "mariadbd.sock");
const PASSWORD = "configuration-tls-pw";
let server: ChildProcess;
let port: number;
let root: Connection;
let databaseUrl: string;

before(async () => {
	port = await freePort();
	// As root (CI), the server must be told to run as root; otherwise it runs as whoever starts it.
	const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
	await run("mariadb-install-db", [
		"--no-defaults",
		`--datadir=${dataDir}`,
		"--auth-root-authentication-method=normal",
		"--skip-test-db",
		...asRoot,
	]);
	server = spawn(
		"mariadbd",
		[
			"--no-defaults",
			`--datadir=${dataDir}`,
			`--socket=${socket}`,
			`--pid-file=${join(ca.dir, "mariadbd.pid")}`,
			`--log-error=${join(ca.dir, "mariadbd.err")}`,
			`--port=${port}`,
			"--bind-address=127.0.0.1",
			"--skip-name-resolve",
			"--skip-log-bin",
			"--innodb-buffer-pool-size=32M",
			`--ssl-ca=${ca.caFile}`,
			`--ssl-cert=${ca.certFile}`,
			`--ssl-key=${ca.keyFile}`,
			"--require-secure-transport=ON",
			...asRoot,
		],
		{ stdio: "ignore" },
	);
	// The socket is exempt from require_secure_transport: the test's own administration goes through it.
	root = await eventually(
		"mariadbd accepting connections on its socket",
		() => createConnection({ socketPath: socket, user: "root" }).catch(() => undefined),
		60_000,
		250,
	);
	await root.query("CREATE DATABASE configuration_db");
	await root.query("CREATE USER 'configuration_svc'@'127.0.0.1' IDENTIFIED BY ?", [PASSWORD]);
	await root.query("GRANT ALL PRIVILEGES ON configuration_db.* TO 'configuration_svc'@'127.0.0.1'");
	databaseUrl = `mysql://configuration_svc:${PASSWORD}@127.0.0.1:${port}/configuration_db`;
});
after(async () => {
	await root?.end();
	server?.kill();
});

async function status(name: string): Promise<number> {
	const [rows] = await root.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE ?", [name]);
	return Number(rows[0]?.Value ?? 0);
}

describe("MySQL over TLS (DB_TLS)", () => {
	it("refuses a plaintext connection: the server demands TLS", async () => {
		await assert.rejects(
			createConnection({ host: "127.0.0.1", port, user: "configuration_svc", password: PASSWORD }),
		);
	});

	it("runs the configuration service on the TLS-only MariaDB when its CA is trusted", async () => {
		const acceptedBefore = await status("Ssl_accepts");
		const platform = await startPlatform({ CONFIGURATION_DB_URL: databaseUrl, DB_TLS_CA_FILE: ca.caFile });
		try {
			const settings = await platform.api("GET", "/settings", { as: "olga" });
			assert.equal(settings.status, 200, JSON.stringify(settings.body));
			const cutoff = await platform.api("PATCH", "/settings", {
				as: "olga",
				body: { cancellationCutoffHours: 12 },
			});
			assert.equal(cutoff.status, 200, JSON.stringify(cutoff.body));
			const [rows] = await root.query<RowDataPacket[]>(
				"SELECT COUNT(*) AS n FROM configuration_db.settings WHERE `key` = 'cancellationCutoffHours'",
			);
			assert.equal(rows[0].n, 1, "the change is in the TLS server's database");
			assert.ok((await status("Ssl_accepts")) > acceptedBefore, "the platform's connections were TLS");
		} finally {
			await platform.stop();
		}
	});

	it("stops start-up with one line when the server's certificate is not from the trusted CA", async () => {
		const exit = await runUntilExit({
			CONFIGURATION_DB_URL: databaseUrl,
			DB_TLS_CA_FILE: makeTestCa("another").caFile,
		});
		assert.equal(exit.code, 77, exit.output);
		const lines = exit.stderr.split("\n").filter((line) => line.startsWith("Connection refused"));
		assert.equal(lines.length, 1, exit.stderr);
		assert.match(
			lines[0],
			/^Connection refused: configuration database \(127\.0\.0\.1:\d+\/configuration_db as configuration_svc\): the TLS handshake failed \(self-signed certificate in certificate chain\)/,
		);
		assert.ok(!exit.output.includes(PASSWORD), "no password in the output");
	});

	it("stops start-up with one line when TLS is not configured for a server that demands it", async () => {
		const exit = await runUntilExit({ CONFIGURATION_DB_URL: databaseUrl });
		assert.equal(exit.code, 77, exit.output);
		const lines = exit.stderr.split("\n").filter((line) => line.startsWith("Connection refused"));
		assert.equal(lines.length, 1, exit.stderr);
		assert.match(
			lines[0],
			/^Connection refused: configuration database \(127\.0\.0\.1:\d+\/configuration_db/,
		);
		assert.ok(!exit.output.includes(PASSWORD), "no password in the output");
	});
});
