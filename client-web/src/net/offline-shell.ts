// Registers public/sw.js, which keeps the app shell (index.html and the hashed
// assets) so the app opens with no network after one visit. The convenings
// themselves come from IndexedDB (local-store.ts).

/**
 * Registers the service worker (production builds, browsers that have them).
 * Never rejects: without a service worker the app still works online.
 */
export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD) return; // the dev server's modules are not assets to keep
  const container = (globalThis.navigator as Navigator | undefined)?.serviceWorker;
  if (!container) return; // unsupported, or not a secure context
  try {
    await container.register("/sw.js", { scope: "/" });
  } catch (error) {
    console.warn("convene: no offline start (service worker not registered)", error);
    return;
  }
  // The assets of this first load were fetched before the worker controlled
  // the page: hand it their URLs once it is active. Not awaited: `ready`
  // waits for the worker's install, which may take a while.
  void container.ready.then((registration) => {
    registration.active?.postMessage({ type: "cache-assets", urls: loadedAssets() });
  });
}

/** Same-origin /assets/ URLs this page has loaded (scripts, styles, chunks). */
function loadedAssets(): string[] {
  const entries = performance.getEntriesByType("resource");
  const urls = new Set<string>();
  for (const entry of entries) {
    const url = new URL(entry.name);
    if (url.origin === location.origin && url.pathname.startsWith("/assets/")) {
      urls.add(url.pathname);
    }
  }
  return [...urls];
}
