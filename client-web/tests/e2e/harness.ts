// End-to-end harness: a real convene-server per test file (fresh data dir,
// free port, the built client from dist/) and Debian's Chromium driven by
// playwright-core. Each test file calls useE2E() once; it starts everything
// in beforeAll, fails any test during which a page threw (pageerror), closes
// that test's browser contexts afterwards, and stops the server and removes
// its data at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Download,
  type Locator,
  type Page,
} from "playwright-core";
import { toBinary } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { OpSchema, type Op } from "../../src/gen/convene/v1/ops_pb";

const here = path.dirname(fileURLToPath(import.meta.url));
/** client-web/ */
export const CLIENT_ROOT = path.resolve(here, "../..");
export const REPO_ROOT = path.resolve(CLIENT_ROOT, "..");
export const DIST_DIR = path.join(CLIENT_ROOT, "dist");
export const ARTIFACTS_DIR = path.join(CLIENT_ROOT, "test-artifacts");

/** Generous: two shared cores run the server, Chromium and Vitest at once. */
export const WAIT_MS = 30_000;

/**
 * expect.poll with the harness's patience (its default gives up after one
 * second). playwright-core has no web-first assertions: poll what the page shows.
 */
export function poll<T>(read: () => T | Promise<T>, message?: string, timeout = WAIT_MS) {
  return expect.poll(read, { timeout, interval: 100, message });
}

// ---- the server ------------------------------------------------------------------------

export function serverBinary(): string {
  const bin = process.env.CONVENE_SERVER_BINARY ?? path.join(REPO_ROOT, "build", "convene-server");
  if (!existsSync(bin)) {
    throw new Error(
      `convene-server not found at ${bin}: build it (cmake --build build -j2 from the repo root) ` +
        `or set CONVENE_SERVER_BINARY`,
    );
  }
  return bin;
}

function checkDist(): void {
  const index = path.join(DIST_DIR, "index.html");
  if (!existsSync(index) || !existsSync(path.join(DIST_DIR, "sw.js"))) {
    throw new Error(
      `The built client is missing (${DIST_DIR}): run \`npm run build\` in client-web first`,
    );
  }
  // The server serves dist/, not src/: say so when the tests would run old code.
  const built = statSync(index).mtimeMs;
  const newer = newestFile(path.join(CLIENT_ROOT, "src"));
  if (newer && newer.mtimeMs > built) {
    console.warn(
      `e2e: ${path.relative(CLIENT_ROOT, newer.file)} is newer than dist/: ` +
        "these tests run the last build (npm run build to include it)",
    );
  }
}

