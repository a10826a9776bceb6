// Find and focus on a dense landscape (150 elements, 250 connections): search
// by name and go there, filters that fade, a neighbourhood two steps around
// an element, and the shortest path between two, at desktop and phone size
// (CONVENE_SHOTS_DIR). The map is made by this browser's own replica: its ops
// are written to the page's outbox (IndexedDB "pending", as the app stores
// edits it has not sent) and the app sends them when the convening opens,
// which is quicker than 400 edits through the pointer.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { Document } from "../../src/crdt/document";
import {
  BoundaryType,
  ConnectionKind,
  Direction,
  ElementKind,
  Geometry,
  ScaleLevel,
} from "../../src/gen/convene/v1/ops_pb";
import {
  mapConnections,
  mapElements,
  mapView,
  openSeeded,
  poll,
  shots,
  useE2E,
  waitSaved,
} from "./harness";
import { seeded } from "../unit/crdt/helpers";

const e2e = useE2E();

/** Numbers in [0, 1) from a seed: the same map every run. */
function random(seed: number): () => number {
  const next = seeded(seed);
  return () => next(1_000_000) / 1_000_000;
}

const PLACES = ["Riverside", "Northfield", "Harbour", "Old Town", "Millbrook", "Eastgate"];
const THINGS = [
  "Food Bank",
  "Growers Co-op",
  "Youth Club",
  "Tenants Union",
  "Health Centre",
  "Library",
  "Allotments",
  "Credit Union",
  "School Garden",
  "Arts Trust",
  "Repair Café",
  "Mosque Kitchen",
  "Council Office",
  "Bike Workshop",
  "Seed Library",
  "Men's Shed",
  "Community Fridge",
  "Climate Group",
  "Choir",
  "Market Hall",
  "Refugee Welcome",
  "Care Network",
  "Water Board",
  "Land Trust",
  "Radio Station",
];
const KINDS = [
  ElementKind.INSTITUTION,
  ElementKind.PROJECT,
  ElementKind.COMMUNITY,
  ElementKind.NETWORK,
  ElementKind.PERSON,
  ElementKind.PRACTICE,
];
const SCALES = [ScaleLevel.LOCAL, ScaleLevel.ORGANISATIONAL, ScaleLevel.REGIONAL];
const CONNECTIONS = [
  ConnectionKind.COLLABORATION,
  ConnectionKind.FUNDING,
  ConnectionKind.INFORMATION,
  ConnectionKind.ACCOUNTABILITY,
];

/**
 * Six neighbourhoods of 25 elements on a ring, each a sunflower of nodes
 * about 95 units apart; 200 connections inside neighbourhoods, 50 across.
 * Returns the ops and the ids of a few elements the test looks for.
 */
function denseLandscape(replica: bigint) {
  const next = random(7);
  const doc = new Document(replica);
  const map = doc.createMap("Food and care landscape");
  const clusters: string[][] = [];
  PLACES.forEach((place, c) => {
    const angle = (c / PLACES.length) * 2 * Math.PI;
    const cx = Math.cos(angle) * 820;
    const cy = Math.sin(angle) * 620;
    const members: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = 95 * Math.sqrt(i + 0.5) * 0.62;
      const a = i * 2.39996;
      const thing = THINGS[(i + c * 7) % THINGS.length];
      members.push(
        doc.createElement(map, {
          label: i === 0 ? `${place} Hub` : `${place} ${thing}`,
          kind: KINDS[(i + c) % KINDS.length],
          scale: SCALES[(i * 3 + c) % SCALES.length],
          notes: i === 3 ? `Runs the ${place.toLowerCase()} pantry on Saturdays.` : "",
          position: { x: Math.round(cx + Math.cos(a) * r), y: Math.round(cy + Math.sin(a) * r) },
        }),
      );
    }
    clusters.push(members);
    if (c === 0) {
      const box = [
        [cx - 300, cy - 270],
        [cx + 290, cy - 300],
        [cx + 310, cy + 280],
        [cx - 280, cy + 300],
      ];
      doc.createShape(map, Geometry.POLYGON, {
        label: `${place} neighbourhood`,
        type: BoundaryType.GEOGRAPHIC,
        path: { points: box.map(([x, y]) => ({ x, y })) },
      });
    }
  });
  doc.createShape(map, Geometry.POLYLINE, {
    label: "Ring road",
    type: BoundaryType.POLITICAL,
    path: {
      points: [
        { x: -1300, y: -150 },
        { x: -400, y: 120 },
        { x: 400, y: 80 },
        { x: 1300, y: -200 },
      ],
    },
  });
  const pairs = new Set<string>();
  const connect = (from: string, to: string, label = "") => {
    const key = from < to ? `${from}|${to}` : `${to}|${from}`;
    if (from === to || pairs.has(key)) return false;
    pairs.add(key);
    doc.createConnection(map, from, to, {
      kind: CONNECTIONS[pairs.size % CONNECTIONS.length],
      direction: pairs.size % 3 === 0 ? Direction.BOTH : Direction.FORWARD,
      depth: 1 + (pairs.size % 3),
      label,
    });
    return true;
  };
  let made = 0;
  while (made < 200) {
    const members = clusters[made % clusters.length];
    const i = Math.floor(next() * members.length);
    // Near neighbours in the sunflower, and each one's hub.
    const j = next() < 0.3 ? 0 : Math.min(members.length - 1, i + 1 + Math.floor(next() * 6));
    if (connect(members[i], members[j], made % 9 === 0 ? "shares volunteers" : "")) made++;
  }
  while (made < 250) {
    const a = clusters[Math.floor(next() * clusters.length)];
    const b = clusters[Math.floor(next() * clusters.length)];
    if (a === b) continue;
    const from = a[Math.floor(next() * 5)];
    const to = b[Math.floor(next() * 5)];
    if (connect(from, to, made % 10 === 0 ? "funds" : "")) made++;
  }
  return { ops: doc.takeOutbox(), hubs: clusters.map((members) => members[0]), clusters };
}

