import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Context, ServiceBroker, type ServiceSchema } from "moleculer";
import type { DatabaseConfig } from "../../config/index.ts";
import { closeEventBus } from "../../lib/events/bus.ts";

/**
 * A broker for service tests in the Moleculer template's style: the services under test created with test
 * settings (their own SQLite file), their neighbours stubbed as services.
 */
export function testBroker() {
	const dir = mkdtempSync(join(tmpdir(), "service-test-"));
	const broker = new ServiceBroker({ logger: false, validator: true });
	return {
		broker,
		/** The service with its database in a fresh SQLite file of this broker's. */
		withDatabase(schema: object, file: string): ServiceSchema {
			const database: DatabaseConfig = {
				dialect: "sqlite",
				storage: join(dir, `${file}.sqlite`),
				poolMax: 1,
			};
			const { settings } = schema as { settings?: object };
			return { ...schema, settings: { ...settings, database } } as unknown as ServiceSchema;
		},
		/**
		 * Stubs the neighbour `name` as a service that listens to `event`: the list returned fills with what
		 * `pick` takes from each event's params.
		 */
		listener<P, T>(name: string, event: string, pick: (params: P) => T): T[] {
			const heard: T[] = [];
			broker.createService({
				name,
				events: {
					[event]: (ctx: Context<P>) => {
						heard.push(pick(ctx.params));
					},
				},
			});
			return heard;
		},
		async stop() {
			await broker.stop();
			await closeEventBus();
		},
	};
}

/** The meta of a call on behalf of a signed-in person. */
export const as = (id: string, ...roles: string[]) => ({ meta: { user: { id, roles, scopes: [] } } });