function newestFile(dir: string): { file: string; mtimeMs: number } | undefined {
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const found = entry.isDirectory()
      ? newestFile(file)
      : { file, mtimeMs: statSync(file).mtimeMs };
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

/** A port nobody listens on right now (the kernel picks it; the server binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export interface CreatedViaApi {
  id: string;
  name: string;
  convener_token: string;
  invites: { participant: string; observer: string };
}

/** One convene-server process; restartable on the same port and data. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The server's stderr/stdout (warnings and errors only, --log-level warn). */
  output = "";

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    /** Options added to the command line; a restart takes them as they are then. */
    public extraArgs: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<ServerProcess> {
    checkDist();
    serverBinary();
    // The free port is only free until someone else binds it: try another
    // one if the server could not start on it.
    for (let attempt = 1; ; attempt++) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), "convene-e2e-"));
      const server = new ServerProcess(await freePort(), dataDir, extraArgs);
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.dispose();
        if (attempt === 3) throw error;
      }
    }
  }

  /** Starts the process and waits until /healthz answers 200. */
  async launch(): Promise<void> {
    if (this.child) throw new Error("the server is already running");
    const child = spawn(
      serverBinary(),
      [
        "--listen",
        `127.0.0.1:${this.port}`,
        "--data",
        this.dataDir,
        "--client-dir",
        DIST_DIR,
        "--durability",
        "os",
        "--log-level",
        "warn",
        ...this.extraArgs,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child = child;
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let gone = false;
    void this.exited.then(() => (gone = true));
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (gone) {
        this.child = undefined;
        throw new Error(`convene-server exited at start (code ${child.exitCode}):\n${this.output}`);
      }
      try {
        const response = await fetch(`${this.url}/healthz`);
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`convene-server did not become healthy:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** SIGTERM to our child's pid, then waits for it to exit (SIGKILL if it hangs). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      const hung = setTimeout(() => {
        if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      }, 15_000);
      await this.exited;
      clearTimeout(hung);
    }
  }

  /** Stops and starts again: same port, same data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  /** The canonical JSON export (docs/protocol.md), read with any token of the convening. */
  async exportJson(id: string, token: string, at?: number): Promise<ExportedConvening> {
    const query = at === undefined ? "" : `&at=${at}`;
    const response = await fetch(
      `${this.url}/api/convenings/${encodeURIComponent(id)}/export?format=json${query}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    if (!response.ok)
      throw new Error(`export answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as ExportedConvening;
  }

  /** Creates a convening through the REST API, as a script would. */
  async createConvening(name: string): Promise<CreatedViaApi> {
    const response = await fetch(`${this.url}/api/convenings`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
    if (response.status !== 201) throw new Error(`create answered ${response.status}`);
    return (await response.json()) as CreatedViaApi;
  }

  /** Revokes an invite as a convener would (REST); returns the token that replaces it. */
  async revokeInvite(
    id: string,
    convenerToken: string,
    kind: "participant" | "observer",
  ): Promise<string> {
    const response = await fetch(
      `${this.url}/api/convenings/${encodeURIComponent(id)}/invites/${kind}/revoke`,
      { method: "POST", headers: { Authorization: `Bearer ${convenerToken}` } },
    );
    if (!response.ok) throw new Error(`revoke answered ${response.status}`);
    return ((await response.json()) as { invites: Record<string, string> }).invites[kind];
  }

  /** What GET .../access answers for a token: its status and error code, if any. */
  async access(id: string, token: string): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${this.url}/api/convenings/${encodeURIComponent(id)}/access`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code };
  }

  async versions(
    id: string,
    token: string,
  ): Promise<{ seq: number; name: string; author: string; author_member: string }[]> {
    const response = await fetch(`${this.url}/api/convenings/${encodeURIComponent(id)}/versions`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`versions answered ${response.status}`);
    return (
      (await response.json()) as {
        versions: { seq: number; name: string; author: string; author_member: string }[];
      }
    ).versions;
  }
}

// ---- the export's shape (docs/crdt.md, "Canonical JSON") ----------------------------------

export interface ExportedElement {
  id: string;
  kind: string;
  label: string;
  notes: string;
  position: { x: number; y: number };
  scale: string;
}

export interface ExportedConnection {
  id: string;
  from: string;
  to: string;
  direction: string;
  depth: number;
  kind: string;
  label: string;
}

export interface ExportedShape {
  id: string;
  geometry: string;
  path: [number, number][];
  type: string;
  label: string;
}

export interface ExportedMap {
  id: string;
  name: string;
  elements: ExportedElement[];
  connections: ExportedConnection[];
  shapes: ExportedShape[];
}

export interface ExportedVariant {
  id: string;
  name: string;
  text: string;
}

export interface ExportedConvening {
  id: string;
  name: string;
  head_seq: number;
  maps: ExportedMap[];
  drafts: { id: string; name: string; variants: ExportedVariant[] }[];
  members?: { id: string; name: string; role: string }[];
}

// ---- the browser ---------------------------------------------------------------------------

/** Debian's Chromium, never a downloaded browser. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** One person's browser: its own context (storage, service worker) and page. */
export interface Client {
  name: string;
  /** Which of the join page's colour swatches this person picks. */
  colour: number;
  context: BrowserContext;
  page: Page;
}

export interface E2E {
  readonly server: ServerProcess;
  readonly browser: Browser;
  /** A fresh browser context with one page; its page errors fail the test. */
  client(name: string): Promise<Client>;
}

/**
 * Registers the hooks of one test file: a server (started with
 * `serverArgs` besides the harness's own) and a browser for the file,
 * clients per test. Page errors (uncaught exceptions and rejections in the
 * app) are collected and fail the test they happened in.
 */
export function useE2E(options: { serverArgs?: string[] } = {}): E2E {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let clientsMade = 0;

  beforeAll(async () => {
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    server = await ServerProcess.start(options.serverArgs);
    browser = await launchBrowser();
  });

  afterEach(async (testContext) => {
    const errors = pageErrors.splice(0);
    const failed = testContext.task.result?.state === "fail";
    if (failed) {
      // What the pages looked like when it failed, and what the server said.
      const name = testContext.task.name.replace(/[^\w-]+/g, "-").slice(0, 60);
      await Promise.all(
        contexts.flatMap((context, i) =>
          context
            .pages()
            .map((page, j) =>
              page
                .screenshot({ path: path.join(ARTIFACTS_DIR, `failed-${name}-${i}-${j}.png`) })
                .catch(() => undefined),
            ),
        ),
      );
      if (server)
        await writeFile(path.join(ARTIFACTS_DIR, `failed-${name}-server.log`), server.output);
    }
    await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
    expect(errors, "errors thrown in the pages").toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  return {
    get server() {
      if (!server) throw new Error("the server is not running (beforeAll failed?)");
      return server;
    },
    get browser() {
      if (!browser) throw new Error("the browser is not running (beforeAll failed?)");
      return browser;
    },
    async client(name: string): Promise<Client> {
      if (!browser) throw new Error("the browser is not running (beforeAll failed?)");
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        acceptDownloads: true,
      });
      contexts.push(context);
      context.setDefaultTimeout(WAIT_MS);
      const page = await context.newPage();
      page.on("pageerror", (error) => pageErrors.push(`${name}: ${error.stack ?? error.message}`));
      // Everyone in a test gets a colour of their own, as people would pick.
      return { name, colour: clientsMade++ % 8, context, page };
    },
  };
}

// ---- flows through the UI ----------------------------------------------------------------

export interface Convening {
  id: string;
  convenerToken: string;
  invites: { participant: string; observer: string };
}

function fragmentInvite(url: string): string {
  const token = new URLSearchParams(new URL(url).hash.slice(1)).get("invite");
  if (!token) throw new Error(`no invite in ${url}`);
  return token;
}

/**
 * Starts a convening the way a convener does: the start page, then the join
 * page (name) it leads to. Returns its id and every token.
 */
export async function createConvening(
  server: ServerProcess,
  client: Client,
  conveningName: string,
): Promise<Convening> {
  const page = client.page;
  await page.goto(`${server.url}/`);
  await page.getByTestId("convening-name").fill(conveningName);
  await page.getByTestId("convening-create").click();
  // The start page sends the convener to their own invite link.
  await page.waitForURL(/\/c\/[A-Za-z0-9_-]+#invite=/);
  const url = page.url();
  const id = /\/c\/([A-Za-z0-9_-]+)/.exec(new URL(url).pathname)![1];
  const convenerToken = fragmentInvite(url);
  await joinFromPage(client);
  await poll(() => page.getByTestId("convening-title").textContent()).toBe(conveningName);
  const invites = await page.evaluate(
    (key) => JSON.parse(localStorage.getItem(key) ?? "{}") as Record<string, string>,
    `convene.invites.${id}`,
  );
  expect(invites.participant, "participant invite in localStorage").toBeTruthy();
  expect(invites.observer, "observer invite in localStorage").toBeTruthy();
  return {
    id,
    convenerToken,
    invites: { participant: invites.participant, observer: invites.observer },
  };
}

/** Fills the join page with the client's name and joins; waits for the first Welcome. */
export async function joinFromPage(client: Client): Promise<void> {
  const page = client.page;
  await page.getByTestId("display-name").fill(client.name);
  await page.getByTestId("colour-swatch").nth(client.colour).click();
  await page.getByTestId("join").click();
  await page.locator("[data-testid=status][data-state=saved]").waitFor();
}

/** Opens an invite link in the client's browser and joins under the client's name. */
export async function joinWithInvite(
  server: ServerProcess,
  client: Client,
  id: string,
  token: string,
): Promise<void> {
  await client.page.goto(`${server.url}/c/${id}#invite=${encodeURIComponent(token)}`);
  await joinFromPage(client);
}

/**
 * Waits until every local edit is stored and acknowledged: edits reach the
 * session at the next animation frame, so two frames pass first, then the
 * status must read saved with nothing pending.
 */
export async function waitSaved(page: Page, timeout = WAIT_MS): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
      ),
  );
  const status = page.locator("[data-testid=status][data-state=saved][data-pending='0']");
  await status.waitFor({ state: "attached", timeout });
}

