// A side panel that becomes a bottom sheet where the screen is narrow
// (responsive.css, ≤ 720 px): collapsed, it shows a peek (a grip and what is
// selected) over the bottom of the map; a tap on the peek opens it to half
// height, its size button to full height (a strip of the map stays in
// sight), and a swipe on the peek moves between the three. Escape collapses
// it and gives focus to the peek; focus arriving inside a collapsed sheet
// (Tab, or a field focused for typing) opens it to half, so what has focus
// is never out of sight. On a wide screen the frame is `display: contents`
// and its head is hidden: the panel is the side panel it always was.
import "./responsive.css";
import { h } from "./dom";

export type SheetState = "collapsed" | "half" | "full";

const ORDER: SheetState[] = ["collapsed", "half", "full"];
/** Movement (px) below which a press on the peek is a tap. */
const TAP_SLOP = 8;
/** A flick this fast (px/ms) moves one step whichever way it goes. */
const FLICK = 0.5;

let sheets = 0;

export class BottomSheet {
  readonly element: HTMLElement;
  private readonly peek: HTMLButtonElement;
  private readonly summary = h("span", { class: "sheet-summary" });
  private readonly sizeButton: HTMLButtonElement;
  private current: SheetState = "collapsed";
  /**
   * A swipe on the peek: where and when it began, the sheet's height then,
   * and where the last move put it (what the person sees when they let go).
   */
  private drag:
    | { y: number; t: number; height: number; moved: boolean; lastY: number; lastT: number }
    | undefined;

  /**
   * `content` gets an id and a tab stop (a skip link's target). `refocus`
   * is called when a key inside left focus nowhere (a field that blurs itself
   * on Enter or Escape), to say where it goes instead.
   */
  constructor(
    private readonly content: HTMLElement,
    label: string,
    private readonly refocus: () => void,
  ) {
    content.id ||= `sheet-content-${++sheets}`;
    // Focusable from the keyboard: a region that scrolls (axe-core: scrollable-region-focusable).
    content.tabIndex = 0;
    this.peek = h(
      "button",
      {
        type: "button",
        class: "sheet-peek",
        "data-testid": "sheet-peek",
        "aria-controls": content.id,
        "aria-expanded": "false",
      },
      h("span", { class: "sheet-grip", "aria-hidden": "true" }),
      h("span", { class: "sheet-label" }, label),
      this.summary,
    );
    this.sizeButton = h("button", {
      type: "button",
      class: "sheet-size",
      "data-testid": "sheet-size",
      "aria-controls": content.id,
    });
    this.element = h(
      "div",
      { class: "sheet", "data-state": this.current },
      h("div", { class: "sheet-head" }, this.peek, this.sizeButton),
      content,
    );
    // Pointer taps are handled on release (a click does not always follow a
    // touch); the click is the keyboard's (detail 0).
    this.peek.addEventListener("click", (e) => {
      if (e.detail === 0) this.toggle();
    });
    this.sizeButton.addEventListener("click", () =>
      this.setState(this.current === "full" ? "half" : "full"),
    );
    this.peek.addEventListener("pointerdown", (e) => this.pressed(e));
    this.peek.addEventListener("pointermove", (e) => this.moved(e));
    this.peek.addEventListener("pointerup", () => this.released());
    this.peek.addEventListener("pointercancel", () => this.endDrag());
    this.element.addEventListener("keydown", (e) => this.keydown(e));
    content.addEventListener("focusin", () => {
      if (this.current === "collapsed" && this.isSheet()) this.setState("half");
    });
    this.render();
  }

  get state(): SheetState {
    return this.current;
  }

  /** What the peek names (the selection), or nothing. */
  setSummary(text: string): void {
    this.summary.textContent = text;
  }

  setState(state: SheetState): void {
    this.current = state;
    this.render();
  }

  /** Opens the sheet (at least half way) and focuses its content. */
  reveal(): void {
    if (this.current === "collapsed") this.setState("half");
    this.content.focus({ preventScroll: true });
  }

  /** Whether the panel is shown as a sheet now (a narrow screen). */
  isSheet(): boolean {
    return getComputedStyle(this.element).display !== "contents";
  }

