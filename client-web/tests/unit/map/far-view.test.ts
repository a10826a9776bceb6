// @vitest-environment jsdom
// The far view: a large map seen whole, painted (far-view.ts). What it paints
// matches what the SVG would draw; the scene keeps it out of the DOM and
// unbuilt, but for what the user works with, which is SVG over it.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Direction, ElementKind, ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import { shownArea } from "../../../src/map/culling";
import { FarView, strokesOf, type FarItems, type PathSink } from "../../../src/map/far-view";
import { round } from "../../../src/map/geometry";
import { connectionChildren, elementChildren, type ElementLook } from "../../../src/map/nodes";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { Scene } from "../../../src/map/scene";
import { FakeContext, FakeDocument } from "./fake-doc";

const SIZE = { width: 1000, height: 600 };

/** A path as SVG path text (as nodes.ts writes it), in place of a Path2D. */
class PathText implements PathSink {
  d = "";
  private pt = (x: number, y: number) => `${round(x)} ${round(y)}`;
  moveTo(x: number, y: number) {
    this.d += `M${this.pt(x, y)}`;
  }
  lineTo(x: number, y: number) {
    this.d += `L${this.pt(x, y)}`;
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number) {
    this.d += `Q${this.pt(cx, cy)} ${this.pt(x, y)}`;
  }
  arc(x: number, y: number, r: number) {
    this.d += `O${this.pt(x, y)} ${round(r)}`;
  }
  arcTo(x1: number, y1: number, x2: number, y2: number, r: number) {
    this.d += `T${this.pt(x1, y1)} ${this.pt(x2, y2)} ${round(r)}`;
  }
  closePath() {
    this.d += "Z";
  }
}

const strokesAsText = (items: FarItems) =>
  strokesOf(items, () => new PathText()).map(({ path, ...how }) => ({ ...how, d: path.d }));

function elementLook(over: Partial<ElementLook> = {}): ElementLook {
  return {
    kind: ElementKind.PROJECT,
    label: "A",
    scale: ScaleLevel.LOCAL,
    interactive: true,
    ...over,
  };
}

describe("what the far view paints", () => {
  it("paints bodies and lines as the SVG draws them, alike ones as one path", () => {
    const look = elementLook();
    const curve = { start: { x: 0, y: 0 }, control: { x: 50, y: 20 }, end: { x: 100, y: 0 } };
    const line = {
      curve,
      direction: Direction.FORWARD,
      depth: 2,
      kind: 0,
      label: "",
      interactive: true,
    };
    const items: FarItems = {
      elements: [
        { look, at: { x: 0, y: 0 }, alpha: 1 },
        { look, at: { x: 100, y: 0 }, alpha: 1 },
        { look, at: { x: 200, y: 0 }, alpha: 0.15 },
      ],
      connections: [{ look: line, alpha: 1 }],
    };
    const strokes = strokesAsText(items);
    // The line, its arrowhead, the two opaque bodies as one path, the faded one.
    expect(strokes).toHaveLength(4);
    const [lineStroke, head, bodies, faded] = strokes;
    const svgLine = connectionChildren(line, "c").find((n) =>
      n.classList.contains("cv-conn-line"),
    )!;
    expect(lineStroke.stroke).toBe(svgLine.getAttribute("stroke"));
    expect(String(lineStroke.width)).toBe(svgLine.getAttribute("stroke-width"));
    expect(lineStroke.d).toBe(svgLine.getAttribute("d"));
    const svgHead = connectionChildren(line, "c").find((n) => n.classList.contains("cv-arrow"))!;
    expect(head.d).toBe(svgHead.getAttribute("d"));
    expect(head.fill).toBe(svgHead.getAttribute("fill"));
    const body = elementChildren(look).find((n) => n.classList.contains("cv-body"))!;
    expect(bodies.fill).toBe(body.getAttribute("fill"));
    expect(bodies.stroke).toBe(body.getAttribute("stroke"));
    expect(String(bodies.width)).toBe(body.getAttribute("stroke-width"));
    expect(bodies.d.split("M")).toHaveLength(3);
    expect(faded.alpha).toBe(0.15);
  });

  it("paints halos, others' selections and self rings under the bodies, dashes as dashes", () => {
    const items: FarItems = {
      elements: [
        { look: elementLook(), at: { x: 0, y: 0 }, alpha: 1 },
        {
          look: elementLook({ disagreement: 1, remote: ["#aa0000"], selfColour: "#00aa00" }),
          at: { x: 300, y: 0 },
          alpha: 1,
        },
      ],
      connections: [
        {
          look: {
            curve: { start: { x: 0, y: 0 }, control: { x: 150, y: 0 }, end: { x: 300, y: 0 } },
            direction: Direction.NONE,
            depth: 1,
            kind: 3, // funding: dashed
            label: "",
            interactive: true,
          },
          alpha: 1,
        },
      ],
    };
    const strokes = strokesAsText(items);
    const bodyAt = strokes.findIndex((s) => s.fill !== undefined && s.width === 2.2);
    for (const colour of ["#aa0000", "#00aa00"]) {
      const ring = strokes.findIndex((s) => s.stroke === colour);
      expect(ring).toBeGreaterThanOrEqual(0);
      expect(ring).toBeLessThan(bodyAt);
    }
    const line = strokes[0];
    expect(line.dash?.length).toBeGreaterThan(0);
  });

  it("paints each body in its shape", () => {
    const bodyOf = (look: ElementLook) =>
      strokesAsText({ elements: [{ look, at: { x: 0, y: 0 }, alpha: 1 }], connections: [] }).at(
        -1,
      )!;
    const svgBody = (look: ElementLook) =>
      elementChildren(look).find((n) => n.classList.contains("cv-body"))!;
    // Diamonds and hexagons are the SVG body's own corners.
    for (const shape of ["diamond", "hexagon"]) {
      const look = elementLook({ shape });
      expect(bodyOf(look).d).toBe(svgBody(look).getAttribute("d"));
    }
    // A square's corners are rounded as the SVG rect's (rx), a circle is a circle.
    const square = elementLook({ kind: ElementKind.NOTE });
    const rx = Number(svgBody(square).getAttribute("rx"));
    expect(bodyOf(square).d.match(/T/g)).toHaveLength(4);
    expect(bodyOf(square).d).toContain(` ${round(rx)}T`);
    expect(bodyOf(elementLook({ size: 2 })).d).toBe("M40 0O0 0 40Z");
  });

  it("says what it paints, and where, on the canvas", () => {
    const far = new FarView();
    const items = (x: number): FarItems => ({
      elements: [{ look: elementLook(), at: { x, y: 0 }, alpha: 1 }],
      connections: [],
    });
    far.show(items(0));
    expect(far.canvas.dataset.elements).toBe("1");
    const places = far.canvas.dataset.places;
    far.show(items(40));
    expect(far.canvas.dataset.places).not.toBe(places);
    far.show(undefined);
    expect(far.canvas.dataset.elements).toBe("0");
  });
});

