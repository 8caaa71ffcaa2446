import type { Operations } from "./api.ts";
import { ActionForm, TextField, useAction, useFields } from "./form.tsx";
import { CardSection, Editor, useApp } from "./ui.tsx";

type Customer = Operations["customers.me"]["response"];
type Address = Customer["addresses"][number];
const NEW_ADDRESS = {
	label: "",
	street: "",
	postcode: "",
	city: "",
	country: "NL",
	latitude: "",
	longitude: "",
};
const ADDRESS_FIELDS = [
	["label", "Label (home, office)"],
	["street", "Street"],
	["postcode", "Postcode"],
	["city", "City"],
	["country", "Country (two letters)"],
	["latitude", "Latitude"],
	["longitude", "Longitude"],
] as const;

/** The customer's name, phone and addresses; the default address is where cleaners come unless told otherwise. */
export function Profile() {
	const { api } = useApp();
	const load = async () => (await api("customers.me", {})).data;
	return <Editor what="your profile" load={load} form={ProfileForm} />;
}

function ProfileForm({ current: customer, onSaved }: { current: Customer; onSaved: () => void }) {
	const { api } = useApp();
	const details = useFields({ displayName: customer.displayName, phone: customer.phone ?? "" });
	const address = useFields(NEW_ADDRESS);
	const detailsAction = useAction();
	const addresses = useAction();
	const saveDetails = async () => {
		const { displayName, phone } = details.values;
		await api("customers.updateMe", { body: { displayName, phone: phone || null } });
		onSaved();
	};
	const saveAddresses = async (list: Array<Omit<Address, "id"> & { id?: string }>) => {
		await api("customers.updateMe", { body: { addresses: list } });
		onSaved();
	};
	const addAddress = () =>
		saveAddresses([
			...customer.addresses,
			{
				...address.values,
				label: address.values.label || null,
				latitude: Number(address.values.latitude),
				longitude: Number(address.values.longitude),
				isDefault: customer.addresses.length === 0,
			},
		]);
	const addressError = (field: string) =>
		Object.entries(addresses.errors).find(([key]) => key === field || key.endsWith(`.${field}`))?.[1];

	return (
		<section>
			<h1>Profile</h1>
			<ActionForm
				action={detailsAction}
				onSubmit={saveDetails}
				submit="Save details"
				aria-label="Your details"
			>
				<TextField label="Name" error={detailsAction.errors.displayName} {...details.bind("displayName")} />
				<TextField label="Phone" type="tel" error={detailsAction.errors.phone} {...details.bind("phone")} />
			</ActionForm>
			<CardSection
				title="Addresses"
				empty="No address yet: add one so cleaners know where to come."
				items={customer.addresses}
			>
				{(entry) => (
					<li className="card" key={entry.id}>
						<strong>{entry.label ?? entry.street}</strong>{" "}
						{entry.isDefault && <span className="status">default</span>}
						<div>
							{entry.street}, {entry.postcode} {entry.city}
						</div>
						<div className="row">
							{!entry.isDefault && (
								<button
									type="button"
									disabled={addresses.busy}
									onClick={() =>
										addresses.run(() =>
											saveAddresses(
												customer.addresses.map((other) => ({ ...other, isDefault: other.id === entry.id })),
											),
										)
									}
								>
									Make default
								</button>
							)}
							<button
								type="button"
								disabled={addresses.busy}
								onClick={() =>
									addresses.run(() =>
										saveAddresses(customer.addresses.filter((other) => other.id !== entry.id)),
									)
								}
							>
								Remove
							</button>
						</div>
					</li>
				)}
			</CardSection>
			<ActionForm action={addresses} onSubmit={addAddress} submit="Add address" aria-label="Add an address">
				{ADDRESS_FIELDS.map(([field, label]) => (
					<TextField
						key={field}
						label={label}
						error={addressError(field)}
						inputMode={field === "latitude" || field === "longitude" ? "decimal" : undefined}
						{...address.bind(field)}
					/>
				))}
			</ActionForm>
		</section>
	);
}
