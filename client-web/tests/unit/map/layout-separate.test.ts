// separate(), the last step of every layout: no overlaps, and a crowd that
// pushes alone cannot clear is spread out rather than re-placed node by node.
import { describe, expect, it } from "vitest";
import type { SimNode } from "../../../src/map/layout";
import { Grid, separate } from "../../../src/map/layout-separate";

const GAP = 10;

function node(order: number, x: number, y: number, pinned = false): SimNode {
  return { id: `n${order}`, x, y, r: 30, pinned, scale: 0, order };
}

/** A side x side lattice, `spacing` apart (the footprints need 70). */
function lattice(side: number, spacing: number): SimNode[] {
  const nodes: SimNode[] = [];
  for (let row = 0; row < side; row++)
    for (let col = 0; col < side; col++)
      nodes.push(node(nodes.length, col * spacing, row * spacing));
  return nodes;
}

function overlapping(nodes: SimNode[]): number {
  let count = 0;
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (a.pinned && b.pinned) continue;
      if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r + GAP - 1e-6) count++;
    }
  return count;
}

describe("separate", () => {
  it("spreads a crowd with no room in it and keeps its arrangement", () => {
    // At five sevenths of the spacing needed, every inner node is pushed
    // equally from all sides: pushes alone cannot clear it.
    const side = 20;
    const nodes = lattice(side, 50);
    separate(nodes, GAP);
    expect(overlapping(nodes)).toBe(0);
    // Nearly every node's right and lower neighbours are still to its right
    // and below (pushes alone, then re-placing, keep four in five).
    const at = (row: number, col: number) => nodes[row * side + col];
    let kept = 0;
    for (let row = 0; row < side; row++)
      for (let col = 0; col < side; col++) {
        if (col + 1 < side && at(row, col + 1).x > at(row, col).x) kept++;
        if (row + 1 < side && at(row + 1, col).y > at(row, col).y) kept++;
      }
    expect(kept / (2 * side * (side - 1))).toBeGreaterThan(0.95);
  });

  it("clears a crowd round pinned nodes, which stay put", () => {
    const nodes = lattice(12, 20);
    for (const n of nodes.filter((_, i) => i % 7 === 0)) n.pinned = true;
    const pinned = nodes.filter((n) => n.pinned).map((n) => ({ x: n.x, y: n.y }));
    separate(nodes, GAP);
    expect(overlapping(nodes)).toBe(0);
    expect(nodes.filter((n) => n.pinned).map((n) => ({ x: n.x, y: n.y }))).toEqual(pinned);
  });
});

describe("Grid", () => {
  it("finds what is near across the cells, far away too", () => {
    const far = 1e6;
    const nodes = [node(0, far, -far), node(1, far + 65, -far), node(2, -far, far)];
    const grid = Grid.for(nodes, GAP);
    for (const n of nodes) grid.add(n);
    expect(grid.clear(nodes[0], nodes[0], GAP)).toBe(false); // n1 is 65 away, 70 needed
    expect(grid.clear(nodes[2], nodes[2], GAP)).toBe(true);
    grid.remove(nodes[1]);
    expect(grid.clear(nodes[0], nodes[0], GAP)).toBe(true);
  });
});
