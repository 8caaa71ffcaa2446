import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCa {
	dir: string;
	/** The CA's certificate: what a client is told to trust. */
	caFile: string;
	/** A server certificate for 127.0.0.1 signed by the CA, and its key. */
	certFile: string;
	keyFile: string;
}

/** A CA of the test's own (openssl, valid two days) and a server certificate for 127.0.0.1 signed by it. */
export function makeTestCa(name: string): TestCa {
	const dir = mkdtempSync(join(tmpdir(), `${name}-`));
	const path = (file: string) => join(dir, file);
	const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
	openssl(
		"req",
		"-x509",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-days",
		"2",
		"-subj",
		`/CN=${name}-ca`,
		"-keyout",
		"ca.key",
		"-out",
		"ca.crt",
	);
	openssl(
		"req",
		"-newkey",
		"rsa:2048",
		"-nodes",
		"-subj",
		"/CN=127.0.0.1",
		"-keyout",
		"server.key",
		"-out",
		"server.csr",
	);
	writeFileSync(path("ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
	openssl(
		"x509",
		"-req",
		"-in",
		"server.csr",
		"-CA",
		"ca.crt",
		"-CAkey",
		"ca.key",
		"-CAcreateserial",
		"-days",
		"2",
		"-extfile",
		"ext.cnf",
		"-out",
		"server.crt",
	);
	return { dir, caFile: path("ca.crt"), certFile: path("server.crt"), keyFile: path("server.key") };
}
