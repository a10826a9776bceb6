import { describe, expect, it } from "vitest";
import {
  forceLayout,
  removeOverlaps,
  seededRandom,
  type LayoutInput,
  type LayoutNode,
  type Positions,
} from "../../../src/map/layout";
import { LEVEL_ORDER, scaleLayout } from "../../../src/map/layout-scale";

const GAP = 10;

/** A random connected-ish graph: a random tree plus extra links, nodes in a small square. */
function randomGraph(n: number, extra: number, seed: number, spread = 600): LayoutInput {
  const random = seededRandom(seed);
  const nodes: LayoutNode[] = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    x: (random() - 0.5) * spread,
    y: (random() - 0.5) * spread,
    radius: 30 + Math.floor(random() * 30),
    pinned: random() < 0.1,
    scale: Math.floor(random() * LEVEL_ORDER.length),
  }));
  const links = [];
  for (let i = 1; i < n; i++) links.push({ from: `n${i}`, to: `n${Math.floor(random() * i)}` });
  for (let k = 0; k < extra; k++)
    links.push({ from: `n${Math.floor(random() * n)}`, to: `n${Math.floor(random() * n)}` });
  return { nodes, links };
}

/** Every node's place after a layout: its new position, or where it was. */
function placed(input: LayoutInput, out: Positions): Map<string, LayoutNode> {
  return new Map(input.nodes.map((n) => [n.id, { ...n, ...(out.get(n.id) ?? {}) }]));
}

/** Pairs closer than their footprints and the gap allow (both pinned excused). */
function overlaps(input: LayoutInput, out: Positions): string[] {
  const nodes = [...placed(input, out).values()];
  const found: string[] = [];
  for (let i = 0; i < nodes.length; i++)
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (a.pinned && b.pinned) continue;
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      if (d < a.radius + b.radius + GAP - 1e-6) found.push(`${a.id}-${b.id}: ${d.toFixed(2)}`);
    }
  return found;
}

