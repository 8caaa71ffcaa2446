import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import "./styles.css";

createRoot(document.getElementById("root") as HTMLElement).render(<App />);

if ("serviceWorker" in navigator && location.protocol !== "file:") {
	navigator.serviceWorker.register("/sw.js").catch(() => {
		// The app works without it; only installability and the offline shell need it.
	});
}
