// The last step of every layout (layout.ts): no two footprints closer than
// `gap`, unless both nodes are pinned. First a few rounds of pairwise pushes
// (each overlapping pair shares the push; a pinned node gives none), which
// settle small overlaps with small, even moves; then one pass that keeps each
// node where it is if that is clear of the nodes kept before it, and otherwise
// puts it on the nearest free spot. The pass always ends clean, and crowds
// grow outward, since the nodes nearest their centre are kept first.
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

  private key(cx: number, cy: number): number {
    return (cx + 5e5) * 1e6 + (cy + 5e5);
  }

  add(n: SimNode): void {
    const key = this.key(Math.floor(n.x / this.size), Math.floor(n.y / this.size));
    const cell = this.cells.get(key);
    if (cell) cell.push(n);
    else this.cells.set(key, [n]);
  }

  remove(n: SimNode): void {
    const cell = this.cells.get(this.key(Math.floor(n.x / this.size), Math.floor(n.y / this.size)));
    const at = cell?.indexOf(n) ?? -1;
    if (at >= 0) cell!.splice(at, 1);
  }

  /** Calls `visit` for every node in the cells round `at` until it returns true. */
  some(at: Pt, visit: (other: SimNode) => boolean): boolean {
    const cx = Math.floor(at.x / this.size);
    const cy = Math.floor(at.y / this.size);
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const other of this.cells.get(this.key(cx + dx, cy + dy)) ?? [])
          if (visit(other)) return true;
    return false;
  }

  /** Whether `node` placed at `at` keeps `gap` from every other node in the grid. */
  clear(node: SimNode, at: Pt, gap: number): boolean {
    return !this.some(at, (other) => {
      if (other === node) return false;
      const need = node.r + other.r + gap;
      const dx = other.x - at.x;
      return dx < need && dx > -need && Math.hypot(dx, other.y - at.y) < need;
    });
  }
}

export function separate(nodes: SimNode[], gap: number, maxRounds = 40): void {
  if (nodes.length < 2) return;
  if (relax(nodes, gap, maxRounds)) return;
  settle(nodes, gap);
}

/** Rounds of pairwise pushes; true when a round found nothing to push. */
function relax(nodes: SimNode[], gap: number, maxRounds: number): boolean {
  let best = Infinity;
  let since = 0;
  for (let round = 0; round < maxRounds; round++) {
    const grid = Grid.for(nodes, gap);
    for (const n of nodes) grid.add(n);
    let overlaps = 0;
    for (const a of nodes) {
      grid.some(a, (b) => {
        if (b.order > a.order && push(a, b, gap)) overlaps++;
        return false;
      });
    }
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
