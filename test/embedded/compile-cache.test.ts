import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { startPlatform } from "../support/platform.ts";

/** Every file under `dir`, at any depth. */
async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { recursive: true, withFileTypes: true });
	return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

it("writes the compile cache once the node has started, so a node killed afterwards starts warm", async () => {
	// Node writes its compile cache by itself only at a clean exit; NODE_COMPILE_CACHE gives this node a fresh one.
	const cacheDir = await mkdtemp(join(tmpdir(), "compile-cache-"));
	const platform = await startPlatform({ NODE_COMPILE_CACHE: cacheDir });
	try {
		await eventually("the compile cache on disk", async () =>
			(await filesUnder(cacheDir)).length > 100 ? true : undefined,
		);
	} finally {
		await platform.kill();
	}
});
