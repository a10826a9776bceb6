// Where the map's drawing is shown: its viewport transform, and on a large
// map a compositor-only shortcut while the view moves.
import type { Size, Viewport } from "./geometry";
import { viewTransform } from "./geometry";

/** How long the view rests before a large map is redrawn at it. */
export const REDRAW_AFTER_MS = 140;

/**
 * Shows the map's drawing (the <svg> and its viewport <g>) at a viewport.
 *
 * A small map is redrawn at every viewport: the viewport <g>'s transform
 * changes and the browser repaints it, which is cheap. A large map's <svg> is
 * one paint layer of tens of thousands of nodes, and any change inside it
 * repaints all of them (~40 ms for 2,000 elements), too slow for a frame.
 * While its view moves, the drawing stays where it was last drawn and the
 * <svg> element itself is moved and scaled by a CSS transform: the compositor
 * does that without repainting anything. When the view has rested for
 * REDRAW_AFTER_MS the drawing is redrawn at the new viewport (one repaint per
 * gesture, not one per frame), sharp again at the new zoom. The <svg> clips
 * to its box, so what a move brings into view is blank until then; a pan of
 * more than a third of the box redraws at once, so that strip stays narrow.
 *
 * The <svg>'s own box moves while the view moves, so coordinates come from
 * the box it sits in (MapView.frame), never from the <svg>'s.
 */
export class ViewLayer {
  private drawnAt: { vp: Viewport; size: Size } | undefined;
  private pending: { vp: Viewport; size: Size } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The last drawing holds the whole map within its box: a pan then reveals
   * only empty map, and needs no redraw before the view rests.
   */
  allDrawn = false;
  /**
   * The drawing's <svg>, then the layers shown with it: each moved by a CSS
   * transform, and redrawn at a viewport by `place`.
   */
  private readonly layers: { element: HTMLElement | SVGElement; place: Place }[];

  constructor(
    svg: SVGSVGElement,
    group: SVGGElement,
    /** After the drawing is redrawn at `vp` (zoom-dependent detail follows it). */
    private readonly drawn: (vp: Viewport) => void,
  ) {
    this.layers = [{ element: svg, place: placeGroup(group) }];
  }

  /**
   * Another drawing shown with this one (the search's marks over it, the far
   * view's canvas under it): at the same viewport, moved with it and redrawn
   * with it, a layer of its own. An SVG overlay passes its viewport <g>.
   */
  addOverlay(element: HTMLElement | SVGElement, place: SVGGElement | Place): void {
    this.layers.push({ element, place: typeof place === "function" ? place : placeGroup(place) });
  }

  /** The viewport and size the drawing was last redrawn at. */
  drawnViewport(): { vp: Viewport; size: Size } | undefined {
    return this.drawnAt;
  }

  /** Shows the drawing at `vp`: at once, or with `deferRedraw`, by moving the layer. */
  show(vp: Viewport, size: Size, deferRedraw: boolean): void {
    const at = this.drawnAt;
    if (
      !deferRedraw ||
      !at ||
      at.size.width !== size.width ||
      at.size.height !== size.height ||
      (!this.allDrawn && farFrom(at.vp, vp, size))
    ) {
      this.draw(vp, size);
      return;
    }
    const transform = layerTransform(at.vp, vp, size);
    for (const { element } of this.layers) element.style.transform = transform;
    this.pending = { vp, size };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), REDRAW_AFTER_MS);
  }

  /** Redraws now at the viewport last shown, if the layer was only moved there. */
  flush(): void {
    const pending = this.pending;
    if (pending) this.draw(pending.vp, pending.size);
  }

  /** True while the drawing is shown by moving the layer, not yet redrawn. */
  moving(): boolean {
    return this.pending !== undefined;
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.pending = undefined;
  }

  private draw(vp: Viewport, size: Size): void {
    clearTimeout(this.timer);
    this.pending = undefined;
    this.drawnAt = { vp: { ...vp }, size };
    for (const { element, place } of this.layers) {
      place(vp, size);
      if (element.style.transform) element.style.transform = "";
    }
    this.drawn(vp);
  }
}

/** Redraws a layer at a viewport. */
export type Place = (vp: Viewport, size: Size) => void;

/** An SVG layer is redrawn by its viewport <g>'s transform. */
function placeGroup(group: SVGGElement): Place {
  return (vp, size) => group.setAttribute("transform", viewTransform(vp, size));
}

/**
 * `to` has panned more than a third of the box from the view drawn at `from`.
 * A zoom never counts: zoomed in, the drawing still fills the box (softer
 * until redrawn); zoomed out, a margin is blank for a moment, which costs
 * less than redrawing a large map seen whole mid-gesture.
 */
export function farFrom(from: Viewport, to: Viewport, size: Size): boolean {
  const dx = Math.abs(to.x - from.x) * to.zoom;
  const dy = Math.abs(to.y - from.y) * to.zoom;
  return dx > size.width / 3 || dy > size.height / 3;
}

/**
 * The CSS transform (origin at the <svg>'s top left) that carries a drawing
 * made at `from` to where it appears at `to`: a map point p is drawn at
 * zoom_from * p + t_from and must appear at zoom_to * p + t_to.
 */
export function layerTransform(from: Viewport, to: Viewport, size: Size): string {
  const k = to.zoom / from.zoom;
  const offset = (vp: Viewport) => ({
    x: size.width / 2 - vp.x * vp.zoom,
    y: size.height / 2 - vp.y * vp.zoom,
  });
  const a = offset(from);
  const b = offset(to);
  const tx = b.x - k * a.x;
  const ty = b.y - k * a.y;
  return `matrix(${k}, 0, 0, ${k}, ${Math.round(tx * 100) / 100}, ${Math.round(ty * 100) / 100})`;
}