// ---- the map and drafts through the UI -------------------------------------------------------

/** The live map view (the history tab holds another one). */
export function mapView(page: Page): Locator {
  return page.locator(".shell > .main > .cv-map");
}

/** Elements drawn on the live map. */
/** The map's elements drawn as SVG (a large map seen whole paints them instead: farCounts). */
export function mapElements(page: Page): Locator {
  return mapView(page).locator("g[data-id][data-kind]:not(:empty)");
}

export function mapConnections(page: Page): Locator {
  return mapView(page).locator("g[data-conn]:not(:empty)");
}

/** What a large map seen whole paints on its canvas (far-view.ts), as it says. */
export async function farCounts(page: Page): Promise<{ elements: number; connections: number }> {
  const far = mapView(page).locator("canvas.cv-far");
  return {
    elements: Number((await far.getAttribute("data-elements")) ?? 0),
    connections: Number((await far.getAttribute("data-connections")) ?? 0),
  };
}

/** The screen point of map point `at`, by the drawing's viewport transform. */
export async function screenOf(page: Page, at: { x: number; y: number }) {
  return mapView(page)
    .locator("g.cv-viewport")
    .first()
    .evaluate((g, at) => {
      const m = (g as SVGGElement).getScreenCTM()!;
      return { x: m.a * at.x + m.e, y: m.d * at.y + m.f };
    }, at);
}

