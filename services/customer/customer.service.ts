import { randomUUID } from "node:crypto";
import type { Service } from "moleculer";
import { col, fn, type Model, Op, where } from "sequelize";
import { findPage, isUniqueViolation } from "../../lib/database.ts";
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import { ADDRESS_PROPS, ID_PARAMS, PAGE_PARAMS, type Page, PHONE_RULE } from "../../lib/input-rules.ts";
import { currentUser, type RequestContext } from "../../lib/request-context.ts";
import type { ServiceDefinition } from "../../lib/service-definition.ts";
import { type DatabaseService, databaseMixin } from "../../mixins/database.mixin.ts";
import type { Address, Customer, CustomerChanged, CustomerContact, CustomerDeleted } from "./contract.ts";
import {
	type AddressInput,
	canonicalLanguage,
	DELETED_CUSTOMER_NAME,
	defaultAddress,
	MAX_ADDRESSES,
	normaliseAddresses,
} from "./customer-rules.ts";
import { CUSTOMERS_TABLE } from "./migrations/0001-create-customers.ts";
import { CUSTOMER_MIGRATIONS } from "./migrations/index.ts";
import { demoCustomers } from "./seed.ts";

interface CustomerRow extends Omit<Customer, "deleted" | "deletedAt" | "createdAt" | "updatedAt"> {
	deletedAt: Date | null;
	createdAt: Date;
	updatedAt: Date;
}

interface ProfileFields {
	displayName: string;
	email: string;
	phone?: string | null;
	language?: string;
	addresses?: AddressInput[];
}

type CustomerModel = Model & CustomerRow;

const addressRule = {
	type: "object",
	title: "AddressInput",
	strict: true,
	props: {
		id: { type: "uuid", optional: true },
		...ADDRESS_PROPS,
		isDefault: { type: "boolean", optional: true },
	},
} as const;
const profileFields = {
	displayName: { type: "string", min: 1, max: 100, trim: true },
	email: { type: "email", max: 254, normalize: true },
	phone: PHONE_RULE,
	language: { type: "string", min: 2, max: 35, optional: true },
	addresses: { type: "array", max: MAX_ADDRESSES, items: addressRule, optional: true },
} as const;
const optional = <T extends object>(rule: T) => ({ ...rule, optional: true });

function toCustomer(row: CustomerRow): Customer {
	const { deletedAt, createdAt, updatedAt, ...customer } = row;
	return {
		...customer,
		deleted: deletedAt !== null,
		deletedAt: deletedAt?.toISOString() ?? null,
		createdAt: createdAt.toISOString(),
		updatedAt: updatedAt.toISOString(),
	};
}

const rowOf = (model: Model) => model.get() as CustomerRow;

function assertNotDeleted(row: CustomerRow): void {
	if (row.deletedAt !== null) {
		throw new ConflictError("this customer profile was deleted", "CUSTOMER_DELETED", {
			deletedAt: row.deletedAt.toISOString(),
		});
	}
}

/** Validated client fields in stored form; addresses keep the ids the customer already has. */
function storedFields(
	fields: Partial<ProfileFields>,
	currentAddresses: readonly Address[],
): Partial<CustomerRow> {
	const { addresses, language, ...rest } = fields;
	return {
		...rest,
		...(language !== undefined ? { language: canonicalLanguage(language) } : {}),
		...(addresses !== undefined
			? { addresses: normaliseAddresses(addresses, new Set(currentAddresses.map((address) => address.id))) }
			: {}),
	};
}

type Self = Service &
	DatabaseService & {
		findBySubject(subject: string): Promise<CustomerModel | null>;
		findOwnProfile(ctx: RequestContext): Promise<CustomerModel>;
	};

/**
 * Customers' profiles, one per OIDC subject: contact details, language and the addresses where their vehicles
 * are cleaned. Deleting a profile erases the personal data but keeps the row for the bookings that refer to it.
 */
