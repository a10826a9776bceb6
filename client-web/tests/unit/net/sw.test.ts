// public/sw.js, run in a small imitation of a service worker global scope:
// handlers registered with addEventListener, a Map-backed CacheStorage, and
// a scripted fetch.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ORIGIN = "https://convene.example";
const source = readFileSync(join(__dirname, "../../../public/sw.js"), "utf8");

type Handler = (event: Record<string, unknown>) => void;

class FakeCaches {
  readonly stores = new Map<string, Map<string, Response>>();
  async open(name: string) {
    let store = this.stores.get(name);
    if (!store) this.stores.set(name, (store = new Map()));
    const key = (what: string | Request) =>
      typeof what === "string" ? new URL(what, ORIGIN).href : what.url;
    return {
      match: async (what: string | Request) => store.get(key(what))?.clone(),
      put: async (what: string | Request, response: Response) => {
        store.set(key(what), response);
      },
    };
  }
  async keys() {
    return [...this.stores.keys()];
  }
  async delete(name: string) {
    return this.stores.delete(name);
  }
}

function worker(network: Record<string, () => Response>) {
  const handlers = new Map<string, Handler>();
  const caches = new FakeCaches();
  const fetched: string[] = [];
  let online = true;
  let claimed = false;
  const fetch = async (what: string | Request) => {
    const url = typeof what === "string" ? new URL(what, ORIGIN).href : what.url;
    fetched.push(new URL(url).pathname);
    if (!online) throw new TypeError("Failed to fetch");
    const answer = network[new URL(url).pathname];
    return answer ? answer() : new Response("not found", { status: 404 });
  };
  const self = {
    location: new URL(ORIGIN),
    addEventListener: (type: string, handler: Handler) => handlers.set(type, handler),
    skipWaiting: async () => undefined,
    clients: { claim: async () => void (claimed = true) },
  };
  new Function("self", "caches", "fetch", source)(self, caches, fetch);

  /** Dispatches an event; resolves with what it answered (or undefined). */
  async function dispatch(type: string, extra: Record<string, unknown> = {}) {
    const waits: Promise<unknown>[] = [];
    let answer: Promise<Response> | undefined;
    handlers.get(type)!({
      ...extra,
      waitUntil: (p: Promise<unknown>) => waits.push(p),
      respondWith: (p: Promise<Response>) => (answer = p),
    });
    await Promise.all(waits);
    return answer;
  }
  const get = (path: string, mode = "no-cors") =>
    dispatch("fetch", { request: { method: "GET", url: ORIGIN + path, mode } });
  return {
    caches,
    fetched,
    dispatch,
    get,
    setOnline: (value: boolean) => void (online = value),
    claimed: () => claimed,
  };
}

const html = (body: string) => () =>
  new Response(body, { headers: { "content-type": "text/html" } });
const js = (body: string) => () =>
  new Response(body, { headers: { "content-type": "text/javascript" } });

describe("service worker", () => {
  const network = {
    "/": html('<script type="module" src="/assets/index-abc.js"></script>'),
    "/c/abc": html("<p>app</p>"),
    "/assets/index-abc.js": js("app()"),
    "/assets/chunk-def.js": js("chunk()"),
    "/api/convenings": () => new Response("{}"),
  };

  it("keeps index.html and its assets when installed, and opens offline on any route", async () => {
    const sw = worker(network);
    await sw.dispatch("install");
    sw.setOnline(false);
    const page = await sw.get("/c/abc", "navigate");
    expect(await page!.text()).toContain("/assets/index-abc.js");
    const script = await sw.get("/assets/index-abc.js");
    expect(await script!.text()).toBe("app()");
  });

  it("asks the network first for navigations and keeps the newest answer", async () => {
    const sw = worker(network);
    const page = await sw.get("/c/abc", "navigate");
    expect(await page!.text()).toBe("<p>app</p>");
    sw.setOnline(false);
    const offline = await sw.get("/somewhere/else", "navigate");
    expect(await offline!.text()).toBe("<p>app</p>");
  });

  it("serves assets from the cache once fetched", async () => {
    const sw = worker(network);
    expect(await (await sw.get("/assets/chunk-def.js"))!.text()).toBe("chunk()");
    expect(await (await sw.get("/assets/chunk-def.js"))!.text()).toBe("chunk()");
    expect(sw.fetched.filter((p) => p === "/assets/chunk-def.js")).toHaveLength(1);
  });

  it("never answers for the API, the WebSocket, health or metrics", async () => {
    const sw = worker(network);
    for (const path of ["/api/convenings", "/ws", "/healthz", "/metrics"]) {
      expect(await sw.get(path)).toBeUndefined();
    }
    expect(
      await sw.dispatch("fetch", {
        request: { method: "POST", url: ORIGIN + "/assets/x.js", mode: "cors" },
      }),
    ).toBeUndefined();
  });

  it("deletes older caches and takes control when activated", async () => {
    const sw = worker(network);
    await sw.caches.open("convene-shell-v0");
    await sw.caches.open("someone-else");
    await sw.dispatch("install");
    await sw.dispatch("activate");
    expect(await sw.caches.keys()).toEqual(["someone-else", "convene-shell-v1"]);
    expect(sw.claimed()).toBe(true);
  });

  it("caches the assets the page reports, and only assets", async () => {
    const sw = worker(network);
    await sw.dispatch("message", {
      data: { type: "cache-assets", urls: ["/assets/chunk-def.js", "/api/convenings"] },
    });
    expect(sw.fetched).toEqual(["/assets/chunk-def.js"]);
  });
});