/** The live drafts view's editor. */
export function draftEditor(page: Page): Locator {
  return page.locator(".shell > .main > .drafts-view").getByTestId("draft-editor");
}

export interface ShownElement {
  id: string;
  kind: string;
  label: string;
  x: number;
  y: number;
}

export interface ShownConnection {
  id: string;
  /** The elements nearest to where the drawn line starts and ends. */
  from: string;
  to: string;
}

/**
 * What the live map view draws, read off its SVG: each element's id, kind,
 * label (its lines joined) and position (its transform), and each
 * connection with the elements its line runs between.
 */
export async function readMap(
  page: Page,
): Promise<{ elements: ShownElement[]; connections: ShownConnection[] }> {
  return mapView(page).evaluate((root) => {
    const elements = [...root.querySelectorAll("g.cv-element[data-id][data-kind]")].map((g) => {
      // A one-line label is the text's own content; longer ones are a <tspan> per line.
      const label = g.querySelector("text.cv-label:not(.cv-placeholder)");
      const tspans = label ? [...label.querySelectorAll("tspan")] : [];
      const lines = tspans.length > 0 ? tspans : label ? [label] : [];
      const match = /translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)/.exec(
        g.getAttribute("transform") ?? "",
      );
      return {
        id: g.getAttribute("data-id")!,
        kind: g.getAttribute("data-kind")!,
        label: lines.map((t) => t.textContent).join(" "),
        x: Number(match?.[1]),
        y: Number(match?.[2]),
      };
    });
    const nearest = (x: number, y: number) => {
      let best = { id: "", d: Infinity };
      for (const e of elements) {
        const d = Math.hypot(e.x - x, e.y - y);
        if (d < best.d) best = { id: e.id, d };
      }
      return best.id;
    };
    const connections = [...root.querySelectorAll("g.cv-connection[data-conn]")]
      .filter((g) => (g as SVGGElement).style.display !== "none")
      .map((g) => {
        const d = g.querySelector("path.cv-conn-line")?.getAttribute("d") ?? "";
        const n = (d.match(/-?[\d.]+(?:e-?\d+)?/g) ?? []).map(Number);
        return {
          id: g.getAttribute("data-conn")!,
          from: nearest(n[0], n[1]),
          to: nearest(n[n.length - 2], n[n.length - 1]),
        };
      });
    return { elements, connections };
  });
}

/** The same, from the export: one map's elements and connections, sorted by id. */
export function mapFromExport(map: ExportedMap): {
  elements: ShownElement[];
  connections: ShownConnection[];
} {
  return {
    elements: map.elements.map((e) => ({
      id: e.id,
      kind: e.kind,
      label: e.label,
      x: e.position.x,
      y: e.position.y,
    })),
    connections: map.connections.map((c) => ({ id: c.id, from: c.from, to: c.to })),
  };
}

