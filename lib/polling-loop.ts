import type { Logger } from "moleculer";
import { backoff } from "./retry.ts";

export interface PollingLoopOptions {
	/** Names the loop in its log lines. */
	name: string;
	/** One round of work; answers how many items it handled. Throws when the round failed as a whole. */
	round: () => Promise<number>;
	/** A round that handled this many means more are waiting: the next one starts at once. */
	batchSize: number;
	/** The pause between rounds while rounds succeed. */
	pollMs: number;
	/** Failing rounds back off from `pollMs` up to this. */
	maxBackoffMs: number;
	logger: Logger;
}

/**
 * A worker that polls a table: rounds one after another, a pause between them that a local change cuts
 * short (`nudge`), backoff while rounds fail (a database or broker away), and a clean stop after the round
 * under way. The booking outbox relay and the webhook dispatcher run on it.
 */
export class PollingLoop {
	/** Failed rounds in a row; 0 once a round succeeds. */
	failures = 0;
	lastError = "";
	private readonly options: PollingLoopOptions;
	private running?: Promise<void>;
	private stopped = false;
	/** A nudge came while a round was running: the next pause is skipped. */
	private nudged = false;
	private wake?: () => void;

	constructor(options: PollingLoopOptions) {
		this.options = options;
	}

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

	private async loop(): Promise<void> {
		const { name, round, batchSize, pollMs, maxBackoffMs, logger } = this.options;
		while (!this.stopped) {
			let handled = 0;
			try {
				handled = await round();
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
