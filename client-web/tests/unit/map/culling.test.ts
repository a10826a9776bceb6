// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import { ElementKind } from "../../../src/gen/convene/v1/ops_pb";
import { Culling, shownArea } from "../../../src/map/culling";
import { Scene } from "../../../src/map/scene";
import { FakeDocument } from "./fake-doc";

const SIZE = { width: 1000, height: 600 };

describe("the culling window", () => {
  it("is the area on screen grown by a screen on every side", () => {
    const culling = new Culling();
    const layer = document.createElementNS("http://www.w3.org/2000/svg", "g");
    const near = document.createElementNS("http://www.w3.org/2000/svg", "g");
    const far = document.createElementNS("http://www.w3.org/2000/svg", "g");
    layer.append(near, far);
    expect(culling.follow(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE))).toBe(true);
    // Shown: x -500..500; the window reaches -1,500..1,500.
    culling.place("near", near, layer, { minX: 1400, minY: 0, maxX: 1450, maxY: 10 });
    culling.place("far", far, layer, { minX: 1600, minY: 0, maxX: 1650, maxY: 10 });
    expect([...layer.children]).toEqual([near]);
    expect(culling.isOut("far")).toBe(true);
  });

  it("stays put for small moves and follows a large move or a zoom in", () => {
    const culling = new Culling();
    culling.follow(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    expect(culling.follow(shownArea({ x: 400, y: 200, zoom: 1 }, SIZE))).toBe(false);
    expect(culling.follow(shownArea({ x: 1200, y: 0, zoom: 1 }, SIZE))).toBe(true);
    // Zoomed in 5 times at the same place: the window would be 25 times the area.
    expect(culling.follow(shownArea({ x: 1200, y: 0, zoom: 5 }, SIZE))).toBe(true);
    expect(culling.follow(undefined)).toBe(true);
    expect(culling.active()).toBe(false);
  });

  it("brings a node back for focus whatever the window", () => {
    const culling = new Culling();
    const layer = document.createElementNS("http://www.w3.org/2000/svg", "g");
    const node = document.createElementNS("http://www.w3.org/2000/svg", "g");
    layer.append(node);
    culling.follow(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    culling.place("a", node, layer, { minX: 9000, minY: 0, maxX: 9010, maxY: 10 });
    expect(node.isConnected || node.parentNode === layer).toBe(false);
    culling.reveal("a", node, layer);
    expect(node.parentNode).toBe(layer);
    expect(culling.isOut("a")).toBe(false);
  });
});

describe("a scene with a shown area", () => {
  let doc: FakeDocument;
  let map: string;
  let scene: Scene;
  beforeEach(() => {
    doc = new FakeDocument();
    map = doc.createMap("m");
    scene = new Scene(
      { doc: () => doc, colourOf: () => "#999999", nameOf: (id) => id },
      { interactive: true, filter: new Set(), showDisagreement: true, remote: new Map() },
    );
  });
  const inDom = (id: string) => !!scene.root.querySelector(`[data-id="${id}"][data-entity]`);
  const lineInDom = (id: string) =>
    !!scene.root.querySelector(`path.cv-conn-line[data-id="${id}"]`);

  it("keeps only what is near the view in the DOM, and everything without an area", () => {
    const here = doc.createElement(map, {
      kind: ElementKind.PROJECT,
      label: "Here",
      position: { x: 0, y: 0 },
    });
    const there = doc.createElement(map, {
      kind: ElementKind.PROJECT,
      label: "There",
      position: { x: 20000, y: 0 },
    });
    const yonder = doc.createElement(map, {
      kind: ElementKind.PROJECT,
      label: "Yonder",
      position: { x: 20300, y: 0 },
    });
    const long = doc.createConnection(map, here, there, {});
    const remote = doc.createConnection(map, there, yonder, {});
    scene.render(map);
    scene.setShownArea(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    expect([inDom(here), inDom(there), inDom(yonder)]).toEqual([true, false, false]);
    // A connection crossing the view stays; one wholly elsewhere goes.
    expect([lineInDom(long), lineInDom(remote)]).toEqual([true, false]);

    // Marks still reach what is out of the DOM, and show when it comes back.
    const rims = () => scene.marksRoot.querySelectorAll(".cv-match-rim").length;
    scene.setMarked("focus", new Set([yonder]));
    scene.setMarked("match", new Set([yonder]));
    expect(rims()).toBe(0);
    scene.setShownArea(shownArea({ x: 20000, y: 0, zoom: 1 }, SIZE));
    expect([inDom(here), inDom(there), inDom(yonder)]).toEqual([false, true, true]);
    expect(scene.nodeOf(yonder)!.classList.contains("is-focus")).toBe(true);
    expect(rims()).toBe(1);

    scene.setShownArea(undefined);
    expect([inDom(here), inDom(there), inDom(yonder)]).toEqual([true, true, true]);
    expect(lineInDom(remote)).toBe(true);
  });

  it("gives what was out of the DOM the zoom's detail when it comes in", () => {
    const el = (label: string, x: number) =>
      doc.createElement(map, { kind: ElementKind.PROJECT, label, position: { x, y: 0 } });
    const here = el("Here", 0);
    const there = el("There", 30000);
    const icon = (id: string) => !!scene.nodeOf(id)!.querySelector(".cv-node-icon");
    scene.setZoom(0.1);
    scene.render(map);
    scene.setShownArea(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    scene.setZoom(1);
    expect([icon(here), icon(there)]).toEqual([true, false]);
    // Brought in to be focused: drawn in full, and in the DOM.
    expect(scene.revealElement(there)!.parentNode).not.toBeNull();
    expect(icon(there)).toBe(true);
    const farther = el("Farther", 60000);
    scene.update([farther]);
    scene.setZoom(0.1);
    scene.setZoom(1);
    scene.setShownArea(shownArea({ x: 60000, y: 0, zoom: 1 }, SIZE));
    expect(icon(farther)).toBe(true);
  });

  it("places an element again when it moves into or out of the window", () => {
    const a = doc.createElement(map, {
      kind: ElementKind.PROJECT,
      label: "A",
      position: { x: 0, y: 0 },
    });
    scene.render(map);
    doc.takeChanges();
    scene.setShownArea(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    doc.updateElement(a, { position: { x: 50000, y: 0 } });
    scene.update(doc.takeChanges().entities);
    expect(inDom(a)).toBe(false);
    expect(scene.revealElement(a)!.parentNode).not.toBeNull();
    doc.updateElement(a, { position: { x: 10, y: 10 } });
    scene.update(doc.takeChanges().entities);
    expect(inDom(a)).toBe(true);
  });
});
