/**
 * The image runs the JavaScript compiled from the sources (the Dockerfile's build stage, tsconfig.build.json),
 * so that no process loads Node's TypeScript stripper. Built here the same way into a tree laid out as the
 * image's /app (each module beside its source), and started in embedded mode with a preload that fails the
 * process if any TypeScript module is loaded: it must start, serve the API and apply a booking's events.
 */
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { eventually } from "../support/eventually.ts";
import { at, createVehicle, expectStatus, nextWeekday, washBooking } from "../support/fixtures.ts";
import { perFile } from "../support/per-file.ts";
import { ROOT, startPlatform } from "../support/platform.ts";

/** What the Dockerfile's build stage copies and compiles. */
const SOURCES = ["config", "demo", "lib", "mixins", "ops", "services", "moleculer.config.ts"];
const BUILD_FILES = ["package.json", "tsconfig.json", "tsconfig.build.json"];

const NO_TYPESCRIPT = `import { registerHooks } from "node:module";
registerHooks({
	load(url, context, next) {
		if (url.endsWith(".ts")) throw new Error(\`a TypeScript module was loaded: \${url}\`);
		return next(url, context);
	},
});
`;

async function buildLikeTheImage(): Promise<string> {
	const root = await mkdtemp(join(tmpdir(), "cleaning-image-"));
	for (const entry of [...SOURCES, ...BUILD_FILES])
		await cp(join(ROOT, entry), join(root, entry), { recursive: true });
	await symlink(join(ROOT, "node_modules"), join(root, "node_modules"));
	await promisify(execFile)(join(ROOT, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")]);
	await cp(join(root, "build"), root, { recursive: true });
	await writeFile(join(root, "no-typescript.mjs"), NO_TYPESCRIPT);
	return root;
}

const platform = perFile(async () => {
	const root = await buildLikeTheImage();
	const started = await startPlatform(
		{ NODE_OPTIONS: `--import=${join(root, "no-typescript.mjs")}` },
		{ app: { root, extension: "js" } },
	);
	const stop = started.stop;
	return Object.assign(started, {
		stop: () => stop().finally(() => rm(root, { recursive: true, force: true })),
	});
});

describe("the compiled build (what the image runs)", () => {
	it("starts without loading TypeScript, serves reads and writes, and applies a booking's events", async () => {
		expectStatus(await platform.api("GET", "/services"), 200, "catalog");
		const me = await platform.api("GET", "/cleaners/me", { as: "carla" });
		expectStatus(me, 200, "carla's profile");
		const vehicle = await createVehicle(platform, "alice", "small");
		const day = nextWeekday(3);
		const booked = await platform.api("POST", "/bookings", {
			as: "alice",
			body: washBooking(vehicle.id, at(day, "11:00"), me.body.homeBase, me.body.id),
		});
		expectStatus(booked, 201, "book");
		await eventually("the vehicle's upcoming booking", async () => {
			const read = await platform.api("GET", `/vehicles/${vehicle.id}`, { as: "alice" });
			return read.body.history?.upcomingBookingId === booked.body.id ? true : undefined;
		});
	});
});
