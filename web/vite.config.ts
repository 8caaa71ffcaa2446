import { defineConfig } from "vite";

/** Built into web/dist, which the gateway serves at `/` (services/gateway/web-app.ts). */
export default defineConfig({
	root: new URL(".", import.meta.url).pathname,
	build: { outDir: "dist", emptyOutDir: true },
	oxc: { jsx: { runtime: "automatic" } },
});
