// The web app's service worker: keeps the shell (scripts, styles, icons and offline.html) and, when a
// page is opened without a network, answers with offline.html instead of the browser's error page
// (the app itself cannot work without the API). Shell files come from the network first (the edge
// serves them no-cache and there is no build step to version them), falling back to the copy kept
// here. API answers and transformation links are private or charged: they never touch the cache.
const CACHE = "imageswiss-shell-v5";
const SHELL = ["/app.js", "/api.js", "/ui.js", "/gallery.js", "/charts.js", "/reports.js", "/handoff.js", "/duplicates.js", "/i18n.js", "/locales/zh-CN.js", "/app.css", "/theme.js", "/offline.html", "/manifest.json", "/icon.svg", "/icon-192.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()));
});

function isShell(url) {
  return url.origin === self.location.origin && !url.pathname.startsWith("/api/") && !url.pathname.startsWith("/t/");
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    return (await caches.match("/offline.html")) || Promise.reject(error);
  }
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return;
  event.respondWith(event.request.mode === "navigate" ? page(event.request) : networkFirst(event.request));
});
