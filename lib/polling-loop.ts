import type { Logger } from "moleculer";
import type { ComponentHealth } from "./ops-endpoint.ts";
import { backoff } from "./retry.ts";

/** How a worker polls; `pollMs` and `logger` come from the node that runs it. */
export interface PollingSettings {
	/** Names the worker in its log lines and, in kebab case, its /health/ready component. */
	name: string;
	/** A round that handled this many means more are waiting: the next one starts at once. */
	batchSize: number;
	/** Failing rounds back off from `pollMs` up to this. */
	maxBackoffMs: number;
	/** Housekeeping (`purge`) runs after a round at most this often. */
	purgeEveryMs: number;
	/** What waits while rounds fail, for the health detail ("events wait in the outbox"). */
	waiting: string;
}

/**
 * A worker that polls a table: rounds one after another, a pause between them that a local change cuts
 * short (`nudge`), backoff while rounds fail (a database or broker away), housekeeping now and then, and a
 * clean stop after the round under way. The booking outbox relay and the webhook dispatcher are ones.
 */
export abstract class PollingWorker {
	/** Its /health/ready component: the name in kebab case ("outbox-relay"). */
	readonly component: string;
	/** Failed rounds in a row; 0 once a round succeeds. */
	protected failures = 0;
	private lastError = "";
	private readonly settings: PollingSettings;
	private readonly node: { pollMs: number; logger: Logger };
	private running?: Promise<void>;
	private stopped = false;
	/** A nudge came while a round was running: the next pause is skipped. */
	private nudged = false;
	private wake?: () => void;
	private purgedAt = 0;

	constructor(settings: PollingSettings, node: { pollMs: number; logger: Logger }) {
		this.settings = settings;
		this.node = node;
		this.component = settings.name.toLowerCase().replaceAll(" ", "-");
	}

	/** One round of work; answers how many items it handled. Throws when the round failed as a whole. */
	protected abstract round(): Promise<number>;

	/** Deletes what was finished long ago. */
	protected abstract purge(): Promise<unknown>;

	start(): void {
		this.running ??= this.loop();
	}

	/** Starts the next round now instead of after the pause. */
	nudge(): void {
		this.nudged = true;
		this.wake?.();
	}

	/** Ends the loop after the round under way. */
	async stop(): Promise<void> {
		this.stopped = true;
		this.wake?.();
		await this.running;
	}

	/** For /health/ready: failing rounds mean the work waits (nothing is lost). */
	health(): ComponentHealth {
		const { component } = this;
		if (this.failures === 0) return { component, ok: true };
		const detail = `${this.failures} failed rounds, ${this.settings.waiting}: ${this.lastError}`;
		return { component, ok: false, degraded: true, detail };
	}

	private async loop(): Promise<void> {
		const { name, batchSize, maxBackoffMs } = this.settings;
		const { pollMs, logger } = this.node;
		while (!this.stopped) {
			let handled = 0;
			try {
				handled = await this.round();
				await this.purgeWhenDue();
				if (this.failures > 0) logger.info(`${name} working again after ${this.failures} failed rounds`);
				this.failures = 0;
			} catch (error) {
				this.failures++;
				this.lastError = (error as Error).message;
				if (this.failures === 1 || this.failures % 20 === 0)
					logger.warn(`${name} round failed (${this.failures} in a row): ${this.lastError}`);
			}
			if (handled < batchSize)
				await this.pause(this.failures === 0 ? pollMs : backoff(this.failures, pollMs, maxBackoffMs));
		}
	}

	private async purgeWhenDue(): Promise<void> {
		if (Date.now() - this.purgedAt <= this.settings.purgeEveryMs) return;
		await this.purge();
		this.purgedAt = Date.now();
	}

	private pause(ms: number): Promise<void> {
		if (this.nudged || this.stopped) {
			this.nudged = false;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.wake = undefined;
				this.nudged = false;
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wake = done;
		});
	}
}