/** Sorted by id, for comparing what two sources show. */
export function byId<T extends { id: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Creates the first map from the empty state. */
export async function createFirstMap(page: Page): Promise<void> {
  await page.getByTestId("tab-map").click();
  await mapView(page).getByTestId("map-new").click();
  // Creating a map opens its name for renaming: keep the default.
  const name = mapView(page).getByTestId("map-name");
  if (await name.isVisible()) await name.press("Enter");
  await mapView(page).getByTestId("map-picker").waitFor();
}

/** A screen point inside the live map canvas, from its top-left corner. */
export async function onCanvas(
  page: Page,
  x: number,
  y: number,
): Promise<{ x: number; y: number }> {
  const box = await mapView(page).getByTestId("map-canvas").boundingBox();
  if (!box) throw new Error("the map canvas is not shown");
  return { x: box.x + x, y: box.y + y };
}

/** Presses at `from`, moves there in steps (a drag, past the click slop) and releases at `to`. */
export async function drag(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

/** The screen point of a map coordinate in the live map view. */
export async function screenPointOf(
  page: Page,
  mapPoint: { x: number; y: number },
): Promise<{ x: number; y: number }> {
  const canvas = mapView(page).getByTestId("map-canvas");
  return canvas.evaluate((svg, p) => {
    const group = svg.querySelector("g.cv-viewport") as SVGGElement;
    const matrix = group.getScreenCTM()!;
    const point = new DOMPoint(p.x, p.y).matrixTransform(matrix);
    return { x: point.x, y: point.y };
  }, mapPoint);
}

/** The screen centre of an element drawn on the live map. */
export async function elementCentre(page: Page, id: string): Promise<{ x: number; y: number }> {
  const node = mapView(page).locator(`g[data-id="${id}"][data-kind]`);
  return node.evaluate((g) => {
    const matrix = (g as SVGGElement).getScreenCTM()!;
    return { x: matrix.e, y: matrix.f };
  });
}

/**
 * Places an element of `kind` by arming it in the palette and clicking the
 * map at a screen point; labels it in the side panel. Returns its id.
 */
export async function placeElement(
  page: Page,
  kind: string,
  at: { x: number; y: number },
  label: string,
): Promise<string> {
  const before = new Set(
    await mapElements(page).evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id"))),
  );
  await mapView(page).getByTestId(`palette-${kind}`).click();
  await page.mouse.click(at.x, at.y);
  // The new element is drawn selected, alone (the previous one may still be
  // selected until the click lands).
  let id = "";
  await poll(async () => {
    const selected = await mapView(page)
      .locator("g.cv-element.is-selected[data-id]")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id") ?? ""));
    id = selected.length === 1 && !before.has(selected[0]) ? selected[0] : "";
    return id !== "";
  }, `a new ${kind} is placed and selected`).toBe(true);
  const field = mapView(page).getByTestId("panel-label");
  await poll(() => field.evaluate((f) => f === document.activeElement)).toBe(true);
  await field.fill(label);
  await field.press("Enter");
  await poll(() => mapView(page).locator(`g[data-id="${id}"]`).textContent()).toContain(label);
  return id;
}

/** Writes the first draft's name and returns once its editor shows. */
export async function createFirstDraft(page: Page, name: string): Promise<void> {
  await page.getByTestId("tab-drafts").click();
  const view = page.locator(".shell > .main > .drafts-view");
  await view.getByTestId("draft-new").first().click();
  const input = view.getByTestId("name-input");
  await input.fill(name);
  await input.press("Enter");
  await poll(() => view.locator(".draft-title").textContent()).toBe(name);
  await draftEditor(page).waitFor();
}

// ---- downloads and artifacts ---------------------------------------------------------------

/** Clicks `trigger` and returns the download it starts, read into memory. */
export async function captureDownload(
  page: Page,
  trigger: () => Promise<void>,
): Promise<{ name: string; data: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent("download"), trigger()]);
  return { name: download.suggestedFilename(), data: await readDownload(download) };
}

