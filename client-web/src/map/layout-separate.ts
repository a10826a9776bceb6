// The last step of every layout (layout.ts): no two footprints closer than
// `gap`, unless both nodes are pinned. First a few rounds of pairwise pushes
// (each overlapping pair shares the push; a pinned node gives none), which
// settle small overlaps with small, even moves; a crowd, or a jam the pushes
// cannot clear, is spread out a little first. Then, if need be, one pass that
// keeps each node where it is if that is clear of the nodes kept before it,
// and otherwise puts it on the nearest free spot. The pass always ends clean,
// and crowds grow outward, since the nodes nearest their centre are kept first.
import type { Pt, SimNode } from "./layout";

export const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** Nodes by square cells at least as wide as the largest footprint and gap. */
export class Grid {
  private readonly cells = new Map<number, SimNode[]>();

  constructor(private readonly size: number) {}

  static for(nodes: readonly SimNode[], gap: number): Grid {
    let maxR = 0;
    for (const n of nodes) maxR = Math.max(maxR, n.r);
    return new Grid(2 * maxR + gap);
  }

  /**
   * A cell's key, small enough to stay an integer V8 hashes fast. Cells far
   * apart may share a key; that only adds candidates, which every caller
   * measures anyway.
   */
  private static key(cx: number, cy: number): number {
    return ((cx & 0x7fff) << 15) | (cy & 0x7fff);
  }

  private cellOf(at: Pt): SimNode[] | undefined {
    return this.cells.get(Grid.key(Math.floor(at.x / this.size), Math.floor(at.y / this.size)));
  }

  add(n: SimNode): void {
    const key = Grid.key(Math.floor(n.x / this.size), Math.floor(n.y / this.size));
    const cell = this.cells.get(key);
    if (cell) cell.push(n);
    else this.cells.set(key, [n]);
  }

  remove(n: SimNode): void {
    const cell = this.cellOf(n);
    const at = cell?.indexOf(n) ?? -1;
    if (at >= 0) cell!.splice(at, 1);
  }

  /** The cells round `at` (its own and the eight next to it) that hold nodes. */
  near(at: Pt): SimNode[][] {
    const cx = Math.floor(at.x / this.size);
    const cy = Math.floor(at.y / this.size);
    const found: SimNode[][] = [];
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++) {
        const cell = this.cells.get(Grid.key(cx + dx, cy + dy));
        if (cell) found.push(cell);
      }
    return found;
  }

  /** Whether `node` placed at `at` keeps `gap` from every other node in the grid. */
  clear(node: SimNode, at: Pt, gap: number): boolean {
    for (const cell of this.near(at))
      for (const other of cell) {
        if (other === node) continue;
        const need = node.r + other.r + gap;
        const dx = other.x - at.x;
        if (dx >= need || dx <= -need) continue;
        const dy = other.y - at.y;
        if (dy < need && dy > -need && dx * dx + dy * dy < need * need) return false;
      }
    return true;
  }
}

/** How often, and by how much, a crowd or a jam is spread out before the final pass. */
const JAM_SPREADS = 3;
const JAM_SPREAD = 1.2;

export function separate(nodes: SimNode[], gap: number, maxRounds = 40): void {
  if (nodes.length < 2) return;
  let spread = 0;
  // A crowd (more overlapping pairs than nodes) is spread before any push:
  // pushes within it shuffle its nodes before they jam.
  for (; spread < JAM_SPREADS && overlapCount(nodes, gap) > nodes.length; spread++)
    spreadMovable(nodes, JAM_SPREAD);
  for (; ; spread++) {
    if (relax(nodes, gap, maxRounds)) return;
    if (spread === JAM_SPREADS) break;
    // Pushes cannot clear a crowd with no room round it; the final pass can,
    // but by searching a free spot for nearly every node, each farther out
    // (300 ms for a 2,000-element import). Room made by spreading the crowd
    // keeps its arrangement and lets the pushes finish.
    spreadMovable(nodes, JAM_SPREAD);
  }
  settle(nodes, gap);
}

