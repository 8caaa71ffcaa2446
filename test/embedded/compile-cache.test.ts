import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { startPlatform } from "../support/platform.ts";

/** How many files there are under `dir`, at any depth. */
async function fileCount(dir: string): Promise<number> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries.filter((entry) => entry.isFile()).length;
}

it("writes the compile cache once the node has started, so a node killed afterwards starts warm", async () => {
	// Node writes its compile cache by itself only at a clean exit; NODE_COMPILE_CACHE gives this node a fresh one.
	const cacheDir = await mkdtemp(join(tmpdir(), "compile-cache-"));
	const platform = await startPlatform({ NODE_COMPILE_CACHE: cacheDir });
	try {
		await eventually("the compile cache on disk", async () =>
			(await fileCount(cacheDir)) > 100 ? true : undefined,
		);
	} finally {
		await platform.kill();
		await rm(cacheDir, { recursive: true, force: true });
	}
});
