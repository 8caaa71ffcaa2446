// Preloaded (--import) before the first .ts file: with Node's compile cache on, a module compiled before is
// read from the cache already stripped of its types, so a process whose every module is cached never loads the
// TypeScript stripper (amaro, about 18 MB resident in each process; docs/benchmarks.md). JavaScript because it
// runs before type stripping. Where the directory cannot be written (the image's root-owned /app), Node turns
// the cache off and the process runs as before. Node writes the cache only at a clean exit, so the broker's
// `started` (moleculer.config.ts) writes it too: a node killed afterwards still leaves it behind.
import module from "node:module";

module.enableCompileCache(new URL("../node_modules/.cache/node-compile-cache", import.meta.url).pathname);