describe("a scene seen from far out", () => {
  let doc: FakeDocument;
  let map: string;
  let scene: Scene;
  let changed = 0;
  const inDom = (id: string) => scene.nodeOf(id)!.isConnected;
  const built = (id: string) => scene.nodeOf(id)!.childElementCount > 0;
  const paintedIds = () => {
    const items = scene.farItems()!;
    return { elements: items.elements.length, connections: items.connections.length };
  };
  let ids: string[];

  afterEach(() => document.body.replaceChildren());
  beforeEach(() => {
    doc = new FakeDocument();
    map = doc.createMap("m");
    changed = 0;
    scene = new Scene(
      {
        doc: () => doc,
        colourOf: () => "#999999",
        nameOf: (id) => id,
        farChanged: () => changed++,
      },
      { interactive: true, filter: new Set(), showDisagreement: true, remote: new Map() },
    );
    document.body.replaceChildren(
      Object.assign(document.createElementNS("http://www.w3.org/2000/svg", "svg"), {}),
    );
    document.body.firstElementChild!.append(scene.root);
    ids = Array.from({ length: 6 }, (_, i) =>
      doc.createElement(map, { label: `E${i}`, position: { x: i * 400, y: 0 } }),
    );
    for (let i = 1; i < 6; i++) doc.createConnection(map, ids[i - 1], ids[i], {});
    scene.setFarView(true);
    scene.render(map);
    scene.setShownArea(shownArea({ x: 1000, y: 0, zoom: 0.2 }, SIZE));
  });

  it("builds nothing and paints everything", () => {
    for (const id of ids) expect([inDom(id), built(id)]).toEqual([false, false]);
    expect(scene.root.querySelectorAll("g[data-conn] > *")).toHaveLength(0);
    expect(paintedIds()).toEqual({ elements: 6, connections: 5 });
    expect(changed).toBeGreaterThan(0);
  });

  it("draws what is selected, hovered, focused or on a path as SVG, and paints the rest", () => {
    scene.setSelection(new Set([ids[0]]));
    scene.decorate([ids[1]]);
    scene.setMarked("focus", new Set([ids[2]]));
    for (const id of ids.slice(0, 3)) expect([inDom(id), built(id)]).toEqual([true, true]);
    expect(paintedIds().elements).toBe(3);
    // No longer the focus, it is painted again; what was selected or hovered
    // keeps its drawing (and its extras, as on a map drawn whole).
    scene.setSelection(new Set());
    scene.setMarked("focus", new Set());
    expect(inDom(ids[2])).toBe(false);
    expect(inDom(ids[0])).toBe(true);
    expect(paintedIds().elements).toBe(4);
  });

  it("paints what a filter fades faint, and the rest dim while a path shows", () => {
    scene.setMarked("faded", new Set([ids[5]]));
    const alphas = () => scene.farItems()!.elements.map((e) => e.alpha);
    expect(alphas()).toEqual([1, 1, 1, 1, 1, 0.15]);
    scene.setMarked("path", new Set([ids[0], ids[1]]));
    expect(alphas()).toEqual([0.3, 0.3, 0.3, 0.15]);
    expect([inDom(ids[0]), inDom(ids[1])]).toEqual([true, true]);
  });

  it("finds a painted element by where it is, and builds one brought in for focus", () => {
    expect(scene.farElementAt({ x: 405, y: 4 }, 2)).toBe(ids[1]);
    expect(scene.farElementAt({ x: 200, y: 0 }, 2)).toBeUndefined();
    const node = scene.revealElement(ids[4])!;
    expect(node.isConnected).toBe(true);
    expect(node.querySelector(".cv-body")).not.toBeNull();
  });

  it("marks what the search finds on the painted map, and builds as it comes near", () => {
    scene.setMarked("match", new Set([ids[3]]));
    expect(scene.marksRoot.querySelector(".cv-match-rim")).not.toBeNull();
    // Nearer in: the entities in the window are built (a batch a frame) and
    // painted until they are.
    scene.setFarView(false);
    scene.setShownArea(shownArea({ x: 0, y: 0, zoom: 1 }, SIZE));
    expect(scene.farView).toBe(false);
    for (const id of ids.slice(0, 5)) expect(inDom(id)).toBe(true);
    expect(inDom(ids[5])).toBe(false);
    for (const id of ids.slice(0, 5)) expect(built(id)).toBe(true);
    expect(scene.farItems()).toBeUndefined();
  });
});