function allFinite(out: Positions): boolean {
  return [...out.values()].every((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
}

const LAYOUTS: [string, (input: LayoutInput) => Positions][] = [
  ["force-directed", (input) => forceLayout(input, { gap: GAP })],
  ["rings", (input) => scaleLayout(input, { gap: GAP })],
  ["bands", (input) => scaleLayout(input, { gap: GAP, arrangement: "bands" })],
  ["remove overlaps", (input) => removeOverlaps(input, { gap: GAP })],
];

describe.each(LAYOUTS)("%s", (_name, layout) => {
  it("moves only unpinned nodes, leaves no overlaps and no NaN", () => {
    for (const seed of [1, 2, 3]) {
      const input = randomGraph(300, 150, seed);
      const out = layout(input);
      for (const n of input.nodes) expect(out.has(n.id), n.id).toBe(!n.pinned);
      expect(allFinite(out)).toBe(true);
      expect(overlaps(input, out), `seed ${seed}`).toEqual([]);
    }
  });

  it("gives the same result for the same input", () => {
    const input = randomGraph(120, 60, 9);
    expect(layout(input)).toEqual(layout(structuredClone(input)));
  });

  it("handles empty and one-node maps", () => {
    expect(layout({ nodes: [], links: [] }).size).toBe(0);
    const one = layout({
      nodes: [{ id: "a", x: 5, y: 7, radius: 40, pinned: false }],
      links: [{ from: "a", to: "a" }],
    });
    expect(one.size).toBe(1);
    expect(allFinite(one)).toBe(true);
    const pinned = layout({
      nodes: [{ id: "a", x: 5, y: 7, radius: 40, pinned: true }],
      links: [],
    });
    expect(pinned.size).toBe(0);
  });

  it("copes with piles, bad numbers and links to nowhere", () => {
    const input: LayoutInput = {
      nodes: [
        ...Array.from({ length: 30 }, (_, i) => ({
          id: `p${i}`,
          x: 100,
          y: 100,
          radius: 40,
          pinned: i === 0,
        })),
        { id: "nan", x: NaN, y: Infinity, radius: NaN, pinned: false, scale: NaN },
        { id: "neg", x: 0, y: 0, radius: -5, pinned: false, scale: 42 },
      ],
      links: [
        { from: "p1", to: "missing" },
        { from: "p2", to: "p3" },
        { from: "p2", to: "p3" },
        { from: "nan", to: "p4" },
      ],
    };
    const out = layout(input);
    expect(out.size).toBe(31);
    expect(allFinite(out)).toBe(true);
    // The bad radii count as 20 (the default); check with the sanitised input.
    const sane = {
      ...input,
      nodes: input.nodes.map((n) => ({
        ...n,
        x: Number.isFinite(n.x) ? n.x : 0,
        y: Number.isFinite(n.y) ? n.y : 0,
        radius: n.radius > 0 ? n.radius : 20,
      })),
    };
    expect(overlaps(sane, out)).toEqual([]);
  });
});

describe("force-directed", () => {
  it("keeps disconnected parts apart", () => {
    // Two rings of 25 nodes, their starting positions interleaved.
    const random = seededRandom(4);
    const nodes: LayoutNode[] = [];
    const links = [];
    for (const part of ["a", "b"]) {
      for (let i = 0; i < 25; i++) {
        nodes.push({
          id: `${part}${i}`,
          x: random() * 400,
          y: random() * 400,
          radius: 40,
          pinned: false,
        });
        links.push({ from: `${part}${i}`, to: `${part}${(i + 1) % 25}` });
        links.push({ from: `${part}${i}`, to: `${part}${(i + 7) % 25}` });
      }
    }
    const out = forceLayout({ nodes, links });
    const centre = (part: string) => {
      const ps = nodes.filter((n) => n.id.startsWith(part)).map((n) => out.get(n.id)!);
      return {
        x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
        y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
      };
    };
    const ca = centre("a");
    const cb = centre("b");
    for (const n of nodes) {
      const p = out.get(n.id)!;
      const own = n.id.startsWith("a") ? ca : cb;
      const other = n.id.startsWith("a") ? cb : ca;
      expect(Math.hypot(p.x - own.x, p.y - own.y)).toBeLessThan(
        Math.hypot(p.x - other.x, p.y - other.y),
      );
    }
  });

  it("pulls linked nodes together", () => {
    const input = randomGraph(80, 0, 5, 3000);
    const out = placed(input, forceLayout(input));
    const mean = (pairs: [string, string][]) =>
      pairs.reduce((s, [a, b]) => {
        const p = out.get(a)!;
        const q = out.get(b)!;
        return s + Math.hypot(p.x - q.x, p.y - q.y);
      }, 0) / pairs.length;
    const linked = input.links.map((l) => [l.from, l.to] as [string, string]);
    const random = seededRandom(6);
    const any = linked.map(
      () => [`n${Math.floor(random() * 80)}`, `n${Math.floor(random() * 80)}`] as [string, string],
    );
    expect(mean(linked)).toBeLessThan(mean(any) * 0.6);
  });
});

describe("arrange by scale", () => {
  const distances = (input: LayoutInput, out: Positions) => {
    const moved = input.nodes.filter((n) => !n.pinned);
    const ps = moved.map((n) => out.get(n.id)!);
    const c = {
      x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
      y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
    };
    return moved.map((n, i) => ({
      level: LEVEL_ORDER.indexOf(n.scale ?? 0),
      d: Math.hypot(ps[i].x - c.x, ps[i].y - c.y),
      y: ps[i].y,
    }));
  };

  it("rings go from local inside to global outside, no scale outermost", () => {
    const input = randomGraph(200, 100, 7);
    for (const n of input.nodes) n.pinned = false;
    const placedAt = distances(input, scaleLayout(input));
    for (let level = 0; level + 1 < LEVEL_ORDER.length; level++) {
      const inner = placedAt.filter((p) => p.level === level).map((p) => p.d);
      const outer = placedAt.filter((p) => p.level === level + 1).map((p) => p.d);
      expect(Math.max(...inner)).toBeLessThan(Math.min(...outer));
    }
    expect(LEVEL_ORDER[LEVEL_ORDER.length - 1]).toBe(0); // ScaleLevel.UNSPECIFIED
  });

  it("bands go from local at the top to global at the bottom", () => {
    const input = randomGraph(200, 100, 8);
    for (const n of input.nodes) n.pinned = false;
    const placedAt = distances(input, scaleLayout(input, { arrangement: "bands" }));
    for (let level = 0; level + 1 < LEVEL_ORDER.length; level++) {
      const upper = placedAt.filter((p) => p.level === level).map((p) => p.y);
      const lower = placedAt.filter((p) => p.level === level + 1).map((p) => p.y);
      expect(Math.max(...upper)).toBeLessThan(Math.min(...lower));
    }
  });

  it("orders a ring by its connections: a chain around a ring crosses nothing", () => {
    // 12 regional nodes in a chain, 12 local nodes each tied to one of them,
    // all starting shuffled at random.
    const random = seededRandom(3);
    const nodes: LayoutNode[] = [];
    const links = [];
    for (let i = 0; i < 12; i++) {
      nodes.push({ id: `r${i}`, x: random(), y: random(), radius: 30, pinned: false, scale: 3 });
      nodes.push({ id: `l${i}`, x: random(), y: random(), radius: 30, pinned: false, scale: 1 });
      links.push({ from: `r${i}`, to: `r${(i + 1) % 12}` }, { from: `l${i}`, to: `r${i}` });
    }
    const out = scaleLayout({ nodes, links });
    const angle = (id: string) => {
      const p = out.get(id)!;
      return Math.atan2(p.y, p.x);
    };
    // Neighbours along the chain sit next to each other on their ring.
    const step = (2 * Math.PI) / 12;
    let adjacent = 0;
    for (let i = 0; i < 12; i++) {
      let d = Math.abs(angle(`r${i}`) - angle(`r${(i + 1) % 12}`));
      d = Math.min(d, 2 * Math.PI - d);
      if (d < step * 1.5) adjacent++;
    }
    expect(adjacent).toBeGreaterThanOrEqual(10);
  });
});

describe("remove overlaps", () => {
  it("leaves nodes that overlap nothing where they are", () => {
    const input: LayoutInput = {
      nodes: [
        { id: "a", x: 0, y: 0, radius: 30, pinned: false },
        { id: "b", x: 10, y: 0, radius: 30, pinned: false },
        { id: "c", x: 500, y: 500, radius: 30, pinned: false },
      ],
      links: [],
    };
    const out = removeOverlaps(input, { gap: GAP });
    expect(out.get("c")).toEqual({ x: 500, y: 500 });
    expect(overlaps(input, out)).toEqual([]);
    // a and b moved apart by about what was needed, not across the map.
    const a = out.get("a")!;
    const b = out.get("b")!;
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeLessThan(30 + 30 + GAP + 40);
  });

  it("moves the free node away from a pinned one", () => {
    const input: LayoutInput = {
      nodes: [
        { id: "pin", x: 0, y: 0, radius: 30, pinned: true },
        { id: "free", x: 5, y: 5, radius: 30, pinned: false },
      ],
      links: [],
    };
    const out = removeOverlaps(input, { gap: GAP });
    expect(out.has("pin")).toBe(false);
    expect(overlaps(input, out)).toEqual([]);
  });
});
