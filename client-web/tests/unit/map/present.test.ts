// @vitest-environment jsdom
// Presentation mode (map/present.ts): which key does what, and on the map
// view: the chrome hidden, the bar naming the view and "n / N", stepping by
// keys and buttons, asking all to follow, and the map's own view back on exit.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ElementKind } from "../../../src/gen/convene/v1/ops_pb";
import { Document } from "../../../src/crdt/document";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { presentKey, stepIndex } from "../../../src/map/present";
import { FakeContext, type FakeDocument } from "./fake-doc";

describe("presentation keys", () => {
  it("maps the keys of keyboards and presentation remotes", () => {
    for (const key of ["ArrowRight", " ", "PageDown"]) expect(presentKey(key)).toBe("next");
    for (const key of ["ArrowLeft", "PageUp"]) expect(presentKey(key)).toBe("previous");
    expect(presentKey("Home")).toBe("first");
    expect(presentKey("End")).toBe("last");
    expect(presentKey("Escape")).toBe("exit");
    expect(presentKey("a")).toBeUndefined();
    expect(presentKey("Delete")).toBeUndefined();
  });

  it("steps within the views", () => {
    expect(stepIndex("next", 0, 3)).toBe(1);
    expect(stepIndex("next", 2, 3)).toBe(2);
    expect(stepIndex("previous", 0, 3)).toBe(0);
    expect(stepIndex("previous", 2, 3)).toBe(1);
    expect(stepIndex("first", 2, 3)).toBe(0);
    expect(stepIndex("last", 0, 3)).toBe(2);
    expect(stepIndex("last", 0, 0)).toBe(0);
  });
});

let view: MapView | undefined;

afterEach(() => {
  view?.destroy();
  view = undefined;
  document.body.replaceChildren();
});

function setup(role: "convener" | "participant" = "participant") {
  const doc = new Document(42n);
  const map = doc.createMap("Present");
  const project = doc.createElement(map, { kind: ElementKind.PROJECT, label: "Pilot" });
  const trust = doc.createElement(map, {
    kind: ElementKind.INSTITUTION,
    label: "Trust",
    position: { x: 200, y: 0 },
  });
  const names = ["Overview", "Projects", "Institutions"];
  const filters = [{}, { kinds: [ElementKind.PROJECT] }, { kinds: [ElementKind.INSTITUTION] }];
  names.forEach((name, i) =>
    doc.createView(map, {
      name,
      viewport: { x: i * 100, y: 0, zoom: 1 + i },
      filter: filters[i],
      order: i,
    }),
  );
  doc.takeChanges();
  const ctx = new FakeContext(doc as unknown as FakeDocument, true, { role });
  view = createMapView(ctx);
  document.body.append(view.element);
  view.setViewport({ x: -50, y: -50, zoom: 0.8 });
  return { doc, ctx, project, trust };
}

const byTestId = (id: string) => {
  const found = document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
  if (!found) throw new Error(`no ${id}`);
  return found;
};

const key = (k: string) =>
  document.activeElement!.dispatchEvent(
    new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }),
  );

const where = () =>
  `${byTestId("present-title").textContent} ${byTestId("present-count").textContent}`;
const faded = (id: string) =>
  document.querySelector(`[data-id="${id}"]`)!.classList.contains("is-faded");

describe("presentation mode", () => {
  it("fills the screen with the map and steps through the views", async () => {
    const { project, trust } = setup();
    byTestId("present").click();
    expect(view!.element.classList).toContain("cv-presenting");
    expect(where()).toBe("Overview 1 / 3");
    await vi.waitFor(() => expect(view!.viewport()).toEqual({ x: 0, y: 0, zoom: 1 }));

    key("ArrowRight");
    expect(where()).toBe("Projects 2 / 3");
    expect(faded(trust)).toBe(true);
    await vi.waitFor(() => expect(view!.viewport()).toEqual({ x: 100, y: 0, zoom: 2 }));

    key(" ");
    expect(where()).toBe("Institutions 3 / 3");
    expect(faded(project)).toBe(true);
    expect((byTestId("present-next") as HTMLButtonElement).disabled).toBe(true);
    key("PageDown");
    expect(where()).toBe("Institutions 3 / 3");

    key("Home");
    expect(where()).toBe("Overview 1 / 3");
    key("End");
    expect(where()).toBe("Institutions 3 / 3");
    key("PageUp");
    expect(where()).toBe("Projects 2 / 3");
    byTestId("present-previous").click();
    expect(where()).toBe("Overview 1 / 3");
    byTestId("present-next").click();
    expect(where()).toBe("Projects 2 / 3");

    // Escape: the map as it was before presenting.
    key("Escape");
    expect(view!.element.classList).not.toContain("cv-presenting");
    expect(document.querySelector('[data-testid="present-bar"]')).toBeNull();
    expect(faded(trust)).toBe(false);
    await vi.waitFor(() => expect(view!.viewport()).toEqual({ x: -50, y: -50, zoom: 0.8 }));
  });

  it("leaves the map unedited by keys while presenting", () => {
    const { doc, project } = setup();
    byTestId("present").click();
    document
      .querySelector(`[data-id="${project}"]`)!
      .dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
    const before = { ...doc.element(project)!.fields.position };
    for (const k of ["Delete", "Backspace", "ArrowUp", "ArrowDown"]) key(k);
    expect(doc.element(project)).toBeDefined();
    expect(doc.element(project)!.fields.position).toMatchObject(before);
  });

  it("follows views renamed or deleted while presenting", () => {
    const { doc, ctx } = setup();
    byTestId("present").click();
    key("ArrowRight");
    const [, projects] = doc.viewsOf(doc.maps()[0].id);
    doc.updateView(projects.id, { name: "Our projects" });
    ctx.flush();
    expect(where()).toBe("Our projects 2 / 3");
    doc.remove(projects.id);
    ctx.flush();
    expect(where()).toBe("Overview 1 / 2");
  });

  it("lets a convener ask all to follow from the bar, and stops asking on exit", () => {
    const { ctx } = setup("convener");
    const asked: boolean[] = [];
    view!.element.addEventListener("asktofollow", (e) =>
      asked.push((e as CustomEvent<{ asking: boolean }>).detail.asking),
    );
    // The shell answers the event by setting my presence.
    view!.element.addEventListener("asktofollow", (e) => {
      ctx.me.presence = { askToFollow: (e as CustomEvent).detail.asking } as never;
    });
    byTestId("present").click();
    const ask = byTestId("present-ask-follow");
    expect(ask.hidden).toBe(false);
    ask.click();
    expect(asked).toEqual([true]);
    expect(ask.getAttribute("aria-pressed")).toBe("true");
    byTestId("present-exit").click();
    expect(asked).toEqual([true, false]);
  });

  it("offers asking to follow to conveners only", () => {
    setup("participant");
    byTestId("present").click();
    expect(byTestId("present-ask-follow").hidden).toBe(true);
  });

  it("cannot start without views", () => {
    const doc = new Document(43n);
    doc.createMap("Empty");
    doc.takeChanges();
    const ctx = new FakeContext(doc as unknown as FakeDocument);
    view = createMapView(ctx);
    document.body.append(view.element);
    expect((byTestId("present") as HTMLButtonElement).disabled).toBe(true);
  });
});
