// Which of a large map's entities are in the DOM: those near the view.
import type { IdKey } from "../crdt/api";
import type { Bounds, Size, Viewport } from "./geometry";

/**
 * Keeps an entity's node in its layer only while its box meets the window
 * (a map area around the view). Every change inside the map's <svg> makes
 * the browser walk all of its nodes again (style, paint, layers), so a node
 * out of view still costs on every frame; taken out, it costs nothing. Its
 * record and node stay (marks and classes go on as before), and it comes
 * back as soon as the view reaches it.
 *
 * Without a window every node is in (small maps, exports).
 */
export class Culling {
  private window: Bounds | undefined;
  private readonly out = new Set<IdKey>();

  constructor(
    /**
     * Entities kept in the DOM wherever they are (the far view's selected,
     * hovered and highlighted ones, scene.ts keeps).
     */
    private readonly keep: (id: IdKey) => boolean = () => false,
  ) {}

  /**
   * Follows the area on screen: a new window (the area grown by one screen
   * on every side) when the area leaves the current one or has become much
   * smaller than it (zoomed in). True if the window changed: the caller
   * places its entities again.
   */
  follow(shown: Bounds | undefined): boolean {
    const current = this.window;
    if (shown === undefined) {
      this.window = undefined;
      return current !== undefined;
    }
    if (current && contains(current, shown, 0) && area(current) <= 16 * area(shown)) return false;
    this.window = grow(shown, 1);
    return true;
  }

  /**
   * A window that meets nothing: only what `keep` holds stays in the DOM (a
   * large map seen whole is drawn on a canvas, far-view.ts). True if it is new.
   */
  hideAll(): boolean {
    if (this.window === NOWHERE) return false;
    this.window = NOWHERE;
    return true;
  }

  /** Windowed: some entities may be out of the DOM. */
  active(): boolean {
    return this.window !== undefined;
  }

  /**
   * Puts `node` in `layer` or takes it out, by whether `box` meets the
   * window; true if it went in or out.
   */
  place(id: IdKey, node: SVGGElement, layer: SVGGElement, box: Bounds): boolean {
    const inside = this.window === undefined || meets(box, this.window) || this.keep(id);
    if (inside && this.out.has(id)) {
      this.out.delete(id);
      layer.append(node);
      return true;
    }
    if (!inside && !this.out.has(id)) {
      this.out.add(id);
      node.remove();
      return true;
    }
    return false;
  }

  /** Brings `node` into its layer whatever the window (it is about to be focused). */
  reveal(id: IdKey, node: SVGGElement, layer: SVGGElement): void {
    if (!this.out.delete(id)) return;
    layer.append(node);
  }

  isOut(id: IdKey): boolean {
    return this.out.has(id);
  }

  forget(id: IdKey): void {
    this.out.delete(id);
  }

  clear(): void {
    this.out.clear();
  }
}

/** Bounds that meet no others (meets() is false for every box). */
const NOWHERE: Bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };

/** The map area shown at `vp` in a box of `size`. */
export function shownArea(vp: Viewport, size: Size): Bounds {
  const halfW = size.width / 2 / vp.zoom;
  const halfH = size.height / 2 / vp.zoom;
  return { minX: vp.x - halfW, minY: vp.y - halfH, maxX: vp.x + halfW, maxY: vp.y + halfH };
}

/** `b` grown by `times` its width and height on every side. */
function grow(b: Bounds, times: number): Bounds {
  const dx = (b.maxX - b.minX) * times;
  const dy = (b.maxY - b.minY) * times;
  return { minX: b.minX - dx, minY: b.minY - dy, maxX: b.maxX + dx, maxY: b.maxY + dy };
}

function area(b: Bounds): number {
  return Math.max(0, b.maxX - b.minX) * Math.max(0, b.maxY - b.minY);
}

export function meets(a: Bounds, b: Bounds): boolean {
  return a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY;
}

/** `outer` holds `inner` with at least `slack` to spare on every side. */
export function contains(outer: Bounds, inner: Bounds, slack: number): boolean {
  return (
    inner.minX - slack >= outer.minX &&
    inner.maxX + slack <= outer.maxX &&
    inner.minY - slack >= outer.minY &&
    inner.maxY + slack <= outer.maxY
  );
}
