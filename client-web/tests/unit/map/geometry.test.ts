import { describe, expect, it } from "vitest";
import {
  arrowHead,
  bendOffsets,
  boundsContains,
  boundsOf,
  clampCoordinate,
  clampZoom,
  connectionCurve,
  curvePath,
  distance,
  distanceToCurve,
  distanceToPolyline,
  distanceToSegment,
  dropRepeatedPoints,
  fitViewport,
  interpolateViewport,
  mapToScreen,
  MAX_ZOOM,
  MIN_ZOOM,
  nearestWithin,
  panByScreen,
  pathFromPoints,
  pointInPolygon,
  polygonCentroid,
  polylineMidpoint,
  quadPoint,
  rectFromCorners,
  screenToMap,
  trimCurve,
  viewTransform,
  wheelZoomFactor,
  zoomAt,
} from "../../../src/map/geometry";

const size = { width: 800, height: 600 };

describe("viewport maths", () => {
  it("puts the viewport centre in the middle of the canvas", () => {
    const vp = { x: 100, y: -50, zoom: 2 };
    expect(mapToScreen({ x: 100, y: -50 }, vp, size)).toEqual({ x: 400, y: 300 });
    expect(mapToScreen({ x: 110, y: -50 }, vp, size)).toEqual({ x: 420, y: 300 });
  });

  it("screenToMap inverts mapToScreen", () => {
    const vp = { x: 37.5, y: 12, zoom: 0.7 };
    const p = { x: -231, y: 904 };
    const back = screenToMap(mapToScreen(p, vp, size), vp, size);
    expect(back.x).toBeCloseTo(p.x, 9);
    expect(back.y).toBeCloseTo(p.y, 9);
  });

  it("the SVG transform draws map points where mapToScreen says", () => {
    const vp = { x: 10, y: 20, zoom: 1.5 };
    const match = /translate\(([-\d.]+) ([-\d.]+)\) scale\(([-\d.]+)\)/.exec(
      viewTransform(vp, size),
    )!;
    const [tx, ty, s] = match.slice(1).map(Number);
    const p = { x: 70, y: -30 };
    const screen = mapToScreen(p, vp, size);
    expect(p.x * s + tx).toBeCloseTo(screen.x, 1);
    expect(p.y * s + ty).toBeCloseTo(screen.y, 1);
  });

  it("panning moves content with the pointer", () => {
    const vp = { x: 0, y: 0, zoom: 2 };
    const p = { x: 30, y: 40 };
    const before = mapToScreen(p, vp, size);
    const after = mapToScreen(p, panByScreen(vp, 50, -20), size);
    expect(after.x - before.x).toBeCloseTo(50);
    expect(after.y - before.y).toBeCloseTo(-20);
  });

  it("zooming keeps the point under the cursor fixed", () => {
    const vp = { x: 5, y: 5, zoom: 1 };
    const cursor = { x: 620, y: 130 };
    const anchor = screenToMap(cursor, vp, size);
    const zoomed = zoomAt(vp, size, cursor, 1.8);
    expect(zoomed.zoom).toBeCloseTo(1.8);
    const again = mapToScreen(anchor, zoomed, size);
    expect(again.x).toBeCloseTo(cursor.x);
    expect(again.y).toBeCloseTo(cursor.y);
  });

  it("clamps zoom to its limits and repairs nonsense", () => {
    expect(clampZoom(100)).toBe(MAX_ZOOM);
    expect(clampZoom(0.0001)).toBe(MIN_ZOOM);
    expect(clampZoom(NaN)).toBe(1);
    expect(clampZoom(-2)).toBe(1);
    expect(zoomAt({ x: 0, y: 0, zoom: 3 }, size, { x: 0, y: 0 }, 10).zoom).toBe(MAX_ZOOM);
  });

  it("wheel zoom in then out by the same amount returns to the start", () => {
    const zoomIn = wheelZoomFactor(-120, 0);
    const zoomOut = wheelZoomFactor(120, 0);
    expect(zoomIn).toBeGreaterThan(1);
    expect(zoomOut).toBeLessThan(1);
    expect(zoomIn * zoomOut).toBeCloseTo(1, 12);
    // Line mode (Firefox mice) counts as 16 pixels a line.
    expect(wheelZoomFactor(3, 1)).toBeCloseTo(wheelZoomFactor(48, 0));
    // One huge event cannot jump the zoom wildly.
    expect(wheelZoomFactor(-5000, 0)).toBeCloseTo(wheelZoomFactor(-200, 0));
  });

  it("interpolates viewports with zoom moving geometrically", () => {
    const a = { x: 0, y: 0, zoom: 1 };
    const b = { x: 100, y: -100, zoom: 4 };
    expect(interpolateViewport(a, b, 0)).toEqual(a);
    expect(interpolateViewport(a, b, 1)).toEqual(b);
    const mid = interpolateViewport(a, b, 0.5);
    expect(mid.x).toBe(50);
    expect(mid.zoom).toBeCloseTo(2);
  });
});