/** Elements and connections the live map draws faded. */
async function fadedCount(page: Page): Promise<number> {
  return mapView(page).locator(".cv-scene .is-faded").count();
}

async function selectedIds(page: Page): Promise<string[]> {
  return mapView(page)
    .locator("g.cv-element.is-selected")
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id") ?? ""));
}

async function find(page: Page, text: string): Promise<void> {
  await mapView(page).getByTestId("map-canvas").focus();
  await page.keyboard.press("/");
  const input = mapView(page).getByTestId("find-input");
  await poll(() => input.evaluate((i) => i === document.activeElement)).toBe(true);
  await input.fill(text);
}

describe("find and focus on a dense map", () => {
  it("finds, filters, focuses and traces a path, readable at desktop and phone size", async () => {
    const ana = await e2e.client("Ana Lima");
    const page = ana.page;
    // The edits are stored while away from the convening, and sent on coming back.
    const { ops, hubs, clusters, convening } = await openSeeded(
      e2e.server,
      ana,
      "Dense landscape",
      denseLandscape,
    );
    expect(ops.length).toBe(1 + 150 + 2 + 250);
    await poll(() => mapElements(page).count()).toBe(150);
    await poll(() => mapConnections(page).count()).toBe(250);
    await waitSaved(page);
    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(exported.maps[0].elements).toHaveLength(150);
    await shots(page, "find-dense-map");

    // ---- search: "/" opens it; accents and case do not matter; Enter goes there.
    await find(page, "repair cafe");
    const results = mapView(page).getByTestId("find-results").locator("[role=option]");
    await poll(() => results.count()).toBeGreaterThan(0);
    expect(await results.first().locator("mark").textContent()).toBe("Repair Café");
    await shots(page, "find-search");
    const chosen = await results.first().getAttribute("data-id");
    await page.keyboard.press("Enter");
    await poll(() => selectedIds(page)).toEqual([chosen]);
    await poll(() => mapView(page).getByTestId("panel-label").inputValue()).toContain(
      "Repair Café",
    );
    await shots(page, "find-selected");

    // ---- filter: people and projects only, through funding links; the rest fades.
    await mapView(page).getByTestId("map-filter").click();
    await mapView(page).getByTestId(`filter-kind-${ElementKind.PERSON}`).click();
    await mapView(page).getByTestId(`filter-kind-${ElementKind.PROJECT}`).click();
    await mapView(page).getByTestId(`filter-connection-${ConnectionKind.FUNDING}`).click();
    await poll(() => fadedCount(page)).toBeGreaterThan(150);
    expect(await mapView(page).getByTestId("legend-filters").textContent()).toContain(
      "kind, connection",
    );
    await shots(page, "find-filter");
    await mapView(page).getByTestId("legend-clear-filters").click();
    await poll(() => fadedCount(page)).toBe(0);

    // ---- focus: a hub and what lies two steps from it.
    await find(page, `${PLACES[2]} Hub`);
    await page.keyboard.press("Enter");
    await poll(() => selectedIds(page)).toEqual([hubs[2]]);
    await mapView(page).getByTestId("filter-focus").click();
    await mapView(page).getByTestId("filter-depth-2").click();
    await poll(async () => (await fadedCount(page)) > 0).toBe(true);
    const focused = await mapView(page)
      .locator("g.cv-element:not(.is-faded)")
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-id")));
    expect(focused).toContain(hubs[2]);
    expect(focused.length).toBeLessThan(150);
    await shots(page, "find-focus");
    await mapView(page).getByTestId("filter-focus").click();
    await poll(() => fadedCount(page)).toBe(0);

    // ---- path: from Harbour's hub to a member of another neighbourhood, picked by search.
    await mapView(page).getByTestId("path-start").click();
    const far = clusters[5][4];
    const farLabel = exported.maps[0].elements.find((e) => e.id === far)!.label;
    await find(page, farLabel);
    await page.keyboard.press("Enter");
    const message = mapView(page).getByTestId("path-message");
    await poll(() => message.textContent()).toMatch(/step|No path/);
    const text = (await message.textContent()) ?? "";
    if (!text.startsWith("No path")) {
      expect(text).toContain(farLabel);
      const onPath = await mapView(page).locator(".cv-scene .is-path").count();
      expect(onPath).toBeGreaterThanOrEqual(3);
    }
    await shots(page, "find-path");
    await mapView(page).getByTestId("path-clear").click();
    await poll(() => mapView(page).locator(".cv-scene .is-path").count()).toBe(0);

    // ---- shapes are found too; a region's label sits on its outline.
    await find(page, "riverside neighbourhood");
    await poll(() => results.count()).toBe(1);
    expect(await results.first().textContent()).toContain("Shape");
    await page.keyboard.press("Enter");
    await shots(page, "find-region");
  });
});
