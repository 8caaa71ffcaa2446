import type { Service, ServiceSchema, ServiceSettingSchema } from "moleculer";

/**
 * A service schema whose actions, methods and lifecycle handlers see `this` as TThis: the service with the
 * methods its mixins add, so that handlers are type-checked against what really exists.
 */
export type ServiceDefinition<TThis extends Service = Service> = ServiceSchema<
	ServiceSettingSchema & Record<string, unknown>,
	Record<string, unknown>,
	Record<string, unknown>,
	TThis
>;

/** Types a mixin against the service it extends, and hands it to `mixins: []` as a plain schema. */
export function defineMixin<TThis extends Service>(
	mixin: Partial<ServiceDefinition<TThis>> & Record<string, unknown>,
): Partial<ServiceSchema> {
	return mixin as unknown as Partial<ServiceSchema>;
}
