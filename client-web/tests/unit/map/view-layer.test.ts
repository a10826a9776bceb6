// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { viewTransform } from "../../../src/map/geometry";
import { farFrom, layerTransform, REDRAW_AFTER_MS, ViewLayer } from "../../../src/map/view-layer";

const SIZE = { width: 800, height: 600 };
const NS = "http://www.w3.org/2000/svg";

/** Where the CSS matrix(k, 0, 0, k, tx, ty) puts a point of the <svg>. */
function applyMatrix(css: string, p: { x: number; y: number }) {
  const [k, , , , tx, ty] = css.slice("matrix(".length, -1).split(",").map(Number);
  return { x: k * p.x + tx, y: k * p.y + ty };
}

describe("layerTransform", () => {
  it("carries a point drawn at one view to where the other view shows it", () => {
    const from = { x: 100, y: -50, zoom: 0.5 };
    const to = { x: 340, y: 20, zoom: 1.6 };
    for (const p of [
      { x: 0, y: 0 },
      { x: 250, y: -300 },
      { x: -1000, y: 42 },
    ]) {
      const drawn = {
        x: SIZE.width / 2 + (p.x - from.x) * from.zoom,
        y: SIZE.height / 2 + (p.y - from.y) * from.zoom,
      };
      const wanted = {
        x: SIZE.width / 2 + (p.x - to.x) * to.zoom,
        y: SIZE.height / 2 + (p.y - to.y) * to.zoom,
      };
      const got = applyMatrix(layerTransform(from, to, SIZE), drawn);
      expect(got.x).toBeCloseTo(wanted.x, 1);
      expect(got.y).toBeCloseTo(wanted.y, 1);
    }
  });
});

