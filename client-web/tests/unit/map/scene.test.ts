// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from "vitest";
import {
  ConnectionKind,
  Direction,
  ElementKind,
  Geometry,
  ScaleLevel,
} from "../../../src/gen/convene/v1/ops_pb";
import { bodyOutline, NODE_RADIUS } from "../../../src/map/nodes";
import { Scene, compareIds, pairKey } from "../../../src/map/scene";
import { toggleLevel } from "../../../src/map/style";
import { FakeDocument } from "./fake-doc";

let doc: FakeDocument;
let map: string;
let scene: Scene;

function makeScene(): Scene {
  return new Scene(
    {
      doc: () => doc,
      colourOf: (id) => (id === "me" ? "#123456" : "#999999"),
      nameOf: (id) => `name-${id}`,
    },
    { interactive: true, filter: new Set(), showDisagreement: true, remote: new Map() },
  );
}

function element(label: string, x: number, y: number, scale = ScaleLevel.LOCAL) {
  return doc.createElement(map, { kind: ElementKind.PROJECT, label, scale, position: { x, y } });
}

function nodeOf(id: string): SVGGElement {
  return (
    scene.root.querySelector(`[data-id="${id}"][data-entity]`) ??
    scene.root.querySelector(`[data-conn="${id}"]`)!
  );
}

function lineOf(id: string): SVGPathElement {
  return scene.root.querySelector(`path.cv-conn-line[data-id="${id}"]`)!;
}

beforeEach(() => {
  doc = new FakeDocument();
  map = doc.createMap("m");
  scene = makeScene();
});

