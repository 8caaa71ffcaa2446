import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Imported first by tests that use the process's own embedded files (config/ reads DATA_DIR once, at import):
// they get a fresh directory instead of the developer's ./data.
process.env.DATA_DIR = mkdtempSync(join(tmpdir(), "cleaning-platform-unit-"));