describe("ViewLayer", () => {
  let svg: SVGSVGElement;
  let group: SVGGElement;
  let drawn: { x: number; y: number; zoom: number }[];
  let layer: ViewLayer;
  beforeEach(() => {
    vi.useFakeTimers();
    svg = document.createElementNS(NS, "svg");
    group = document.createElementNS(NS, "g");
    svg.append(group);
    drawn = [];
    layer = new ViewLayer(svg, group, (vp) => drawn.push(vp));
  });
  afterEach(() => {
    layer.destroy();
    vi.useRealTimers();
  });

  it("redraws a small map at every view", () => {
    const vp = { x: 10, y: 20, zoom: 2 };
    layer.show(vp, SIZE, false);
    expect(group.getAttribute("transform")).toBe(viewTransform(vp, SIZE));
    expect(svg.style.transform).toBe("");
    expect(drawn).toEqual([vp]);
    expect(layer.moving()).toBe(false);
  });

  it("moves a large map's layer and redraws it once the view rests", () => {
    const first = { x: 0, y: 0, zoom: 1 };
    layer.show(first, SIZE, true); // nothing drawn yet: drawn at once
    const drawnFirst = group.getAttribute("transform");
    const steps = [
      { x: 30, y: 0, zoom: 1 },
      { x: 60, y: 10, zoom: 1.2 },
      { x: 90, y: 20, zoom: 1.5 },
    ];
    for (const vp of steps) {
      layer.show(vp, SIZE, true);
      vi.advanceTimersByTime(REDRAW_AFTER_MS / 2);
      // The drawing is untouched; only the layer moves.
      expect(group.getAttribute("transform")).toBe(drawnFirst);
      expect(svg.style.transform).toMatch(/^matrix\(/);
      expect(layer.moving()).toBe(true);
    }
    expect(drawn).toHaveLength(1);
    vi.advanceTimersByTime(REDRAW_AFTER_MS);
    expect(group.getAttribute("transform")).toBe(viewTransform(steps[2], SIZE));
    expect(svg.style.transform).toBe("");
    expect(drawn).toEqual([first, steps[2]]);
    expect(layer.moving()).toBe(false);
  });

  it("moves its overlays with the drawing and redraws them with it", () => {
    const marks = document.createElementNS(NS, "svg");
    const marksGroup = document.createElementNS(NS, "g");
    const canvas = document.createElement("canvas");
    const painted: { x: number; y: number; zoom: number }[] = [];
    layer.addOverlay(marks, marksGroup);
    layer.addOverlay(canvas, (vp) => painted.push(vp));
    const first = { x: 0, y: 0, zoom: 1 };
    const next = { x: 40, y: 10, zoom: 1.5 };
    layer.show(first, SIZE, true);
    expect(painted).toEqual([first]);
    layer.show(next, SIZE, true);
    expect(marks.style.transform).toBe(svg.style.transform);
    expect(canvas.style.transform).toBe(svg.style.transform);
    expect(painted).toHaveLength(1);
    expect(layer.drawnViewport()?.vp).toEqual(first);
    vi.advanceTimersByTime(REDRAW_AFTER_MS);
    expect(marksGroup.getAttribute("transform")).toBe(viewTransform(next, SIZE));
    expect([marks.style.transform, canvas.style.transform]).toEqual(["", ""]);
    expect(painted).toEqual([first, next]);
    expect(layer.drawnViewport()?.vp).toEqual(next);
  });

  it("redraws at once when asked, and when the box changes size", () => {
    layer.show({ x: 0, y: 0, zoom: 1 }, SIZE, true);
    layer.show({ x: 5, y: 0, zoom: 1 }, SIZE, true);
    expect(layer.moving()).toBe(true);
    layer.flush();
    expect(layer.moving()).toBe(false);
    expect(group.getAttribute("transform")).toBe(viewTransform({ x: 5, y: 0, zoom: 1 }, SIZE));
    expect(svg.style.transform).toBe("");
    const bigger = { width: 1200, height: 600 };
    layer.show({ x: 9, y: 0, zoom: 1 }, bigger, true);
    expect(group.getAttribute("transform")).toBe(viewTransform({ x: 9, y: 0, zoom: 1 }, bigger));
    expect(layer.moving()).toBe(false);
  });
});

describe("farFrom", () => {
  it("is a pan of over a third of the box, whatever the zoom does", () => {
    const at = { x: 0, y: 0, zoom: 2 };
    expect(farFrom(at, { x: 100, y: 0, zoom: 2 }, SIZE)).toBe(false); // 200 px of 800
    expect(farFrom(at, { x: 140, y: 0, zoom: 2 }, SIZE)).toBe(true); // 280 px
    expect(farFrom(at, { x: 0, y: 110, zoom: 2 }, SIZE)).toBe(true); // 220 px of 600
    expect(farFrom(at, { x: 0, y: 0, zoom: 8 }, SIZE)).toBe(false);
    expect(farFrom(at, { x: 0, y: 0, zoom: 0.2 }, SIZE)).toBe(false);
    // Measured at the new zoom: 100 units at zoom 3 are 300 px.
    expect(farFrom(at, { x: 100, y: 0, zoom: 3 }, SIZE)).toBe(true);
  });
});

describe("ViewLayer with the whole map drawn", () => {
  it("moves the layer however far the view pans, until the view rests", () => {
    vi.useFakeTimers();
    const svg = document.createElementNS(NS, "svg");
    const group = document.createElementNS(NS, "g");
    const layer = new ViewLayer(svg, group, () => undefined);
    try {
      layer.show({ x: 0, y: 0, zoom: 1 }, SIZE, true);
      layer.allDrawn = true;
      layer.show({ x: 700, y: 0, zoom: 1 }, SIZE, true);
      expect(layer.moving()).toBe(true);
      layer.allDrawn = false;
      layer.show({ x: 1400, y: 0, zoom: 1 }, SIZE, true);
      expect(layer.moving()).toBe(false);
    } finally {
      layer.destroy();
      vi.useRealTimers();
    }
  });
});