describe("rendering a map", () => {
  it("adds rings, handles and selection lines only where needed, as a redraw would", () => {
    const a = doc.createElement(map, { label: "A", selfOf: "me", position: { x: 0, y: 0 } });
    const b = element("B", 200, 0);
    const c = doc.createConnection(map, a, b, { direction: Direction.FORWARD });
    doc.setPerspective(a, "strength", "p1", 1);
    doc.setPerspective(a, "strength", "p2", 5);
    scene.render(map);
    expect(scene.root.querySelectorAll(".cv-sel-ring, .cv-handle, .cv-sel-line")).toHaveLength(0);
    // Hovering an element or a connection gives it its extras.
    nodeOf(a)
      .querySelector(".cv-body")!
      .dispatchEvent(new Event("pointerover", { bubbles: true }));
    scene.setSelection(new Set([c]));
    const classes = (id: string) => [...nodeOf(id).children].map((n) => n.getAttribute("class"));
    const hovered = [classes(a), classes(c)];
    expect(hovered[0].slice(0, 4)).toEqual(["cv-halo", "cv-sel-ring", null, "cv-body"]);
    expect(hovered[0].slice(-2)).toEqual(["cv-handle", null]);
    expect(hovered[1]).toContain("cv-sel-line");
    expect(classes(b)).not.toContain("cv-sel-ring");
    // The same children, in the same order, as a redraw of the decorated entities.
    const html = [nodeOf(a).innerHTML, nodeOf(c).innerHTML];
    scene.setSelection(new Set([a, c]));
    scene.render(map);
    expect([classes(a), classes(c)]).toEqual(hovered);
    expect([nodeOf(a).innerHTML, nodeOf(c).innerHTML]).toEqual(html);
  });

  it("draws one keyed node per element, connection and shape", () => {
    const a = element("A", 0, 0);
    const b = element("B", 200, 0);
    const c = doc.createConnection(map, a, b, { direction: Direction.FORWARD });
    const s = doc.createShape(map, Geometry.POLYGON, {
      path: {
        points: [
          { x: 0, y: 0 },
          { x: 50, y: 0 },
          { x: 0, y: 50 },
        ],
      },
    });
    const other = doc.createMap("other");
    doc.createElement(other, { label: "elsewhere" });
    scene.render(map);
    expect(scene.root.querySelectorAll(".cv-element")).toHaveLength(2);
    expect(nodeOf(a).getAttribute("data-kind")).toBe("project");
    expect(nodeOf(a).getAttribute("transform")).toBe("translate(0 0)");
    expect(nodeOf(a).textContent).toContain("A");
    expect(lineOf(c)).not.toBeNull();
    expect(scene.root.querySelectorAll(".cv-arrow")).toHaveLength(1);
    expect(nodeOf(s).getAttribute("data-geometry")).toBe("polygon");
    expect(scene.root.textContent).not.toContain("elsewhere");
  });

  it("draws arrowheads by direction and thickness by depth", () => {
    const a = element("A", 0, 0);
    const b = element("B", 300, 0);
    const none = doc.createConnection(map, a, b, { direction: Direction.NONE, depth: 1 });
    const both = doc.createConnection(map, a, b, { direction: Direction.BOTH, depth: 3 });
    scene.render(map);
    expect(nodeOf(none).querySelectorAll(".cv-arrow")).toHaveLength(0);
    expect(nodeOf(both).querySelectorAll(".cv-arrow")).toHaveLength(2);
    const width = (id: string) => Number(lineOf(id).getAttribute("stroke-width"));
    expect(width(both)).toBeGreaterThan(width(none));
  });

  it("colours connections by kind and names the kind", () => {
    const a = element("A", 0, 0);
    const b = element("B", 300, 0);
    const funding = doc.createConnection(map, a, b, { kind: ConnectionKind.FUNDING });
    const conflict = doc.createConnection(map, b, a, { kind: ConnectionKind.CONFLICT });
    scene.render(map);
    expect(lineOf(funding).getAttribute("data-kind")).toBe("funding");
    expect(lineOf(funding).getAttribute("stroke")).not.toBe(
      lineOf(conflict).getAttribute("stroke"),
    );
    expect(lineOf(conflict).getAttribute("stroke-dasharray")).toBeTruthy();
  });

  it("fans connections between the same pair apart", () => {
    const a = element("A", 0, 0);
    const b = element("B", 300, 0);
    const one = doc.createConnection(map, a, b, {});
    const two = doc.createConnection(map, b, a, {});
    scene.render(map);
    expect(lineOf(one).getAttribute("d")).not.toBe(lineOf(two).getAttribute("d"));
    expect(scene.connectionsBetween(b, a).sort()).toEqual([one, two].sort());
  });

  it("marks 'me' elements and spheres with their participant's colour", () => {
    const me = doc.createElement(map, {
      kind: ElementKind.PERSON,
      label: "Me",
      selfOf: "me",
      position: { x: 0, y: 0 },
    });
    const sphere = doc.createShape(map, Geometry.POLYGON, {
      sphereOf: "me",
      path: {
        points: [
          { x: 0, y: 0 },
          { x: 9, y: 0 },
          { x: 0, y: 9 },
        ],
      },
    });
    scene.render(map);
    expect(nodeOf(me).innerHTML).toContain("#123456");
    expect(nodeOf(sphere).innerHTML).toContain("#123456");
    expect(nodeOf(sphere).textContent).toContain("name-me's sphere of influence");
  });
});

