import { useEffect, useMemo, useState } from "react";
import { AdminBookings, Catalog, Cleaners, Settings } from "./admin.tsx";
import { apiClient } from "./api.ts";
import {
	type AppConfig,
	beginSignIn,
	completeSignIn,
	discover,
	type Identity,
	renew,
	type Session,
	signOutUrl,
} from "./auth.ts";
import { Agenda } from "./cleaner.tsx";
import { Book, MyBookings, Vehicles } from "./customer.tsx";
import { Profile } from "./profile.tsx";
import { Schedule } from "./schedule.tsx";
import { AppContext, ErrorNote, Loading } from "./ui.tsx";

interface Screen {
	id: string;
	title: string;
	render: () => React.ReactNode;
}

const SCREENS: Record<string, Screen[]> = {
	customer: [
		{ id: "book", title: "Book", render: () => <Book /> },
		{ id: "bookings", title: "My bookings", render: () => <MyBookings /> },
		{ id: "vehicles", title: "Vehicles", render: () => <Vehicles /> },
		{ id: "profile", title: "Profile", render: () => <Profile /> },
	],
	cleaner: [
		{ id: "agenda", title: "Agenda", render: () => <Agenda /> },
		{ id: "schedule", title: "Schedule", render: () => <Schedule /> },
	],
	admin: [
		{ id: "catalog", title: "Catalog", render: () => <Catalog /> },
		{ id: "cleaners", title: "Cleaners", render: () => <Cleaners /> },
		{ id: "settings", title: "Settings", render: () => <Settings /> },
		{ id: "admin-bookings", title: "Bookings", render: () => <AdminBookings /> },
	],
};

export function App() {
	const [identity, setIdentity] = useState<Identity>();
	const [session, setSession] = useState<Session>();
	const [failure, setFailure] = useState<unknown>();

	useEffect(() => {
		(async () => {
			const config = (await (await fetch("/app-config.json")).json()) as AppConfig;
			const found = await discover(config);
			setIdentity(found);
			const url = new URL(location.href);
			if (url.pathname === "/callback") {
				history.replaceState(null, "", "/");
				setSession(await completeSignIn(found, url));
			}
		})().catch(setFailure);
	}, []);

	useEffect(() => {
		if (!identity || !session?.refreshToken) return;
		const timer = setTimeout(
			() => renew(identity, session).then(setSession, () => setSession(undefined)),
			Math.max(0, session.renewAt - Date.now()),
		);
		return () => clearTimeout(timer);
	}, [identity, session]);

	if (failure)
		return (
			<Shell>
				<ErrorNote error={failure} />
			</Shell>
		);
	if (!identity)
		return (
			<Shell>
				<Loading what="the app" />
			</Shell>
		);
	if (!session)
		return (
			<Shell>
				<section className="sign-in">
					<h1>Clean cars, wherever they are parked</h1>
					<p>Book a cleaner for your vehicle, work through your agenda, or run the catalog.</p>
					<button type="button" className="primary" onClick={() => beginSignIn(identity).catch(setFailure)}>
						Sign in
					</button>
				</section>
			</Shell>
		);
	return (
		<SignedIn
			identity={identity}
			session={session}
			onSignOut={() => {
				const url = signOutUrl(identity, session);
				setSession(undefined);
				if (url) location.assign(url);
			}}
		/>
	);
}

function SignedIn(props: { identity: Identity; session: Session; onSignOut: () => void }) {
	const { identity, session } = props;
	const screens = session.roles.flatMap((role) => SCREENS[role] ?? []);
	const [current, setCurrent] = useState(screens[0]?.id);
	const tokenRef = useMemo(() => ({ token: session.accessToken }), [session.accessToken]);
	const api = useMemo(() => apiClient(() => tokenRef.token), [tokenRef]);
	const context = useMemo(
		() => ({ api, session, timeZone: identity.config.timeZone }),
		[api, session, identity.config.timeZone],
	);
	const screen = screens.find((candidate) => candidate.id === current);
	return (
		<AppContext.Provider value={context}>
			<Shell
				actions={
					<>
						<span className="who">{session.name}</span>
						<button type="button" onClick={props.onSignOut}>
							Sign out
						</button>
					</>
				}
			>
				<nav aria-label="Screens">
					{screens.map((candidate) => (
						<button
							type="button"
							key={candidate.id}
							aria-current={candidate.id === current ? "page" : undefined}
							onClick={() => setCurrent(candidate.id)}
						>
							{candidate.title}
						</button>
					))}
				</nav>
				{screen ? screen.render() : <p>This account has no role the app knows.</p>}
			</Shell>
		</AppContext.Provider>
	);
}

function Shell(props: { children: React.ReactNode; actions?: React.ReactNode }) {
	return (
		<>
			<header>
				<span className="brand">Cleaning Platform</span>
				<div className="actions">{props.actions}</div>
			</header>
			<main>{props.children}</main>
		</>
	);
}
