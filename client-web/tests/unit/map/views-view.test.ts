// @vitest-environment jsdom
// Saved views on the map view, clicked as a person would: the Views card
// lists the map's views, applies one (viewport, filter, highlights), saves,
// renames, updates, moves and deletes them as one undo step each, against
// the real CRDT Document; observers apply but do not edit; those who follow
// someone showing a view see its filter too.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { create } from "@bufbuild/protobuf";
import { ElementKind } from "../../../src/gen/convene/v1/ops_pb";
import { PresenceStateSchema } from "../../../src/gen/convene/v1/protocol_pb";
import { Document } from "../../../src/crdt/document";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { keyToId } from "../../../src/map/ids";
import { FakeContext, type FakeDocument } from "./fake-doc";
import { installDialogs, openDialog, tick } from "../ui/dialogs";

let view: MapView | undefined;

beforeAll(() => installDialogs());

afterEach(() => {
  view?.destroy();
  view = undefined;
  document.body.replaceChildren();
});

const byTestId = <T extends HTMLElement = HTMLElement>(
  id: string,
  within: ParentNode = document,
) => {
  const found = within.querySelector<T>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

/** A map with a project, an institution and a connection; views made by "someone else". */
function setup(options: { canEdit?: boolean; views?: boolean } = {}) {
  const doc = new Document(42n);
  const map = doc.createMap("Views");
  const project = doc.createElement(map, {
    kind: ElementKind.PROJECT,
    label: "Wetland pilot",
    position: { x: -100, y: 0 },
  });
  const trust = doc.createElement(map, {
    kind: ElementKind.INSTITUTION,
    label: "River Trust",
    position: { x: 100, y: 0 },
  });
  const link = doc.createConnection(map, project, trust, {});
  const views: string[] = [];
  if (options.views !== false) {
    views.push(
      doc.createView(map, {
        name: "Projects",
        viewport: { x: -100, y: 0, zoom: 2 },
        filter: { kinds: [ElementKind.PROJECT] },
        order: 0,
      }),
      doc.createView(map, {
        name: "Everything",
        viewport: { x: 0, y: 0, zoom: 0.5 },
        filter: { highlights: [trust, link] },
        order: 1,
      }),
    );
  }
  doc.undoCheckpoint();
  doc.takeChanges();
  const ctx = new FakeContext(doc as unknown as FakeDocument, options.canEdit ?? true);
  ctx.edited = (checkpoint?: boolean) => {
    if (checkpoint) doc.undoCheckpoint();
    ctx.flush();
  };
  view = createMapView(ctx);
  document.body.append(view.element);
  view.setViewport({ x: 0, y: 0, zoom: 1 });
  return { doc, ctx, map, project, trust, link, views };
}

function openCard(): HTMLElement {
  const card = byTestId("views-card");
  if (card.hidden) byTestId("views-menu").click();
  return card;
}

const rows = () =>
  [...document.querySelectorAll<HTMLElement>(".cv-view-row")].map(
    (row) => row.querySelector(".cv-view-label")!.textContent,
  );

function row(name: string): HTMLElement {
  const found = [...document.querySelectorAll<HTMLElement>(".cv-view-row")].find(
    (r) => r.querySelector(".cv-view-label")!.textContent === name,
  );
  if (!found) throw new Error(`no view ${name}`);
  return found;
}

const faded = (id: string) =>
  document.querySelector(`[data-id="${id}"]`)!.classList.contains("is-faded");

async function answerDialog(name: string, tickBox = false): Promise<void> {
  await tick();
  const dialog = openDialog("view-name-dialog");
  if (!dialog) throw new Error("no name dialog");
  byTestId<HTMLInputElement>("view-name", dialog).value = name;
  if (tickBox) byTestId<HTMLInputElement>("view-highlight", dialog).checked = true;
  dialog.querySelector("form")!.requestSubmit();
  await tick();
}

describe("the Views card", () => {
  it("lists the map's views by order, and others' new views as they arrive", () => {
    const { doc, ctx, map } = setup();
    openCard();
    expect(rows()).toEqual(["Projects", "Everything"]);
    doc.createView(map, { name: "First", order: -1 });
    ctx.flush();
    expect(rows()).toEqual(["First", "Projects", "Everything"]);
  });

  it("applies a view: its viewport, its filter fading, its highlights marked", async () => {
    const { ctx, project, trust, link, views } = setup();
    openCard();
    byTestId("view-apply", row("Projects")).click();
    await vi.waitFor(() => expect(view!.viewport()).toEqual({ x: -100, y: 0, zoom: 2 }));
    expect(faded(trust)).toBe(true);
    expect(faded(project)).toBe(false);
    expect(row("Projects").querySelector("[aria-current]")).not.toBeNull();
    expect(ctx.presenceSent.filter((p) => "view" in p).at(-1)).toEqual({
      map: expect.anything(),
      view: keyToId(views[0]),
    });

    byTestId("view-apply", row("Everything")).click();
    expect(faded(trust)).toBe(false);
    expect(document.querySelector(`[data-id="${trust}"]`)!.classList).toContain("is-path");
    expect(document.querySelector(`[data-conn="${link}"]`)!.classList).toContain("is-path");
  });

  it("forgets the view shown once the filter is changed by hand", () => {
    const { ctx } = setup();
    openCard();
    byTestId("view-apply", row("Projects")).click();
    byTestId("map-filter").click();
    byTestId("filter-clear").click();
    expect(row("Projects").querySelector("[aria-current]")).toBeNull();
    expect(ctx.presenceSent.filter((p) => "view" in p).at(-1)!.view).toBeUndefined();
  });

  it("leaves out what was removed since the view was saved", () => {
    const { doc, ctx, trust } = setup();
    doc.remove(trust);
    ctx.flush();
    openCard();
    byTestId("view-apply", row("Everything")).click();
    expect(document.querySelectorAll(".is-path")).toHaveLength(0);
    expect(ctx.toasts).toEqual([]);
  });

  it("saves the viewport and filter under a name from the app's dialog, as one undo step", async () => {
    const { doc, map, project } = setup({ views: false });
    openCard();
    expect(document.querySelector(".cv-views-card .cv-menu-hint")!.textContent).toMatch(
      /No views yet/,
    );
    view!.setViewport({ x: 30, y: 40, zoom: 1.5 });
    byTestId("view-save").click();
    await answerDialog("  Start here ");
    const saved = doc.viewsOf(map);
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ name: "Start here", viewport: { x: 30, y: 40, zoom: 1.5 } });
    expect(rows()).toEqual(["Start here"]);

    // The selection as highlights, when asked for.
    view!.setViewport({ x: 0, y: 0, zoom: 1 });
    document
      .querySelector<SVGGElement>(`[data-id="${project}"]`)!
      .dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
    byTestId("view-save").click();
    await answerDialog("Pilot", true);
    const pilot = doc.viewsOf(map).find((v) => v.name === "Pilot")!;
    expect(pilot.filter.highlights).toEqual([project]);
    expect(pilot.order).toBeGreaterThan(saved[0].order);

    doc.undo();
    expect(doc.viewsOf(map).map((v) => v.name)).toEqual(["Start here"]);
  });

  it("asks nothing of the document when the dialog is cancelled", async () => {
    const { doc, map } = setup({ views: false });
    openCard();
    byTestId("view-save").click();
    await tick();
    byTestId("view-name-cancel", openDialog("view-name-dialog")!).click();
    await tick();
    expect(doc.viewsOf(map)).toEqual([]);
  });

  it("renames, updates, moves and deletes, each one undo step", async () => {
    const { doc, ctx, map, views } = setup();
    openCard();
    const names = () => doc.viewsOf(map).map((v) => v.name);

    byTestId("view-rename", row("Projects")).click();
    await answerDialog("Our projects");
    expect(names()).toEqual(["Our projects", "Everything"]);
    doc.undo();
    expect(names()).toEqual(["Projects", "Everything"]);

    view!.setViewport({ x: 5, y: 6, zoom: 3 });
    byTestId("view-update", row("Everything")).click();
    // With the area the canvas shows (jsdom's fallback size, 960 × 640).
    expect(doc.viewsOf(map)[1].viewport).toEqual({
      x: 5,
      y: 6,
      zoom: 3,
      width: 320,
      height: 640 / 3,
    });
    doc.undo();
    expect(doc.viewsOf(map)[1].viewport).toMatchObject({ x: 0, y: 0, zoom: 0.5 });

    doc.createView(map, { name: "Third", order: 1 });
    doc.undoCheckpoint();
    ctx.flush();
    expect(rows()).toEqual(["Projects", "Everything", "Third"]);
    byTestId("view-up", row("Third")).click();
    expect(rows()).toEqual(["Projects", "Third", "Everything"]);
    doc.undo();
    ctx.flush();
    expect(names()).toEqual(["Projects", "Everything", "Third"]);
    expect(byTestId<HTMLButtonElement>("view-up", row("Projects")).disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>("view-down", row("Third")).disabled).toBe(true);

    byTestId("view-delete", row("Projects")).click();
    expect(names()).toEqual(["Everything", "Third"]);
    doc.undo();
    expect(doc.viewsOf(map).map((v) => v.id)).toContain(views[0]);
  });

  it("lets observers apply views but not save or change them", async () => {
    const { trust } = setup({ canEdit: false });
    openCard();
    expect(byTestId("view-save").hidden).toBe(true);
    expect(document.querySelector('[data-testid="view-rename"]')).toBeNull();
    expect(document.querySelector('[data-testid="view-delete"]')).toBeNull();
    byTestId("view-apply", row("Projects")).click();
    expect(faded(trust)).toBe(true);
  });

  it("shows the filter of the view the one I follow shows, and mine again after", async () => {
    const { ctx, map, trust, views } = setup();
    const presence = (view?: string) =>
      create(PresenceStateSchema, {
        map: keyToId(map),
        viewport: { x: 50, y: 0, zoom: 1.2 },
        view: view === undefined ? undefined : keyToId(view),
      });
    const leader = { id: "bb02", name: "Bo", colour: "#3366aa", role: "convener" as const };
    ctx.others.push({ ...leader, presence: presence(views[0]) });
    view!.follow("bb02");
    expect(faded(trust)).toBe(true);
    await vi.waitFor(() => expect(view!.viewport()).toEqual({ x: 50, y: 0, zoom: 1.2 }));

    ctx.others[0].presence = presence();
    ctx.presenceChanged();
    expect(faded(trust)).toBe(false);

    ctx.others[0].presence = presence(views[0]);
    ctx.presenceChanged();
    expect(faded(trust)).toBe(true);
    view!.follow(undefined);
    expect(faded(trust)).toBe(false);
  });
});
