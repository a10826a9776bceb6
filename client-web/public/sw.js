// Convene's service worker: after one visit the app opens with no network.
//
// - Navigations: network first (the server's index.html is `no-cache`, so a
//   new build is picked up at once); the answer is kept, and with no network
//   any client route gets the kept index.html.
// - /assets/*: hashed and immutable, so cache first.
// - /api/, /ws, /healthz, /metrics: never cached; everything else goes to the
//   network untouched.
//
// The convening itself lives in IndexedDB (src/net/local-store.ts), not here.
// Bump VERSION when this file's caching changes: old caches go on activate.
const VERSION = 1;
const CACHE_PREFIX = "convene-shell-";
const CACHE = `${CACHE_PREFIX}v${VERSION}`;
const SHELL = "/index.html";
const NEVER_CACHED = ["/api/", "/ws", "/healthz", "/metrics"];

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell().finally(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(deleteOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isNeverCached(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(cacheFirst(request));
  }
});

// The page sends the assets it loaded before this worker controlled it.
self.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "cache-assets" || !Array.isArray(data.urls)) return;
  const assets = data.urls.filter(
    (u) =>
      typeof u === "string" && new URL(u, self.location.origin).pathname.startsWith("/assets/"),
  );
  event.waitUntil(cacheMissing(assets));
});

function isNeverCached(path) {
  return NEVER_CACHED.some((prefix) => path === prefix || path.startsWith(prefix));
}

/** index.html and the assets it names, so the first offline start has them. */
async function precacheShell() {
  try {
    const response = await fetch("/", { cache: "no-cache" });
    if (!response.ok) return;
    const cache = await caches.open(CACHE);
    const html = await response.clone().text();
    await cache.put(SHELL, response);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    await cacheMissing(assets);
  } catch {
    // Offline while installing: navigations will fill the cache later.
  }
}

async function cacheMissing(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(
    urls.map(async (url) => {
      if (await cache.match(url)) return;
      try {
        const response = await fetch(url);
        if (response.ok) await cache.put(url, response);
      } catch {
        // Fetched again (and cached) the next time the page asks for it.
      }
    }),
  );
}

async function deleteOldCaches() {
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
      .map((name) => caches.delete(name)),
  );
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && isHtml(response)) await cache.put(SHELL, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(SHELL);
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

function isHtml(response) {
  return (response.headers.get("content-type") || "").includes("text/html");
}