describe("fit to map", () => {
  const insets = { left: 50, right: 50, top: 50, bottom: 50 };

  it("shows all of the bounds inside the insets", () => {
    const bounds = { minX: -1000, minY: 200, maxX: 3000, maxY: 900 };
    const vp = fitViewport(bounds, size, insets);
    const topLeft = mapToScreen({ x: bounds.minX, y: bounds.minY }, vp, size);
    const bottomRight = mapToScreen({ x: bounds.maxX, y: bounds.maxY }, vp, size);
    expect(topLeft.x).toBeGreaterThanOrEqual(50 - 1e-9);
    expect(topLeft.y).toBeGreaterThanOrEqual(50 - 1e-9);
    expect(bottomRight.x).toBeLessThanOrEqual(750 + 1e-9);
    expect(bottomRight.y).toBeLessThanOrEqual(550 + 1e-9);
    // The limiting dimension fills its space exactly.
    expect(bottomRight.x - topLeft.x).toBeCloseTo(700);
  });

  it("centres the content in the space the insets leave", () => {
    const bounds = { minX: 0, minY: 0, maxX: 100, maxY: 100 };
    const vp = fitViewport(bounds, size, { left: 200, right: 0, top: 0, bottom: 0 }, 1);
    const centre = mapToScreen({ x: 50, y: 50 }, vp, size);
    expect(centre.x).toBeCloseTo(200 + 600 / 2);
    expect(centre.y).toBeCloseTo(300);
  });

  it("does not blow a single element up to fill the screen", () => {
    const vp = fitViewport({ minX: 10, minY: 10, maxX: 20, maxY: 20 }, size, insets, 1.25);
    expect(vp.zoom).toBe(1.25);
    expect(vp.x).toBe(15);
  });

  it("an empty map gets the origin at zoom 1", () => {
    expect(fitViewport(undefined, size, insets)).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});

describe("bounds and hit testing", () => {
  it("computes padded bounds, undefined when empty", () => {
    expect(boundsOf([])).toBeUndefined();
    expect(
      boundsOf(
        [
          { x: 1, y: 5 },
          { x: -3, y: 2 },
        ],
        1,
      ),
    ).toEqual({ minX: -4, minY: 1, maxX: 2, maxY: 6 });
  });

  it("builds a rubber band from corners dragged in any direction", () => {
    const r = rectFromCorners({ x: 10, y: -5 }, { x: -2, y: 7 });
    expect(r).toEqual({ minX: -2, minY: -5, maxX: 10, maxY: 7 });
    expect(boundsContains(r, { x: 0, y: 0 })).toBe(true);
    expect(boundsContains(r, { x: 11, y: 0 })).toBe(false);
  });

  it("measures the distance to a segment, its ends and a degenerate one", () => {
    const a = { x: 0, y: 0 };
    const b = { x: 10, y: 0 };
    expect(distanceToSegment({ x: 5, y: 3 }, a, b)).toBe(3);
    expect(distanceToSegment({ x: -3, y: 4 }, a, b)).toBe(5);
    expect(distanceToSegment({ x: 13, y: 4 }, a, b)).toBe(5);
    expect(distanceToSegment({ x: 3, y: 4 }, a, a)).toBe(5);
  });

  it("distance to a polyline only counts the closing edge when closed", () => {
    const square = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
      { x: 0, y: 10 },
    ];
    const nearClosingEdge = { x: -1, y: 5 };
    expect(distanceToPolyline(nearClosingEdge, square, true)).toBe(1);
    expect(distanceToPolyline(nearClosingEdge, square, false)).toBeCloseTo(Math.hypot(1, 5));
  });

  it("measures the distance to a bowed connection along its curve, not its chord", () => {
    const curve = { start: { x: 0, y: 0 }, control: { x: 50, y: -40 }, end: { x: 100, y: 0 } };
    // The curve's middle is at y = -20: the chord's middle is 20 away from it.
    expect(distanceToCurve({ x: 50, y: -20 }, curve)).toBeCloseTo(0, 5);
    expect(distanceToCurve({ x: 50, y: 0 }, curve)).toBeCloseTo(20, 0);
    expect(distanceToCurve({ x: -3, y: -4 }, curve)).toBeCloseTo(5, 5);
    const straight = { start: { x: 0, y: 0 }, control: { x: 5, y: 0 }, end: { x: 10, y: 0 } };
    expect(distanceToCurve({ x: 7, y: 3 }, straight)).toBeCloseTo(3, 5);
  });

  it("tells inside from outside a concave polygon", () => {
    const u = [
      { x: 0, y: 0 },
      { x: 30, y: 0 },
      { x: 30, y: 30 },
      { x: 20, y: 30 },
      { x: 20, y: 10 },
      { x: 10, y: 10 },
      { x: 10, y: 30 },
      { x: 0, y: 30 },
    ];
    expect(pointInPolygon({ x: 5, y: 20 }, u)).toBe(true);
    expect(pointInPolygon({ x: 15, y: 20 }, u)).toBe(false);
    expect(pointInPolygon({ x: 25, y: 5 }, u)).toBe(true);
    expect(pointInPolygon({ x: 40, y: 5 }, u)).toBe(false);
  });

  it("finds the nearest item within a radius", () => {
    const items = [
      { id: "a", x: 0, y: 0 },
      { id: "b", x: 10, y: 0 },
    ];
    expect(nearestWithin({ x: 7, y: 0 }, items, 5)).toBe("b");
    expect(nearestWithin({ x: 2, y: 1 }, items, 5)).toBe("a");
    expect(nearestWithin({ x: 50, y: 50 }, items, 5)).toBeUndefined();
  });
});

describe("connection paths", () => {
  it("a straight connection starts and ends on the node rims", () => {
    const c = connectionCurve({ x: 0, y: 0 }, { x: 100, y: 0 }, 20, 30, 0);
    expect(c.start).toEqual({ x: 20, y: 0 });
    expect(c.end).toEqual({ x: 70, y: 0 });
  });

  it("bends to the left of its direction and stays off the nodes", () => {
    const a = { x: 0, y: 0 };
    const b = { x: 100, y: 0 };
    const c = connectionCurve(a, b, 20, 20, 30);
    // Left of a→b in screen coordinates (y down) is negative y.
    expect(c.control.y).toBeCloseTo(-30);
    expect(quadPoint(c, 0.5).y).toBeLessThan(0);
    expect(distance(c.start, a)).toBeCloseTo(20);
    expect(distance(c.end, b)).toBeCloseTo(20);
    expect(connectionCurve(b, a, 20, 20, 30).control.y).toBeCloseTo(30);
  });

  it("copes with overlapping nodes", () => {
    const c = connectionCurve({ x: 0, y: 0 }, { x: 0, y: 0 }, 20, 20, 10);
    expect(curvePath(c)).toBe("M0 0Q0 0 0 0");
    const close = connectionCurve({ x: 0, y: 0 }, { x: 10, y: 0 }, 20, 20, 0);
    expect(close.start.x).toBeLessThanOrEqual(close.end.x);
  });

  it("trims the ends along their tangents for arrowheads", () => {
    const c = connectionCurve({ x: 0, y: 0 }, { x: 100, y: 0 }, 0, 0, 0);
    const t = trimCurve(c, 0, 10);
    expect(t.start).toEqual(c.start);
    expect(t.end.x).toBeCloseTo(90);
    expect(trimCurve(c, 5, 0).start.x).toBeCloseTo(5);
  });

  it("arrowheads point along the direction of arrival", () => {
    const [tip, left, right] = arrowHead({ x: 100, y: 0 }, { x: 0, y: 0 }, 10, 4);
    expect(tip).toEqual({ x: 100, y: 0 });
    expect(left.x).toBeCloseTo(90);
    expect(right.x).toBeCloseTo(90);
    expect(Math.abs(left.y - right.y)).toBeCloseTo(8);
    const [, l2] = arrowHead({ x: 0, y: 50 }, { x: 0, y: 0 }, 10, 4);
    expect(l2.y).toBeCloseTo(40);
  });

  it("fans several connections between one pair evenly around the middle", () => {
    expect(bendOffsets(1, 100)).toHaveLength(1);
    expect(bendOffsets(1, 100)[0]).toBeGreaterThan(0);
    expect(bendOffsets(1, 5000)[0]).toBeLessThanOrEqual(40);
    const three = bendOffsets(3, 100);
    expect(three).toEqual([-26, 0, 26]);
    const two = bendOffsets(2, 100);
    expect(two[0]).toBe(-two[1]);
  });

  it("writes compact path data", () => {
    expect(
      pathFromPoints(
        [
          { x: 0, y: 0 },
          { x: 1.006, y: 2 },
        ],
        false,
      ),
    ).toBe("M0 0L1.01 2");
    expect(
      pathFromPoints(
        [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
          { x: 1, y: 1 },
        ],
        true,
      ),
    ).toMatch(/Z$/);
    expect(pathFromPoints([], true)).toBe("");
  });
});

describe("shape helpers", () => {
  it("finds a polygon's centroid by area", () => {
    const c = polygonCentroid([
      { x: 0, y: 0 },
      { x: 4, y: 0 },
      { x: 4, y: 2 },
      { x: 0, y: 2 },
    ]);
    expect(c.x).toBeCloseTo(2);
    expect(c.y).toBeCloseTo(1);
    const line = polygonCentroid([
      { x: 0, y: 0 },
      { x: 2, y: 0 },
      { x: 4, y: 0 },
    ]);
    expect(line).toEqual({ x: 2, y: 0 });
  });

  it("finds the point halfway along a polyline", () => {
    const mid = polylineMidpoint([
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 30 },
    ]);
    expect(mid).toEqual({ x: 10, y: 10 });
  });

  it("drops the repeated points a double-click leaves", () => {
    const points = dropRepeatedPoints(
      [
        { x: 0, y: 0 },
        { x: 50, y: 0 },
        { x: 50.5, y: 0.5 },
        { x: 50.2, y: 0 },
      ],
      2,
    );
    expect(points).toEqual([
      { x: 0, y: 0 },
      { x: 50, y: 0 },
    ]);
  });

  it("keeps coordinates within the document's limits", () => {
    expect(clampCoordinate(2e7)).toBe(1e7);
    expect(clampCoordinate(-2e7)).toBe(-1e7);
    expect(clampCoordinate(Infinity)).toBe(0);
    expect(clampCoordinate(NaN)).toBe(0);
    expect(clampCoordinate(1.23456)).toBe(1.23);
  });
});