  private render(): void {
    const open = this.current !== "collapsed";
    this.element.dataset.state = this.current;
    this.peek.setAttribute("aria-expanded", String(open));
    this.peek.title = open ? "Collapse the details" : "Show the details";
    this.sizeButton.hidden = !open;
    const full = this.current === "full";
    this.sizeButton.textContent = full ? "Half height" : "Full height";
    this.sizeButton.setAttribute("aria-pressed", String(full));
  }

  private keydown(e: KeyboardEvent): void {
    if ((e.key === "Enter" || e.key === "Escape") && this.focusDropped()) {
      this.refocus();
      e.stopPropagation();
      // Done with the details and back on the map: the map in sight again.
      if (!this.element.contains(document.activeElement)) this.setState("collapsed");
      return;
    }
    if (e.key !== "Escape" || !this.isSheet() || this.current === "collapsed") return;
    // A field's own Escape (its text put back) comes first; the next one collapses.
    const target = e.target as HTMLElement;
    if (target !== this.peek && target.closest("input, textarea, select")) return;
    e.preventDefault();
    e.stopPropagation();
    this.setState("collapsed");
    this.peek.focus();
  }

  private focusDropped(): boolean {
    const active = document.activeElement;
    return !active || active === document.body;
  }

  // ---- swipes on the peek ----------------------------------------------------------

  private pressed(e: PointerEvent): void {
    if (!this.isSheet() || e.button !== 0) return;
    this.drag = {
      y: e.clientY,
      t: e.timeStamp,
      height: this.element.offsetHeight,
      moved: false,
      lastY: e.clientY,
      lastT: e.timeStamp,
    };
    this.peek.setPointerCapture?.(e.pointerId);
  }

  private moved(e: PointerEvent): void {
    const drag = this.drag;
    if (!drag) return;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dy) < TAP_SLOP) return;
    drag.moved = true;
    drag.lastY = e.clientY;
    drag.lastT = e.timeStamp;
    this.element.classList.add("is-dragging");
    this.element.style.height = `${Math.max(0, drag.height - dy)}px`;
  }

  private toggle(): void {
    this.setState(this.current === "collapsed" ? "half" : "collapsed");
  }

  private released(): void {
    const drag = this.drag;
    this.drag = undefined;
    if (!drag) return;
    if (!drag.moved) {
      this.toggle();
      return;
    }
    // Settle from where the sheet was last drawn: a release can report the
    // press's position when the last moves were coalesced away.
    const dy = drag.lastY - drag.y;
    const speed = dy / Math.max(1, drag.lastT - drag.t);
    const height = Math.max(0, drag.height - dy);
    this.endDrag();
    this.setState(this.settle(height, speed));
  }

  private endDrag(): void {
    this.drag = undefined;
    this.element.classList.remove("is-dragging");
    this.element.style.height = "";
  }

  /** The state nearest to where a swipe ended; a flick goes at least one step its way. */
  private settle(height: number, speed: number): SheetState {
    const index = ORDER.indexOf(this.current);
    const parent = this.element.parentElement?.clientHeight ?? window.innerHeight;
    const near = ORDER.indexOf(nearestState(height, this.peek.offsetHeight, parent));
    if (speed > FLICK) return ORDER[Math.max(0, Math.min(near, index - 1))];
    if (speed < -FLICK) return ORDER[Math.min(ORDER.length - 1, Math.max(near, index + 1))];
    return ORDER[near];
  }
}

/** The state whose resting height is nearest `height` (a sheet in a box `parent` px tall). */
export function nearestState(height: number, peek: number, parent: number): SheetState {
  const heights: [SheetState, number][] = [
    ["collapsed", peek],
    ["half", parent / 2],
    ["full", parent - FULL_GAP],
  ];
  let best = heights[0];
  for (const candidate of heights)
    if (Math.abs(candidate[1] - height) < Math.abs(best[1] - height)) best = candidate;
  return best[0];
}

/** What a full sheet leaves of the map above it (px), as in responsive.css. */
export const FULL_GAP = 56;
