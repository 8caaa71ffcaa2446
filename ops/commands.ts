import type { ServiceBroker } from "moleculer";
import { eventBus } from "../lib/events/bus.ts";
import { CONSUMER_GROUPS, deadLetterTopic } from "../lib/events/contract.ts";
import { listDeadLetters, mainTopic, purgeDeadLetters, redrive } from "../lib/events/dlq.ts";
import { asOps } from "../lib/ops/identity.ts";
import type { DayStats, OutboxStatus } from "../services/booking/contract.ts";
import type { SettingsView } from "../services/configuration/contract.ts";
import type { MailDelivery, NotificationStatus, ResendResult } from "../services/notification/contract.ts";
import type { FailedDelivery } from "../services/webhook/contract.ts";
import {
	limitParams,
	nodesRunning,
	printTable,
	type ReplCommand,
	type ReplHelpers,
	replCommand,
	UsageError,
} from "./repl.ts";

const age = (seconds: number | null) => (seconds === null ? "-" : `${seconds} s`);

const outbox = replCommand({
	command: "outbox",
	description: "Events waiting in the booking outbox per topic, and the relay of each booking node",
	usage: "  outbox",
	async run(broker, words, h) {
		if (words.length > 0) throw new UsageError(`unexpected argument "${words[0]}"`);
		const nodes = nodesRunning(broker, "bookings");
		if (nodes.length === 0) throw new Error("no booking node is online");
		const statuses = await Promise.all(
			nodes.map((nodeID) =>
				broker.call<OutboxStatus, object>("bookings.outboxStatus", {}, asOps({ nodeID })),
			),
		);
		printTable(
			h,
			["topic", "waiting", "oldest unsent"],
			statuses[0].backlog.map((entry) => [entry.topic, entry.waiting, age(entry.oldestAgeSeconds)]),
		);
		printTable(
			h,
			["booking node", "relay", "detail"],
			statuses.map((s) => [s.node, s.relay.ok ? "publishing" : "failing", s.relay.detail ?? ""]),
		);
	},
});

const consumers = replCommand({
	command: "consumers",
	description: "Each domain-event consumer group: state, members, partitions, committed offsets and lag",
	usage: "  consumers",
	async run(broker, words, h) {
		if (words.length > 0) throw new UsageError(`unexpected argument "${words[0]}"`);
		const bus = eventBus(broker.logger);
		if (!bus.groupStatus) throw new Error("consumer groups live in Kafka: give this node EVENTS_KAFKA_URL");
		const groups = await Promise.all(
			Object.values(CONSUMER_GROUPS).map(({ group, topics }) => bus.groupStatus?.(group, topics)),
		);
		const known = groups.filter((g) => g !== undefined);
		printTable(
			h,
			["group", "state", "members", "lag"],
			known.map((g) => [g.group, g.state, g.members.length, g.partitions.reduce((sum, p) => sum + p.lag, 0)]),
		);
		printTable(
			h,
			["group", "member", "host", "partitions"],
			known.flatMap((g) => g.members.map((m) => [g.group, m.clientId, m.host, m.partitions.join(" ")])),
		);
		printTable(
			h,
			["group", "partition", "committed", "end", "lag"],
			known.flatMap((g) =>
				g.partitions.map((p) => [g.group, `${p.topic}[${p.partition}]`, p.committed, p.end, p.lag]),
			),
		);
	},
});

const dlq = replCommand({
	command: "dlq <action> <topic> [eventIds...]",
	description: "Dead-lettered domain events: list them, publish them to their topic again, or purge them",
	usage: [
		"  dlq list <topic>                    what <topic>.dlq holds",
		"  dlq redrive <topic> <eventId...>    publish these events to <topic> again",
		"  dlq purge <topic>                   delete what <topic>.dlq holds (after re-driving)",
	].join("\n"),
	async run(broker, [action, topic, ...ids], h) {
		if (topic === undefined) throw new UsageError("name a topic");
		const bus = eventBus(broker.logger);
		const parked = deadLetterTopic(mainTopic(topic));
		if (action === "list") {
			const letters = await listDeadLetters(bus, topic);
			printTable(
				h,
				["event id", "type", "key", "group", "failed at", "origin", "error"],
				letters.map((l) => [l.eventId, l.type, l.key, l.group, l.failedAt, l.origin, l.error]),
				`${parked} is empty`,
			);
		} else if (action === "redrive") {
			if (ids.length === 0) throw new UsageError("name the event ids to re-drive");
			const { redriven, notFound } = await redrive(bus, topic, ids);
			console.log(`re-driven to ${mainTopic(topic)}: ${redriven.length} (${redriven.join(" ") || "none"})`);
			if (notFound.length > 0) console.log(`not in ${parked}: ${notFound.join(" ")}`);
		} else if (action === "purge") {
			console.log(`purged ${await purgeDeadLetters(bus, topic)} records from ${parked}`);
		} else {
			throw new UsageError(`unknown action "${action}"`);
		}
	},
});

