// The app shell for offline starts and installability. API calls and the identity provider are never
// cached: they go to the network, so a booking or a token is never answered from a stale copy.
const CACHE = "cleaning-platform-shell-v1";
const SHELL = ["/", "/manifest.webmanifest", "/icon.svg"];

self.addEventListener("install", (event) => {
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
	self.skipWaiting();
});

self.addEventListener("activate", (event) => {
	event.waitUntil(
		caches.keys().then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key)))),
	);
	self.clients.claim();
});

self.addEventListener("fetch", (event) => {
	const url = new URL(event.request.url);
	if (event.request.method !== "GET" || url.origin !== location.origin) return;
	if (url.pathname.startsWith("/api/") || url.pathname === "/app-config.json" || url.pathname === "/callback") return;
	// Network first, the cached shell when offline.
	event.respondWith(
		fetch(event.request)
			.then((response) => {
				if (response.ok && (url.pathname === "/" || url.pathname.startsWith("/assets/"))) {
					const copy = response.clone();
					caches.open(CACHE).then((cache) => cache.put(event.request, copy));
				}
				return response;
			})
			.catch(() => caches.match(event.request).then((cached) => cached ?? caches.match("/"))),
	);
});