describe("the map view seen from far out", () => {
  afterEach(() => {
    view?.destroy();
    view = undefined;
    document.body.replaceChildren();
  });
  let view: MapView | undefined;

  function press(type: string, x: number, y: number): void {
    document.querySelector('[data-testid="map-canvas"]')!.dispatchEvent(
      new PointerEvent(type, {
        bubbles: true,
        cancelable: true,
        clientX: x,
        clientY: y,
        button: 0,
        pointerId: 3,
        pointerType: "mouse",
      }),
    );
  }

  it("paints a very large map seen whole, and a click there selects what it painted", () => {
    const doc = new FakeDocument();
    const map = doc.createMap("Big");
    const ids: string[] = [];
    // 2,100 elements and 2,099 connections: past the far view's 4,000 entities.
    for (let i = 0; i < 2100; i++)
      ids.push(
        doc.createElement(map, {
          label: `E${i}`,
          position: { x: (i % 50) * 200, y: Math.floor(i / 50) * 200 },
        }),
      );
    for (let i = 1; i < 2100; i++) doc.createConnection(map, ids[i - 1], ids[i], {});
    doc.takeChanges();
    view = createMapView(new FakeContext(doc, true));
    document.body.append(view.element);
    const far = document.querySelector<HTMLCanvasElement>("canvas.cv-far")!;
    const vp = { x: 4900, y: 4100, zoom: 0.1 };
    view.setViewport(vp);
    // jsdom's box is 960 x 640: map point p is on screen at (p - vp) * zoom + the middle.
    const screen = (x: number, y: number) => ({
      x: (x - vp.x) * 0.1 + 480,
      y: (y - vp.y) * 0.1 + 320,
    });
    return vi
      .waitFor(() => expect(far.dataset.elements).toBe("2100"))
      .then(() => {
        expect(far.dataset.connections).toBe("2099");
        expect(document.querySelectorAll("g.cv-element > *")).toHaveLength(0);
        const target = ids[102]; // (2 * 200, 2 * 200)
        const at = screen(400, 400);
        press("pointerdown", at.x, at.y);
        press("pointerup", at.x, at.y);
        const node = document.querySelector(`g[data-id="${target}"]`)!;
        expect(node.classList.contains("is-selected")).toBe(true);
        expect(node.querySelector(".cv-body")).not.toBeNull();
        return vi.waitFor(() => expect(far.dataset.elements).toBe("2099"));
      })
      .then(() => {
        // Nearer in, it is SVG again.
        view!.setViewport({ x: 400, y: 400, zoom: 1 });
        return vi.waitFor(() => expect(far.dataset.elements).toBe("0"));
      })
      .then(() => {
        expect(document.querySelector(`g[data-id="${ids[101]}"] .cv-body`)).not.toBeNull();
      });
  });
});