/** `key=value`: the value as JSON when it parses (numbers), as text otherwise (time zones). */
function settingChanges(words: string[]): Record<string, unknown> {
	if (words.length === 0) throw new UsageError("name at least one key=value");
	return Object.fromEntries(
		words.map((word) => {
			const at = word.indexOf("=");
			if (at <= 0) throw new UsageError(`"${word}" is not key=value`);
			const raw = word.slice(at + 1);
			let value: unknown = raw;
			try {
				value = JSON.parse(raw);
			} catch {
				// text
			}
			return [word.slice(0, at), value];
		}),
	);
}

function printSettings(h: ReplHelpers, view: SettingsView): void {
	const changed = new Map(view.changes.map((change) => [change.key, change]));
	printTable(
		h,
		["setting", "value", "changed by", "changed at"],
		Object.entries(view.settings).map(([key, value]) => [
			key,
			value,
			changed.get(key as never)?.updatedBy ?? "(default)",
			changed.get(key as never)?.updatedAt,
		]),
	);
}

const settings = replCommand({
	command: "settings <action> [changes...]",
	description:
		"Runtime business settings: show them, or change them (validated, audited, pushed to every node)",
	usage: [
		"  settings get",
		"  settings set <key>=<value> [<key>=<value>...]   e.g. settings set travelBufferMinutes=20",
	].join("\n"),
	async run(broker, [action, ...rest], h) {
		if (action === "get") {
			if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
			printSettings(h, await broker.call<SettingsView, object>("configuration.list", {}, asOps()));
		} else if (action === "set") {
			const view = await broker.call<SettingsView, object>(
				"configuration.update",
				settingChanges(rest),
				asOps(),
			);
			printSettings(h, view);
		} else {
			throw new UsageError(`unknown action "${action}"`);
		}
	},
});

interface MetricSnapshot {
	name: string;
	values: Array<{ labels: Record<string, string>; value: number }>;
}

/** Conflicts (409) counted by every booking node since it started. */
async function conflictsByReason(broker: ServiceBroker): Promise<Map<string, number>> {
	const totals = new Map<string, number>();
	for (const nodeID of nodesRunning(broker, "bookings")) {
		const metrics = await broker.call<MetricSnapshot[], object>(
			"$node.metrics",
			{ includes: ["bookings_conflicts_total"] },
			{ nodeID },
		);
		for (const { labels, value } of metrics.flatMap((metric) => metric.values)) {
			const reason = `${labels.action} ${labels.reason}`;
			totals.set(reason, (totals.get(reason) ?? 0) + value);
		}
	}
	return totals;
}

const bookings = replCommand({
	command: "bookings <action> [date]",
	description:
		"A day's bookings by status and late cancellations, and the conflicts (409) of the running nodes",
	usage: "  bookings stats [YYYY-MM-DD]     the day in the platform's time zone (default today)",
	async run(broker, [action, date, ...rest], h) {
		if (action !== "stats") throw new UsageError(`unknown action "${action}"`);
		if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
		const stats = await broker.call<DayStats, object>(
			"bookings.dayStats",
			date === undefined ? {} : { date },
			asOps(),
		);
		console.log(`Bookings starting on ${stats.date} (${stats.timeZone})`);
		printTable(
			h,
			["status", "bookings"],
			Object.entries(stats.byStatus).map(([status, count]) => [status, count]),
		);
		const fees = Object.entries(stats.feesMinor).map(([currency, minor]) => `${minor} ${currency}`);
		console.log(`late cancellations: ${stats.lateCancellations} (fees ${fees.join(", ") || "none"})`);
		const conflicts = await conflictsByReason(broker);
		console.log(
			`conflicts (409) since the booking nodes started: ${[...conflicts.values()].reduce((a, b) => a + b, 0)}`,
		);
		printTable(
			h,
			["action reason", "conflicts"],
			[...conflicts].map(([reason, count]) => [reason, count]),
		);
	},
});

