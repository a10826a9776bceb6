// When many elements move at once by different amounts (a layout, its undo,
// someone else's layout arriving), the map glides them from where they were
// drawn to their new places instead of jumping, the same in every browser,
// since each one sees the same position updates. Drags are left alone: the
// elements of a drag all move by one offset (and a drag's frames come every
// few milliseconds). Connections fade while the elements glide, then return
// drawn to the new places; nothing here changes the document or the scene's
// state, only a CSS transform on each element's node for a moment.
import type { IdKey } from "../crdt/api";
import type { Pt } from "./geometry";
import { easeInOut } from "./geometry";
import { positionOf, type Scene } from "./scene";

/** Fewer moved elements than this jump as before. */
export const GLIDE_MIN_ELEMENTS = 6;
const GLIDE_MS = 420;

export class Glide {
  private frame: number | undefined;
  private moving: SVGGElement[] = [];

  constructor(
    private readonly root: HTMLElement,
    private readonly scene: Scene,
  ) {}

  /** Before the scene repaints `ids`: where their elements are drawn now. */
  before(ids: ReadonlySet<IdKey>): Map<IdKey, Pt> | undefined {
    this.finish();
    if (ids.size < GLIDE_MIN_ELEMENTS) return undefined;
    const out = new Map<IdKey, Pt>();
    for (const id of ids) {
      const record = this.scene.elements.get(id);
      if (record) out.set(id, positionOf(record.view));
    }
    return out.size >= GLIDE_MIN_ELEMENTS ? out : undefined;
  }

  /** After the repaint: glides those that moved, if a layout moved them. */
  after(before: Map<IdKey, Pt> | undefined): void {
    if (!before || typeof requestAnimationFrame === "undefined" || reducedMotion()) return;
    const moves: { node: SVGGElement; from: Pt; to: Pt }[] = [];
    for (const [id, from] of before) {
      const record = this.scene.elements.get(id);
      if (!record) continue;
      const to = positionOf(record.view);
      if (Math.hypot(to.x - from.x, to.y - from.y) > 1) moves.push({ node: record.node, from, to });
    }
    if (moves.length < GLIDE_MIN_ELEMENTS || oneOffset(moves)) return;
    this.moving = moves.map((m) => m.node);
    this.root.classList.add("cv-gliding");
    const start = performance.now();
    const step = () => {
      const t = Math.min(1, (performance.now() - start) / GLIDE_MS);
      const k = easeInOut(t);
      for (const m of moves) {
        // The map's transform attribute holds the new place; a CSS transform overrides it meanwhile.
        const x = m.from.x + (m.to.x - m.from.x) * k;
        const y = m.from.y + (m.to.y - m.from.y) * k;
        m.node.style.transform = `translate(${x}px, ${y}px)`;
      }
      if (t < 1) this.frame = requestAnimationFrame(step);
      else this.finish();
    };
    step();
  }

  /** Ends a glide at once: every element where the scene drew it. */
  finish(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    for (const node of this.moving) node.style.transform = "";
    this.moving = [];
    this.root.classList.remove("cv-gliding");
  }
}

/** Everything moved by the same offset: a drag or a nudge. */
function oneOffset(moves: { from: Pt; to: Pt }[]): boolean {
  const dx = moves[0].to.x - moves[0].from.x;
  const dy = moves[0].to.y - moves[0].from.y;
  return moves.every(
    (m) => Math.abs(m.to.x - m.from.x - dx) < 0.5 && Math.abs(m.to.y - m.from.y - dy) < 0.5,
  );
}

function reducedMotion(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}
