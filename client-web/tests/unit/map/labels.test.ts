import { describe, expect, it } from "vitest";
import {
  boxesOverlap,
  circleOverlapsBox,
  estimateLabelSize,
  nodeLabelCandidates,
  outlineLabelFrame,
  placeLabels,
  uprightAngle,
  type Circle,
  type LabelRequest,
} from "../../../src/map/labels";
import { seeded } from "../crdt/helpers";

/** Numbers in [0, 1) from a seed, so a failure can be replayed. */
function random(seed: number): () => number {
  const next = seeded(seed);
  return () => next(1_000_000) / 1_000_000;
}

function denseMap(count: number, side: number, seed: number) {
  const next = random(seed);
  const nodes: Circle[] = [];
  const requests: LabelRequest[] = [];
  for (let i = 0; i < count; i++) {
    const x = next() * side;
    const y = next() * side;
    nodes.push({ x, y, r: 24 });
    const lines = next() < 0.3 ? ["A longer label that", "wraps onto two"] : [`Element ${i}`];
    const { width, height } = estimateLabelSize(lines, 12.5);
    requests.push({
      candidates: nodeLabelCandidates(x, y, 20, width, height),
      priority: Math.floor(next() * 4),
    });
  }
  return { nodes, requests };
}

describe("placing node labels", () => {
  it("tries below, then above, right and left", () => {
    const [below, above, right, left] = nodeLabelCandidates(0, 0, 20, 60, 15);
    expect(below.minY).toBeGreaterThan(20);
    expect(above.maxY).toBeLessThan(-20);
    expect(right.minX).toBeGreaterThan(20);
    expect(left.maxX).toBeLessThan(-20);
  });

  it("moves a label out of the way of a node below", () => {
    const nodes = [
      { x: 0, y: 0, r: 24 },
      { x: 0, y: 45, r: 24 },
    ];
    const size = estimateLabelSize(["Top"], 12.5);
    const chosen = placeLabels(
      [{ candidates: nodeLabelCandidates(0, 0, 20, size.width, size.height), priority: 0 }],
      nodes,
    );
    expect(chosen).toEqual([1]);
  });

  it("leaves out what does not fit, higher priority first", () => {
    const size = { width: 80, height: 15 };
    const boxed = (priority: number) => ({
      candidates: [{ minX: 0, minY: 0, maxX: size.width, maxY: size.height }],
      priority,
    });
    expect(placeLabels([boxed(0), boxed(1)], [])).toEqual([-1, 0]);
  });

  for (const seed of [1, 2, 3]) {
    it(`never overlaps a label with another or with a node on a dense map (seed ${seed})`, () => {
      const { nodes, requests } = denseMap(2000, 4500, seed);
      const chosen = placeLabels(requests, nodes);
      const placed = chosen
        .map((k, i) => (k < 0 ? undefined : requests[i].candidates[k]))
        .filter((b) => b !== undefined);
      expect(placed.length).toBeGreaterThan(1200);
      // Checked pair by pair, without the grid the placement uses.
      let overlaps = 0;
      for (let i = 0; i < placed.length; i++) {
        for (const node of nodes) if (circleOverlapsBox(node, placed[i])) overlaps++;
        for (let j = i + 1; j < placed.length; j++)
          if (boxesOverlap(placed[i], placed[j])) overlaps++;
      }
      expect(overlaps).toBe(0);
      // A few milliseconds when warm; the best of three, and generous, as
      // the machine may be shared.
      const times = [0, 1, 2].map(() => {
        const start = performance.now();
        placeLabels(requests, nodes);
        return performance.now() - start;
      });
      expect(Math.min(...times)).toBeLessThan(50);
    });
  }
});

describe("labels along lines and outlines", () => {
  it("keeps text upright", () => {
    expect(uprightAngle(1, 0)).toBe(0);
    expect(uprightAngle(-1, 0)).toBe(0);
    expect(uprightAngle(0, 1)).toBe(90);
    expect(uprightAngle(0, -1)).toBe(90);
    expect(uprightAngle(-1, -1)).toBeCloseTo(45);
  });

  it("puts a region's label on its topmost edge, outside", () => {
    const square = [
      { x: 0, y: 0 },
      { x: 200, y: 0 },
      { x: 200, y: 200 },
      { x: 0, y: 200 },
    ];
    const frame = outlineLabelFrame(square, true, 80, 14);
    expect(frame.angle).toBe(0);
    expect(frame.x).toBeCloseTo(100);
    expect(frame.y).toBeLessThan(0);
    expect(frame.y).toBeGreaterThan(-12);
  });

  it("skips a top edge too short for the text", () => {
    // A house: the roof's apex edges are short, the walls long.
    const tilted = [
      { x: 0, y: 100 },
      { x: 0, y: 300 },
      { x: 300, y: 300 },
      { x: 300, y: 100 },
      { x: 150, y: 0 },
    ];
    const frame = outlineLabelFrame(tilted, true, 150, 14);
    // One of the roof's sides (180 long): tilted, and above the walls.
    expect(Math.abs(frame.angle)).toBeCloseTo(33.7, 0);
    expect(frame.y).toBeLessThan(100);
  });

  it("puts a boundary's label along its middle segment, above it", () => {
    const line = [
      { x: 0, y: 0 },
      { x: 100, y: 100 },
      { x: 300, y: 100 },
    ];
    const frame = outlineLabelFrame(line, false, 60, 12);
    expect(frame.angle).toBe(0);
    expect(frame.y).toBeLessThan(100);
  });
});
