import { readFileSync, writeFileSync } from "node:fs";

/**
 * The main of a script that generates committed files: writes them, or with `--check` writes nothing and exits
 * 1 when one differs from what `files` holds (naming the command that regenerates them).
 */
export function writeOrCheck(files: Map<string, string>, command: string): never {
	if (process.argv.includes("--check")) {
		const stale = [...files]
			.filter(([file, text]) => readFileSync(file, "utf8") !== text)
			.map(([file]) => file);
		console.log(
			stale.length > 0 ? `stale: ${stale.join(", ")}; run ${command}` : "generated files are up to date",
		);
		process.exit(stale.length > 0 ? 1 : 0);
	}
	for (const [file, text] of files) {
		writeFileSync(file, text);
		console.log(`wrote ${file}`);
	}
	process.exit(0);
}