describe("incremental updates", () => {
  it("touches only the nodes a change names", () => {
    const a = element("A", 0, 0);
    const b = element("B", 200, 0);
    const far = element("Far", 900, 900);
    const c = doc.createConnection(map, a, b, {});
    scene.render(map);
    const nodeA = nodeOf(a);
    const nodeFar = nodeOf(far);
    const farChildren = [...nodeFar.childNodes];
    const lineBefore = lineOf(c).getAttribute("d");
    doc.updateElement(a, { position: { x: -100, y: 50 } });
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(a)).toBe(nodeA);
    expect(nodeA.getAttribute("transform")).toBe("translate(-100 50)");
    // The connection follows its moved end; the untouched element keeps its children.
    expect(lineOf(c).getAttribute("d")).not.toBe(lineBefore);
    expect([...nodeOf(far).childNodes]).toEqual(farChildren);
  });

  it("repaints a label change without replacing the node", () => {
    const a = element("Before", 0, 0);
    scene.render(map);
    const node = nodeOf(a);
    doc.updateElement(a, { label: "After" });
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(a)).toBe(node);
    expect(node.textContent).toContain("After");
    expect(node.textContent).not.toContain("Before");
  });

  it("adds and removes entities, hiding connections with their ends", () => {
    const a = element("A", 0, 0);
    scene.render(map);
    const b = element("B", 100, 0);
    const c = doc.createConnection(map, a, b, {});
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(b)).toBeTruthy();
    expect(lineOf(c)).toBeTruthy();
    doc.remove(b);
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(b)).toBeNull();
    expect(lineOf(c)).toBeNull();
    expect(scene.connections.size).toBe(0);
    // Restoring the end brings its connection back though only the element was named.
    doc.restore(b);
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(b)).toBeTruthy();
    expect(lineOf(c)).toBeTruthy();
  });

  it("ignores changes to other maps", () => {
    scene.render(map);
    const other = doc.createMap("other");
    doc.createElement(other, { label: "x" });
    scene.update(doc.takeChanges().entities);
    expect(scene.elements.size).toBe(0);
  });

  it("shows a disagreement halo only when the group disagrees, and on demand", () => {
    const a = element("A", 0, 0);
    scene.render(map);
    expect(nodeOf(a).querySelector(".cv-halo")).toBeNull();
    doc.setPerspective(a, "strength", "p1", 1);
    scene.update(doc.takeChanges().entities);
    expect(nodeOf(a).querySelector(".cv-halo")).toBeNull();
    doc.setPerspective(a, "strength", "p2", 5);
    scene.update(doc.takeChanges().entities);
    const halo = nodeOf(a).querySelector(".cv-halo")!;
    expect(halo).not.toBeNull();
    doc.setPerspective(a, "strength", "p3", 1);
    scene.update(doc.takeChanges().entities);
    // Spread went from 2 to ~1.89: the halo follows it.
    expect(Number(nodeOf(a).querySelector(".cv-halo")!.getAttribute("r"))).toBeLessThan(
      Number(halo.getAttribute("r")),
    );
    scene.setShowDisagreement(false);
    expect(nodeOf(a).querySelector(".cv-halo")).toBeNull();
  });
});

describe("view state", () => {
  it("filters by scale level, hiding connections to hidden elements", () => {
    const local = element("L", 0, 0, ScaleLevel.LOCAL);
    const global = element("G", 100, 0, ScaleLevel.GLOBAL);
    const local2 = element("L2", 0, 100, ScaleLevel.LOCAL);
    const across = doc.createConnection(map, local, global, {});
    const within = doc.createConnection(map, local, local2, {});
    scene.render(map);
    scene.setFilter(toggleLevel(new Set(), ScaleLevel.GLOBAL));
    expect(scene.isShown(global)).toBe(false);
    expect(scene.isShown(local)).toBe(true);
    expect(scene.isShown(across)).toBe(false);
    expect(scene.isShown(within)).toBe(true);
    expect([...scene.visibleElementPoints()].map((p) => p.id).sort()).toEqual(
      [local, local2].sort(),
    );
    scene.setFilter(new Set());
    expect(scene.isShown(across)).toBe(true);
  });

  it("marks my selection and others' selections in their colours", () => {
    const a = element("A", 0, 0);
    const b = element("B", 100, 0);
    scene.render(map);
    scene.setSelection(new Set([a]));
    expect(nodeOf(a).classList.contains("is-selected")).toBe(true);
    expect(nodeOf(b).classList.contains("is-selected")).toBe(false);
    scene.setRemote(new Map([[b, ["#ff0000", "#00ff00"]]]));
    const rings = nodeOf(b).querySelectorAll(".cv-remote-ring");
    expect([...rings].map((r) => r.getAttribute("stroke"))).toEqual(["#ff0000", "#00ff00"]);
    scene.setRemote(new Map());
    expect(nodeOf(b).querySelectorAll(".cv-remote-ring")).toHaveLength(0);
  });

  it("shows vertex handles on a lone selected shape when editable", () => {
    const s = doc.createShape(map, Geometry.POLYLINE, {
      path: {
        points: [
          { x: 0, y: 0 },
          { x: 10, y: 10 },
        ],
      },
    });
    scene.render(map);
    scene.setEditableHandles(true);
    scene.setSelection(new Set([s]));
    expect(scene.root.querySelectorAll(".cv-vertex")).toHaveLength(2);
    scene.setZoom(2);
    expect(scene.root.querySelector(".cv-vertex")!.getAttribute("r")).toBe("3");
    scene.setEditableHandles(false);
    expect(scene.root.querySelectorAll(".cv-vertex")).toHaveLength(0);
  });

  it("reports bounds of what is shown", () => {
    element("A", -500, 0);
    element("B", 500, 300);
    scene.render(map);
    const b = scene.bounds()!;
    expect(b.minX).toBeLessThan(-500);
    expect(b.maxX).toBeGreaterThan(500);
    expect(b.maxY).toBeGreaterThan(300);
  });
});

