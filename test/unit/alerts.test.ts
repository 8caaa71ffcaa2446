import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { ROOT } from "../support/platform.ts";

const DIR = join(ROOT, "infra/observability");

interface RuleFile {
	groups: Array<{ rules: Array<{ alert?: string; record?: string; annotations?: Record<string, string> }> }>;
}
const rules = parse(readFileSync(join(DIR, "alerts.yml"), "utf8")) as RuleFile;
const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert !== undefined);

/** Runs promtool (Debian's prometheus package); skipped with the reason where it is not installed, never in CI. */
function promtool(t: { skip(reason: string): void }, ...args: string[]): string | undefined {
	const run = spawnSync("promtool", args, { cwd: DIR, encoding: "utf8" });
	if ((run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
		// CI (.ci/run) installs it and sets REQUIRE_PROMETHEUS: there a missing promtool fails instead.
		assert.ok(
			!process.env.REQUIRE_PROMETHEUS,
			"promtool is required here (REQUIRE_PROMETHEUS) but not installed",
		);
		t.skip("promtool is not installed (apt-get install prometheus)");
		return undefined;
	}
	assert.equal(run.status, 0, `promtool ${args.join(" ")}:\n${run.stdout}${run.stderr}`);
	return run.stdout;
}

describe("alert rules (infra/observability/alerts.yml)", () => {
	it("pass promtool check rules", (t) => {
		const output = promtool(t, "check", "rules", "alerts.yml");
		if (output !== undefined) assert.match(output, /SUCCESS: \d+ rules found/);
	});

	it("pass their unit tests (promtool test rules)", (t) => {
		const output = promtool(t, "test", "rules", "alerts.test.yml");
		if (output !== undefined) assert.match(output, /SUCCESS/);
	});

	it("every alert is tested firing and not firing", () => {
		const tests = parse(readFileSync(join(DIR, "alerts.test.yml"), "utf8")) as {
			tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
		};
		const cases = tests.tests.flatMap((test) => test.alert_rule_test);
		for (const { alert } of alerts) {
			const own = cases.filter((c) => c.alertname === alert);
			assert.ok(
				own.some((c) => c.exp_alerts.length > 0),
				`${alert} is never tested firing`,
			);
			assert.ok(
				own.some((c) => c.exp_alerts.length === 0),
				`${alert} is never tested staying quiet`,
			);
		}
	});

	it("every alert links a runbook section that exists in docs/operations.md", () => {
		const runbook = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
		const anchors = new Set(
			[...runbook.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
				m[1]
					.toLowerCase()
					.replace(/[^a-z0-9 -]/g, "")
					.replace(/ /g, "-"),
			),
		);
		for (const { alert, annotations } of alerts) {
			const link = annotations?.runbook ?? "";
			assert.match(link, /^docs\/operations\.md#/, `${alert} has a runbook link`);
			assert.ok(
				anchors.has(link.split("#")[1]),
				`${alert}: no section "${link.split("#")[1]}" in docs/operations.md`,
			);
		}
	});

	it("Prometheus loads them (prometheus.yml names the rule file)", () => {
		const prometheus = parse(readFileSync(join(DIR, "prometheus.yml"), "utf8")) as { rule_files?: string[] };
		assert.deepEqual(prometheus.rule_files, ["alerts.yml"]);
	});
});