/** Pairs closer than their footprints and `gap` allow (both pinned excused). */
function overlapCount(nodes: SimNode[], gap: number): number {
  const grid = Grid.for(nodes, gap);
  for (const n of nodes) grid.add(n);
  let count = 0;
  for (const a of nodes)
    for (const cell of grid.near(a))
      for (const b of cell) {
        if (b.order <= a.order || (a.pinned && b.pinned)) continue;
        const need = a.r + b.r + gap;
        if ((a.x - b.x) ** 2 + (a.y - b.y) ** 2 < need * need) count++;
      }
  return count;
}

/** Moves the unpinned nodes `factor` times farther from their centre. */
function spreadMovable(nodes: SimNode[], factor: number): void {
  let cx = 0;
  let cy = 0;
  let count = 0;
  for (const n of nodes)
    if (!n.pinned) {
      cx += n.x;
      cy += n.y;
      count++;
    }
  if (count === 0) return;
  cx /= count;
  cy /= count;
  for (const n of nodes)
    if (!n.pinned) {
      n.x = cx + (n.x - cx) * factor;
      n.y = cy + (n.y - cy) * factor;
    }
}

/** Rounds of pairwise pushes; true when a round found nothing to push. */
function relax(nodes: SimNode[], gap: number, maxRounds: number): boolean {
  let best = Infinity;
  let since = 0;
  for (let round = 0; round < maxRounds; round++) {
    const grid = Grid.for(nodes, gap);
    for (const n of nodes) grid.add(n);
    let overlaps = 0;
    for (const a of nodes)
      for (const cell of grid.near(a))
        for (const b of cell) if (b.order > a.order && push(a, b, gap)) overlaps++;
    if (overlaps === 0) return true;
    // A jam that stops shrinking is the final pass's to solve.
    if (overlaps < best * 0.95) {
      best = overlaps;
      since = 0;
    } else if (++since >= 6) {
      return false;
    }
  }
  return false;
}

/** Keeps or re-places each node in turn: pinned ones, then from the centre out. */
function settle(nodes: SimNode[], gap: number): void {
  const grid = Grid.for(nodes, gap);
  const movable = nodes.filter((n) => !n.pinned);
  for (const n of nodes) if (n.pinned) grid.add(n);
  let cx = 0;
  let cy = 0;
  for (const n of movable) {
    cx += n.x / movable.length;
    cy += n.y / movable.length;
  }
  const distance = new Map(movable.map((n) => [n, Math.hypot(n.x - cx, n.y - cy)]));
  movable.sort((a, b) => distance.get(a)! - distance.get(b)! || a.order - b.order);
  for (const n of movable) {
    if (!grid.clear(n, n, gap)) moveToFreeSpot(grid, n, gap);
    grid.add(n);
  }
}

/** Tries points on circles of growing radius round the node, nearest first. */
function moveToFreeSpot(grid: Grid, node: SimNode, gap: number): void {
  const step = node.r / 2;
  const from = { x: node.x, y: node.y };
  for (let ring = 1; ; ring++) {
    const d = ring * step;
    const count = Math.max(6, Math.ceil((2 * Math.PI * d) / step));
    for (let k = 0; k < count; k++) {
      const a = (2 * Math.PI * k) / count + ring * GOLDEN_ANGLE;
      const at = { x: from.x + d * Math.cos(a), y: from.y + d * Math.sin(a) };
      if (grid.clear(node, at, gap)) {
        node.x = at.x;
        node.y = at.y;
        return;
      }
    }
  }
}

/** Separates one pair if it overlaps; true when it did. */
function push(a: SimNode, b: SimNode, gap: number): boolean {
  if (a.pinned && b.pinned) return false;
  const need = a.r + b.r + gap;
  let dx = b.x - a.x;
  let dy = b.y - a.y;
  const d = Math.hypot(dx, dy);
  if (d >= need - 1e-9) return false;
  // A hair more than the overlap, so rounding cannot leave it short.
  const overlap = need - d + 1e-6 * need;
  if (d < 1e-9) {
    // Same spot: a direction from their order, the same on every run.
    const angle = (a.order * 7 + b.order * 13) * GOLDEN_ANGLE;
    dx = Math.cos(angle);
    dy = Math.sin(angle);
  } else {
    dx /= d;
    dy /= d;
  }
  const share = a.pinned ? 0 : b.pinned ? 1 : 0.5;
  a.x -= dx * overlap * share;
  a.y -= dy * overlap * share;
  b.x += dx * overlap * (1 - share);
  b.y += dy * overlap * (1 - share);
  return true;
}