describe("id ordering", () => {
  it("orders ids numerically by replica then counter", () => {
    expect(compareIds("2:10", "2:9")).toBe(1);
    expect(compareIds("10:1", "9:99")).toBe(1);
    expect(compareIds("3:3", "3:3")).toBe(0);
    expect(pairKey("5:2", "5:1")).toBe(pairKey("5:1", "5:2"));
  });

  it("agrees with numeric order over the whole 64-bit range", () => {
    const values = [1n, 9n, 10n, 99n, 100n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    let seed = 7;
    const next = () => BigInt((seed = (seed * 48271) % 2147483647));
    for (let i = 0; i < 12; i++) values.push((next() * next() * next()) % 2n ** 64n);
    const sign = (x: bigint) => (x < 0n ? -1 : x > 0n ? 1 : 0);
    for (const ra of values)
      for (const rb of values)
        for (const [ca, cb] of [
          [ra, rb],
          [rb, ra],
          [1n, 2n ** 64n - 1n],
        ]) {
          const expected = ra !== rb ? sign(ra - rb) : sign(ca - cb);
          expect(compareIds(`${ra}:${ca}`, `${rb}:${cb}`)).toBe(expected);
        }
  });
});

describe("labels", () => {
  const labelOf = (id: string) => nodeOf(id).querySelector<SVGTextElement>(":scope > .cv-label")!;

  it("moves a label off an element drawn below its own, and back when there is room", () => {
    const top = element("Top", 0, 0);
    const below = element("Below", 0, 50);
    scene.render(map);
    // Below is taken by the other node: the label goes above (a negative shift).
    expect(labelOf(top).getAttribute("transform")).toMatch(/^translate\(0 -/);
    expect(labelOf(below).getAttribute("transform")).toBeNull();
    doc.updateElement(below, { position: { x: 400, y: 0 } });
    scene.update(doc.takeChanges().entities);
    expect(labelOf(top).getAttribute("transform")).toBeNull();
  });

  it("leaves out a label with no room anywhere, hidden until pointed at", () => {
    const centre = element("Boxed in", 0, 0);
    element("N", 0, -48);
    element("S", 0, 48);
    element("E", 48, 0);
    element("W", -48, 0);
    scene.render(map);
    const label = labelOf(centre);
    expect(label.classList.contains("is-crowded")).toBe(true);
    expect(label.getAttribute("visibility")).toBe("hidden");
  });

  it("gives faded elements' room to the others", () => {
    const top = element("Top", 0, 0);
    const below = element("Below", 0, 50);
    scene.render(map);
    scene.setMarked("faded", new Set([below]));
    expect(labelOf(top).getAttribute("transform")).toBeNull();
    expect(scene.isShown(below)).toBe(false);
    expect([...scene.visibleElementPoints()].map((p) => p.id)).toEqual([top]);
  });

  it("turns a connection's label along its line, upright", () => {
    const a = element("A", 0, 0);
    const b = element("B", -300, -300);
    const c = doc.createConnection(map, a, b, { label: "funds" });
    scene.render(map);
    const transform = labelOf(c).getAttribute("transform")!;
    const angle = Number(/rotate\(([-\d.]+)\)/.exec(transform)![1]);
    expect(Math.abs(angle)).toBeLessThanOrEqual(90);
    expect(angle).toBeCloseTo(45, 0);
  });

  it("puts a region's label on its top edge", () => {
    const corners = [0, 0, 400, 0, 400, 300, 0, 300];
    const points = corners.flatMap((v, i) => (i % 2 ? [] : [{ x: v, y: corners[i + 1] }]));
    const region = doc.createShape(map, Geometry.POLYGON, { label: "Northside", path: { points } });
    scene.render(map);
    const transform = nodeOf(region).querySelector(".cv-shape-label")!.getAttribute("transform")!;
    const [x, y] = /translate\(([-\d.]+) ([-\d.]+)\)/.exec(transform)!.slice(1).map(Number);
    expect(x).toBeCloseTo(200);
    expect(y).toBeLessThan(0);
    expect(y).toBeGreaterThan(-10);
  });
});

describe("labels around a region's", () => {
  it("keep element labels off a region's label", () => {
    const corners = [0, 0, 400, 0, 400, 300, 0, 300];
    const points = corners.flatMap((v, i) => (i % 2 ? [] : [{ x: v, y: corners[i + 1] }]));
    doc.createShape(map, Geometry.POLYGON, { label: "Northside", path: { points } });
    const above = element("Just above", 200, -50);
    scene.render(map);
    const label = nodeOf(above).querySelector(":scope > .cv-label")!;
    // Below it is the region's label: it goes above instead.
    expect(label.getAttribute("transform")).toMatch(/^translate\(0 -/);
  });
});

describe("level of detail", () => {
  it("leaves out what the zoom would hide, and draws it again closer in", () => {
    const a = element("A", 0, 0);
    const b = element("B", 300, 0);
    doc.createConnection(map, a, b, { label: "funds" });
    const icons = () => scene.root.querySelectorAll(".cv-node-icon").length;
    const connectionLabels = () => scene.root.querySelectorAll(".cv-conn-label").length;
    scene.setZoom(0.2);
    scene.render(map);
    doc.takeChanges();
    expect([icons(), connectionLabels()]).toEqual([0, 0]);
    // Element labels stay: a found or selected element shows its label far out.
    expect(scene.root.querySelectorAll(".cv-element > .cv-label")).toHaveLength(2);
    scene.setZoom(0.3);
    expect([icons(), connectionLabels()]).toEqual([2, 0]);
    scene.setZoom(0.8);
    expect([icons(), connectionLabels()]).toEqual([2, 1]);
    // Zoomed out again, what is drawn stays (map.css hides it) until redrawn.
    scene.setZoom(0.1);
    expect([icons(), connectionLabels()]).toEqual([2, 1]);
    doc.updateElement(a, { label: "A2" });
    scene.update(doc.takeChanges().entities);
    expect(icons()).toBe(1);
  });

  it("a picture (the export) keeps every detail whatever the zoom", () => {
    const a = element("A", 0, 0);
    const b = element("B", 300, 0);
    doc.createConnection(map, a, b, { label: "funds" });
    const picture = new Scene(
      { doc: () => doc, colourOf: () => "#999999", nameOf: (id) => id },
      { interactive: false, filter: new Set(), showDisagreement: true, remote: new Map() },
    );
    picture.setZoom(0.1);
    picture.render(map);
    expect(picture.root.querySelectorAll(".cv-node-icon")).toHaveLength(2);
    expect(picture.root.querySelectorAll(".cv-conn-label")).toHaveLength(1);
  });
});

describe("level of detail on a large map", () => {
  it("redraws a batch a frame", () => {
    const frames: FrameRequestCallback[] = [];
    const raf = globalThis.requestAnimationFrame;
    globalThis.requestAnimationFrame = (callback) => frames.push(callback);
    try {
      for (let i = 0; i < 400; i++) element(`E${i}`, (i % 20) * 200, Math.floor(i / 20) * 200);
      scene.setZoom(0.1);
      scene.render(map);
      const icons = () => scene.root.querySelectorAll(".cv-node-icon").length;
      expect(icons()).toBe(0);
      scene.setZoom(1);
      expect(icons()).toBe(0);
      // 150 a frame.
      for (const drawn of [150, 300, 400]) {
        expect(frames).toHaveLength(1);
        frames.shift()!(0);
        expect(icons()).toBe(drawn);
      }
      expect(frames).toHaveLength(0);
    } finally {
      globalThis.requestAnimationFrame = raf;
    }
  });
});

describe("the search's marks", () => {
  const R = NODE_RADIUS;
  const rim = (faded = false) =>
    scene.marksRoot.querySelector(
      faded ? ".cv-match-rim.is-faded" : ".cv-match-rim:not(.is-faded)",
    );
  /** The points a rim's subpaths start at, one per element. */
  const starts = (path: Element | null) =>
    [...(path?.getAttribute("d") ?? "").matchAll(/M(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);

  it("draws them over the map, leaving its nodes alone, and follows what moves", () => {
    const a = element("Alder", 0, 0);
    const b = element("Birch", 300, 0);
    const c = doc.createConnection(map, a, b, {});
    scene.render(map);
    const before = nodeOf(a).outerHTML;
    scene.setMarked("match", new Set([a, c]));
    expect(nodeOf(a).outerHTML).toBe(before);
    // A circle's outline starts at its left edge.
    expect(starts(rim())).toEqual([[-R, 0]]);
    // An undirected line is not trimmed for arrowheads: the mark is its curve.
    expect(scene.marksRoot.querySelector(".cv-match-line")!.getAttribute("d")).toBe(
      lineOf(c).getAttribute("d"),
    );
    doc.updateElement(a, { position: { x: 100, y: 40 } });
    scene.update(doc.takeChanges().entities);
    expect(starts(rim())).toEqual([[100 - R, 40]]);
    scene.setMarked("faded", new Set([a]));
    expect(rim()).toBeNull();
    expect(starts(rim(true))).toEqual([[100 - R, 40]]);
    scene.setMarked("match", new Set());
    expect(scene.marksRoot.childElementCount).toBe(0);
  });

  it("shows a found element's label the map left out for want of room", () => {
    const centre = element("Boxed in", 0, 0);
    const north = element("N", 0, -48);
    element("S", 0, 48);
    element("E", 48, 0);
    element("W", -48, 0);
    scene.render(map);
    scene.setMarked("match", new Set([centre, north]));
    const labels = [...scene.marksRoot.querySelectorAll("[data-match]")];
    expect(labels.map((l) => l.getAttribute("data-match"))).toEqual([centre]);
    expect(labels[0].textContent).toBe("Boxed in");
    expect(labels[0].querySelector("[visibility]")).toBeNull();
  });

  it("outlines each body shape round its element", () => {
    const shapes = ["circle", "square", "diamond", "hexagon"];
    const d = shapes
      .map((shape, i) => bodyOutline({ kind: ElementKind.PROJECT, shape }, { x: i * 200, y: 0 }))
      .join("");
    expect(d.split("M")).toHaveLength(5);
    expect(d).toMatch(/A\S+ \S+ 0 0 1/); // a square's rounded corners
    // Every corner or arc end lies on the body's outline: no farther from its
    // centre than a diamond's tips (1.2 radii) or a square's corner arcs
    // (1.23), no nearer than the middle of a square's side (1).
    const points = [...d.matchAll(/(-?[\d.]+) (-?[\d.]+)(?=[A-Z]|$)/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
    }));
    expect(points).toHaveLength(3 + 5 + 4 + 6); // circle, square, diamond, hexagon
    for (const p of points) {
      const r = Math.hypot(p.x - Math.round(p.x / 200) * 200, p.y);
      expect(r).toBeLessThanOrEqual(R * 1.24);
      expect(r).toBeGreaterThanOrEqual(R * 0.99);
    }
    // Size scales it.
    expect(bodyOutline({ kind: ElementKind.PROJECT, size: 2 }, { x: 0, y: 0 })).toMatch(
      new RegExp(`^M${-2 * R} 0`),
    );
  });
});
