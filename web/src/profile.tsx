import { useState } from "react";
import { fieldErrors, type Operations } from "./api.ts";
import { Empty, ErrorNote, Field, Loading, useAction, useApp, useLoad } from "./ui.tsx";

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

/** The customer's name, phone and addresses; the default address is where cleaners come unless told otherwise. */
export function Profile() {
	const { api } = useApp();
	const me = useLoad(async () => (await api("customers.me", {})).data, []);
	if (me.loading && !me.data) return <Loading what="your profile" />;
	if (me.error || !me.data) return <ErrorNote error={me.error} onRetry={me.reload} />;
	return <ProfileForm key={me.data.updatedAt} customer={me.data} onSaved={me.reload} />;
}

function ProfileForm({ customer, onSaved }: { customer: Customer; onSaved: () => void }) {
	const { api } = useApp();
	const [name, setName] = useState(customer.displayName);
	const [phone, setPhone] = useState(customer.phone ?? "");
	const [address, setAddress] = useState(NEW_ADDRESS);
	const details = useAction();
	const addresses = useAction();
	const errors = fieldErrors(details.error);
	const addressErrors = fieldErrors(addresses.error);
	const saveAddresses = (list: Array<Omit<Address, "id"> & { id?: string }>) =>
		addresses.run(async () => {
			await api("customers.updateMe", { body: { addresses: list } });
			onSaved();
		});
	const addressError = (field: string) =>
		Object.entries(addressErrors).find(([key]) => key === field || key.endsWith(`.${field}`))?.[1];

	return (
		<section>
			<h1>Profile</h1>
			<form
				noValidate
				aria-label="Your details"
				onSubmit={(event) => {
					event.preventDefault();
					details.run(async () => {
						await api("customers.updateMe", { body: { displayName: name, phone: phone || null } });
						onSaved();
					});
				}}
			>
				<Field label="Name" error={errors.displayName}>
					{(id, describedBy) => (
						<input
							id={id}
							aria-describedby={describedBy}
							value={name}
							onChange={(e) => setName(e.target.value)}
						/>
					)}
				</Field>
				<Field label="Phone" error={errors.phone}>
					{(id, describedBy) => (
						<input
							id={id}
							type="tel"
							aria-describedby={describedBy}
							value={phone}
							onChange={(e) => setPhone(e.target.value)}
						/>
					)}
				</Field>
				<ErrorNote error={details.error} />
				<button type="submit" className="primary" disabled={details.busy}>
					Save details
				</button>
			</form>
			<h2>Addresses</h2>
			{customer.addresses.length === 0 && (
				<Empty>No address yet: add one so cleaners know where to come.</Empty>
			)}
			<ul className="cards">
				{customer.addresses.map((entry) => (
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
										saveAddresses(
											customer.addresses.map((other) => ({ ...other, isDefault: other.id === entry.id })),
										)
									}
								>
									Make default
								</button>
							)}
							<button
								type="button"
								disabled={addresses.busy}
								onClick={() => saveAddresses(customer.addresses.filter((other) => other.id !== entry.id))}
							>
								Remove
							</button>
						</div>
					</li>
				))}
			</ul>
			<form
				noValidate
				aria-label="Add an address"
				onSubmit={(event) => {
					event.preventDefault();
					saveAddresses([
						...customer.addresses,
						{
							...address,
							label: address.label || null,
							latitude: Number(address.latitude),
							longitude: Number(address.longitude),
							isDefault: customer.addresses.length === 0,
						},
					]);
				}}
			>
				{(
					[
						["label", "Label (home, office)"],
						["street", "Street"],
						["postcode", "Postcode"],
						["city", "City"],
						["country", "Country (two letters)"],
						["latitude", "Latitude"],
						["longitude", "Longitude"],
					] as const
				).map(([field, label]) => (
					<Field key={field} label={label} error={addressError(field)}>
						{(id, describedBy) => (
							<input
								id={id}
								aria-describedby={describedBy}
								inputMode={field === "latitude" || field === "longitude" ? "decimal" : undefined}
								value={address[field]}
								onChange={(event) => setAddress({ ...address, [field]: event.target.value })}
							/>
						)}
					</Field>
				))}
				<ErrorNote error={addresses.error} />
				<button type="submit" className="primary" disabled={addresses.busy}>
					Add address
				</button>
			</form>
		</section>
	);
}