async function readDownload(download: Download): Promise<Buffer> {
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A join record as the app keeps it (src/net/local-store.ts), in IndexedDB "convene". */
export type StoredJoin = Record<string, unknown> & { convening: string; replica: string };

/** Reads (record undefined) or writes one join record in the page's IndexedDB. */
export async function storedJoin(
  page: Page,
  convening: string,
  record?: StoredJoin,
): Promise<StoredJoin | undefined> {
  return page.evaluate(
    async ({ convening, record }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open("convene");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const joins = db.transaction("joins", record ? "readwrite" : "readonly").objectStore("joins");
      const request = record ? joins.put(record) : joins.get(convening);
      const result = await new Promise<unknown>((resolve, reject) => {
        request.onsuccess = () => resolve(record ? record : request.result);
        request.onerror = () => reject(request.error);
      });
      db.close();
      return result as StoredJoin | undefined;
    },
    { convening, record },
  );
}

/**
 * The convenings this browser keeps (IndexedDB "convene", store "joins"), and
 * the links it keeps in localStorage for each.
 */
export async function storedLocally(
  page: Page,
): Promise<{ convenings: string[]; linkKeys: string[] }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open("convene");
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const keys = await new Promise<IDBValidKey[]>((resolve, reject) => {
      const request = db.transaction("joins").objectStore("joins").getAllKeys();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    const linkKeys = Object.keys(localStorage).filter((k) =>
      /^convene\.(invites|convener-links)\./.test(k),
    );
    return { convenings: keys.map(String), linkKeys };
  });
}

/**
 * With CONVENE_SHOTS_DIR set, saves what the page shows at desktop (1280x800)
 * and phone (390x844) size there as <name>-desktop.png and <name>-phone.png,
 * to look at new screens; the page is left at desktop size.
 */
export async function shots(page: Page, name: string): Promise<void> {
  const dir = process.env.CONVENE_SHOTS_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  for (const [size, viewport] of [
    ["phone", { width: 390, height: 844 }],
    ["desktop", { width: 1280, height: 800 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    await page.screenshot({ path: path.join(dir, `${name}-${size}.png`) });
  }
}

/** What axe-core reports for one rule. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (the devDependency's own build, evaluated in the page, where
 * the app's content security policy does not apply) on `context` (a CSS
 * selector; the whole document by default) and fails on every serious or
 * critical violation, listing each rule with the elements it names.
 */
export async function checkA11y(page: Page, context = "html"): Promise<void> {
  const source = await readFile(
    createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
    "utf8",
  );
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(source);
  const violations = await page.evaluate(async (context) => {
    const { axe } = window as unknown as {
      axe: { run(c: string, o: object): Promise<{ violations: unknown[] }> };
    };
    const result = await axe.run(context, { resultTypes: ["violations"] });
    return result.violations as AxeViolation[];
  }, context);
  const grave = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const listed = grave.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help}\n` +
      v.nodes
        .slice(0, 6)
        .map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary?.split("\n")[1] ?? ""}`)
        .join("\n"),
  );
  expect(listed, `axe-core in ${context}:\n${listed.join("\n")}\n`).toEqual([]);
}

export async function screenshot(page: Page, name: string, locator?: Locator): Promise<string> {
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await (locator ?? page).screenshot({ path: file });
  return file;
}

/** Keeps a downloaded file next to the screenshots, to look at. */
export async function saveArtifact(name: string, data: Buffer | string): Promise<string> {
  const file = path.join(ARTIFACTS_DIR, name);
  await writeFile(file, data);
  return file;
}

/**
 * A new convening of `client`'s whose map is made by `build` (its ops are
 * stored as this browser's unsent edits while it is away, and sent when it
 * comes back), opened on the map tab. Returns what `build` returned, and
 * the convening.
 */
export async function openSeeded<T extends { ops: Op[] }>(
  server: ServerProcess,
  client: Client,
  name: string,
  build: (replica: bigint) => T,
): Promise<T & { convening: Convening }> {
  const page = client.page;
  const convening = await createConvening(server, client, name);
  const url = page.url();
  const join = (await storedJoin(page, convening.id))!;
  const built = build(BigInt(join.replica));
  await page.goto(`${server.url}/`);
  await storePending(
    page,
    convening.id,
    join.replica,
    built.ops.map((op) => toBinary(OpSchema, op)),
  );
  await page.goto(url);
  await page.getByTestId("tab-map").click();
  return { ...built, convening };
}

/** Puts ops in the page's outbox for a convening, as the app keeps unsent edits. */
export async function storePending(
  page: Page,
  convening: string,
  replica: string,
  ops: Uint8Array[],
) {
  await page.evaluate(
    async ({ convening, replica, ops }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open("convene");
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const tx = db.transaction("pending", "readwrite");
      ops.forEach((bytes, i) =>
        tx.objectStore("pending").put(new Uint8Array(bytes), [convening, replica, i + 1]),
      );
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { convening, replica, ops: ops.map((bytes) => [...bytes]) },
  );
}
