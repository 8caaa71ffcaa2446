import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Sequelize } from "sequelize";
import { createSequelize, migrate } from "../../lib/database.ts";
import type { DeliveryStatus } from "../../services/webhook/contract.ts";
import { purgeFinishedDeliveries } from "../../services/webhook/dispatcher.ts";
import { WEBHOOK_MIGRATIONS } from "../../services/webhook/migrations/index.ts";
import { deliveriesTable } from "../../services/webhook/models.ts";

const DAY = 86_400_000;

/** The webhook database's deliveries table on a SQLite file of its own, migrated as the service does it. */
describe("webhook deliveries table", () => {
	let sequelize: Sequelize;
	before(async () => {
		const storage = join(mkdtempSync(join(tmpdir(), "webhook-deliveries-")), "webhook.sqlite");
		sequelize = createSequelize({ dialect: "sqlite", storage, poolMax: 1 });
		await migrate(sequelize, WEBHOOK_MIGRATIONS, "webhook-test");
	});
	after(() => sequelize.close());

	const delivery = (status: DeliveryStatus, ageDays: number) => {
		const at = new Date(Date.now() - ageDays * DAY);
		return {
			id: randomUUID(),
			endpointId: randomUUID(),
			messageId: `msg_${randomUUID().replaceAll("-", "")}`,
			eventType: "booking.created.v1" as const,
			bookingId: randomUUID(),
			payload: "{}",
			status,
			attempts: 1,
			nextAttemptAt: status === "pending" ? at : null,
			giveUpAt: new Date(at.getTime() + DAY),
			createdAt: at,
			updatedAt: at,
		};
	};

	it("forgets finished deliveries after the retention, and never a waiting one", async () => {
		const rows = [
			delivery("succeeded", 40),
			delivery("failed", 31),
			delivery("succeeded", 29),
			delivery("failed", 1),
			delivery("pending", 45),
		];
		const table = deliveriesTable(sequelize);
		// silent: keep the timestamps given instead of now.
		for (const row of rows) await table.create(row, { silent: true });
		const purged = await purgeFinishedDeliveries(sequelize, new Date(Date.now() - 30 * DAY));
		assert.equal(purged, 2);
		const left = await table.findAll({ order: [["createdAt", "ASC"]] });
		assert.deepEqual(
			left.map((row) => row.id),
			[rows[4].id, rows[2].id, rows[3].id],
		);
	});
});