const CustomerService: ServiceDefinition<Self> = {
	name: "customers",
	mixins: [
		databaseMixin({
			owner: "customer",
			migrations: CUSTOMER_MIGRATIONS,
			seed: demoCustomers,
			model: CUSTOMERS_TABLE,
		}),
	],

	actions: {
		/** Idempotent: registering again answers the existing profile (200 instead of 201). */
		registerMe: {
			params: { $$strict: true, ...profileFields },
			async handler(this: Self, ctx: RequestContext<ProfileFields>): Promise<Customer> {
				const subject = currentUser(ctx).id;
				const existing = await this.findBySubject(subject);
				if (existing) {
					assertNotDeleted(rowOf(existing));
					return toCustomer(rowOf(existing));
				}
				try {
					const row = await this.model.create({
						language: "en",
						addresses: [],
						...storedFields(ctx.params, []),
						id: randomUUID(),
						subject,
						deletedAt: null,
					});
					ctx.meta.$statusCode = 201;
					return toCustomer(rowOf(row));
				} catch (error) {
					// A concurrent registration of the same subject won the race: answer its profile.
					const winner = isUniqueViolation(error) ? await this.findBySubject(subject) : null;
					if (!winner) throw error;
					return toCustomer(rowOf(winner));
				}
			},
		},

		me: {
			params: { $$strict: true },
			async handler(this: Self, ctx: RequestContext): Promise<Customer> {
				return toCustomer(rowOf(await this.findOwnProfile(ctx)));
			},
		},

		updateMe: {
			params: {
				$$strict: true,
				displayName: optional(profileFields.displayName),
				email: optional(profileFields.email),
				phone: profileFields.phone,
				language: profileFields.language,
				addresses: profileFields.addresses,
			},
			async handler(this: Self, ctx: RequestContext<Partial<ProfileFields>>): Promise<Customer> {
				const row = await this.findOwnProfile(ctx);
				assertNotDeleted(rowOf(row));
				await row.update(storedFields(ctx.params, row.addresses));
				await this.broker.broadcast("customers.changed", { subject: row.subject } satisfies CustomerChanged);
				return toCustomer(rowOf(row));
			},
		},

		/** Erases the personal data (right to erasure) and keeps the anonymous row; idempotent. */
		deleteMe: {
			params: { $$strict: true },
			async handler(this: Self, ctx: RequestContext): Promise<Customer> {
				const row = await this.findOwnProfile(ctx);
				if (row.deletedAt === null) {
					await row.update({
						displayName: DELETED_CUSTOMER_NAME,
						email: null,
						phone: null,
						addresses: [],
						deletedAt: new Date(),
					});
					// Other services hold data keyed by the subject (vehicles, bookings) and may erase theirs.
					this.broker.emit("customers.deleted", {
						id: row.id,
						subject: row.subject,
					} satisfies CustomerDeleted);
					await this.broker.broadcast("customers.changed", {
						subject: row.subject,
					} satisfies CustomerChanged);
				}
				return toCustomer(rowOf(row));
			},
		},

		search: {
			params: { $$strict: true, q: { type: "string", max: 100, trim: true, optional: true }, ...PAGE_PARAMS },
			async handler(
				this: Self,
				ctx: RequestContext<{ q?: string; limit: number; offset: number }>,
			): Promise<Page<Customer>> {
				const { q, limit, offset } = ctx.params;
				// INSTR instead of LIKE: no wildcard escaping, and the same function on SQLite and MySQL.
				const contains = (column: string) =>
					where(fn("instr", fn("lower", col(column)), q?.toLowerCase()), Op.gt, 0);
				const { rows, count } = await findPage(this.model, {
					where: q ? { [Op.or]: [contains("display_name"), contains("email")] } : {},
					order: [
						["createdAt", "ASC"],
						["id", "ASC"],
					],
					limit,
					offset,
				});
				return { items: rows.map((row) => toCustomer(rowOf(row))), total: count, limit, offset };
			},
		},

		getById: {
			params: { $$strict: true, ...ID_PARAMS },
			async handler(this: Self, ctx: RequestContext<{ id: string }>): Promise<Customer> {
				const row = (await this.model.findByPk(ctx.params.id)) as CustomerModel | null;
				if (!row) throw new NotFoundError("customer", ctx.params.id);
				return toCustomer(rowOf(row));
			},
		},

		/**
		 * Internal (no route): where the notification service writes to the customer of a booking (bookings name
		 * customers by subject); null for an unknown subject, a null e-mail for a deleted profile.
		 */
		contact: {
			visibility: "public",
			params: { $$strict: true, subject: { type: "string", min: 1, max: 255 } },
			async handler(this: Self, ctx: RequestContext<{ subject: string }>): Promise<CustomerContact | null> {
				const row = await this.findBySubject(ctx.params.subject);
				if (!row) return null;
				const { displayName, email, language } = rowOf(row);
				return { displayName, email, language };
			},
		},

		/** Internal (no route): where the caller's vehicles are by default, for the booking service. */
		defaultLocation: {
			visibility: "public",
			params: { $$strict: true },
			async handler(this: Self, ctx: RequestContext): Promise<Address | null> {
				const row = await this.findBySubject(currentUser(ctx).id);
				return row ? defaultAddress(row.addresses) : null;
			},
		},
	},

	methods: {
		async findBySubject(this: Self, subject: string) {
			return (await this.model.findOne({ where: { subject } })) as CustomerModel | null;
		},

		/** The caller's own profile, or 404 when they have not registered one. */
		async findOwnProfile(this: Self, ctx: RequestContext) {
			const subject = currentUser(ctx).id;
			const row = await this.findBySubject(subject);
			if (!row) throw new NotFoundError("customer profile", subject);
			return row;
		},
	},
};

export default CustomerService;