const cache = replCommand({
	// moleculer-repl owns the word `cache` (`cache keys`, `cache clear <pattern>`) and lets no custom command
	// add to it.
	command: "cache-clean <service>",
	description: "Cleans a service's entries in the shared cache (its cached actions and read-through entries)",
	usage: "  cache-clean <service>     e.g. cache-clean catalog",
	async run(broker, [service, ...rest]) {
		if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
		const known = [
			...new Set(
				(broker.registry.getServiceList({ skipInternal: true }) as Array<{ name: string }>).map(
					(s) => s.name,
				),
			),
		].sort();
		if (!known.includes(service)) {
			throw new UsageError(`unknown service "${service}" (online: ${known.join(", ")})`);
		}
		if (!broker.cacher) throw new Error("this node has no cacher");
		// Action results are cached as `<service>.<action>:…`, read-through entries as `<service>:…`.
		await broker.cacher.clean([`${service}.**`, `${service}:**`]);
		console.log(`cleaned the cache entries of ${service}`);
	},
});

const mail = replCommand({
	command: "mail <action> [ids...]",
	description:
		"E-mails of the notification service: counts and waiting reminders, the failed ones (dead letters), re-sending them",
	usage: [
		"  mail status                  e-mails by status, reminders waiting, whether SMTP is configured",
		"  mail failed [limit]          e-mails whose every attempt failed, newest first (default 50)",
		"  mail resend <id...>          queue these failed e-mails again, with a fresh set of attempts",
	].join("\n"),
	async run(broker, [action, ...rest], h) {
		if (action === "status") {
			if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
			const status = await broker.call<NotificationStatus, object>("notifications.status", {}, asOps());
			printTable(h, ["status", "e-mails"], Object.entries(status.deliveries));
			console.log(
				`reminders waiting: ${status.reminders.waiting} (next job ${status.reminders.nextJobStart ?? "-"}); SMTP ${status.smtp}`,
			);
		} else if (action === "failed") {
			if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`);
			const failed = await broker.call<MailDelivery[], object>(
				"notifications.failed",
				limitParams(rest[0]),
				asOps(),
			);
			printTable(
				h,
				["id", "kind", "recipient", "booking", "attempts", "last attempt", "error"],
				failed.map((m) => [
					m.id,
					m.kind,
					`${m.recipient.type} ${m.recipient.id}`,
					m.bookingId,
					m.attempts,
					m.updatedAt,
					m.lastError,
				]),
				"no failed e-mails",
			);
		} else if (action === "resend") {
			if (rest.length === 0) throw new UsageError("name the ids of the failed e-mails to send again");
			const result = await broker.call<ResendResult, object>("notifications.resend", { ids: rest }, asOps());
			console.log(`queued again: ${result.queued.length} (${result.queued.join(" ") || "none"})`);
			if (result.notFound.length > 0) console.log(`not failed e-mails: ${result.notFound.join(" ")}`);
		} else {
			throw new UsageError(`unknown action "${action}"`);
		}
	},
});

const webhooks = replCommand({
	command: "webhooks <action> [limit]",
	description: "Partner webhook deliveries that failed for good (retries over, or the endpoint disabled)",
	usage:
		"  webhooks failed [limit]     the latest failed deliveries, every partner's (default 20, at most 100)",
	async run(broker, [action, limit, ...rest], h) {
		if (action !== "failed") throw new UsageError(`unknown action "${action}"`);
		if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
		const failed = await broker.call<FailedDelivery[], object>(
			"webhooks.failedDeliveries",
			limitParams(limit),
			asOps(),
		);
		printTable(
			h,
			["delivery", "partner", "url", "event", "attempts", "failed at", "last error"],
			failed.map((d) => [
				d.id,
				d.partnerClientId,
				d.url,
				d.eventType,
				d.attempts,
				d.failedAt,
				d.lastError ?? "",
			]),
			"no failed webhook deliveries",
		);
		if (failed.length > 0)
			console.log(
				"the partner re-sends them (POST /api/webhooks/deliveries/:id/resend) once its endpoint works",
			);
	},
});

/** The ops commands of the Moleculer REPL (`npm run ops`, `npm run repl`). */
export const OPS_COMMANDS: ReplCommand[] = [
	outbox,
	consumers,
	dlq,
	settings,
	bookings,
	cache,
	mail,
	webhooks,
];
