// Presentation mode: the map alone on the screen (the Fullscreen API when the
// browser allows it, else the whole window), stepping through the saved
// views in order. A small bar names the view and offers previous, next, ask
// all to follow (conveners) and exit; keys as presentation remotes send them:
// → Space PageDown next, ← PageUp previous, Home End, Escape exits.
import type { IdKey, SavedView } from "../crdt/api";
import { htmlEl } from "./dom";
import { iconSvg, TOOL_ICONS } from "./icons";

export type PresentStep = "next" | "previous" | "first" | "last" | "exit";

/** What a key does while presenting; undefined: nothing (the map may take it). */
export function presentKey(key: string): PresentStep | undefined {
  switch (key) {
    case "ArrowRight":
    case " ":
    case "PageDown":
      return "next";
    case "ArrowLeft":
    case "PageUp":
      return "previous";
    case "Home":
      return "first";
    case "End":
      return "last";
    case "Escape":
      return "exit";
    default:
      return undefined;
  }
}

/** The index a step goes to among `count` views, staying within them. */
export function stepIndex(step: PresentStep, index: number, count: number): number {
  const last = Math.max(0, count - 1);
  switch (step) {
    case "next":
      return Math.min(last, index + 1);
    case "previous":
      return Math.max(0, index - 1);
    case "first":
      return 0;
    case "last":
      return last;
    default:
      return index;
  }
}

export interface PresentationHost {
  /** What goes full screen: the map view's root. */
  readonly root: HTMLElement;
  /** The views to present, by (order, id). */
  views(): SavedView[];
  /** Shows a view: animated viewport, its filter. */
  show(view: SavedView): void;
  /** Conveners may ask everyone to follow them. */
  canAskToFollow(): boolean;
  askingToFollow(): boolean;
  setAskToFollow(asking: boolean): void;
  /** The presentation ended (the map's own view comes back). */
  ended(): void;
}

/** Keys the map would edit with (delete, nudge), ignored while presenting. */
const PASSIVE_KEYS = new Set(["Delete", "Backspace", "ArrowUp", "ArrowDown", "Enter"]);

const PREVIOUS_ICON = ["M15 5L8 12L15 19"];
const NEXT_ICON = ["M9 5L16 12L9 19"];
const FOLLOW_ICON = [
  "M12 5C7 5 3.5 9 2.5 12C3.5 15 7 19 12 19C17 19 20.5 15 21.5 12C20.5 9 17 5 12 5Z",
  "M15 12A3 3 0 1 1 9 12A3 3 0 1 1 15 12Z",
];

export class Presentation {
  readonly bar = htmlEl("div", {
    class: "cv-present-bar",
    role: "toolbar",
    "aria-label": "Presentation",
    "data-testid": "present-bar",
  });
  private readonly title = htmlEl("span", {
    class: "cv-present-title",
    "data-testid": "present-title",
    "aria-live": "polite",
  });
  private readonly counter = htmlEl("span", {
    class: "cv-present-count",
    "data-testid": "present-count",
  });
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly follow: HTMLButtonElement;
  private current: IdKey | undefined;
  private active = false;
  private fullscreen = false;
  private readonly onKey = (e: KeyboardEvent) => this.keydown(e);
  private readonly onFullscreen = () => this.fullscreenChanged();

  constructor(private readonly host: PresentationHost) {
    const button = (testid: string, label: string, icon: string[], run: () => void) => {
      const b = htmlEl(
        "button",
        { type: "button", class: "cv-present-btn", "data-testid": testid, title: label },
        [iconSvg(icon, 22), htmlEl("span", { class: "cv-present-btn-text" }, [label])],
      );
      b.addEventListener("click", run);
      return b;
    };
    this.previous = button("present-previous", "Previous", PREVIOUS_ICON, () =>
      this.go("previous"),
    );
    this.next = button("present-next", "Next", NEXT_ICON, () => this.go("next"));
    this.follow = button("present-ask-follow", "Ask all to follow", FOLLOW_ICON, () => {
      this.host.setAskToFollow(!this.host.askingToFollow());
      this.refresh();
    });
    this.follow.setAttribute("aria-pressed", "false");
    const exit = button("present-exit", "Exit", TOOL_ICONS.close, () => this.stop());
    this.bar.append(
      this.previous,
      htmlEl("div", { class: "cv-present-where" }, [this.title, this.counter]),
      this.next,
      this.follow,
      exit,
    );
  }

  isActive(): boolean {
    return this.active;
  }

  /** The view shown now, while presenting. */
  shownView(): IdKey | undefined {
    return this.active ? this.current : undefined;
  }

  start(from?: IdKey): void {
    const views = this.host.views();
    if (views.length === 0) return;
    if (!this.active) {
      this.active = true;
      this.host.root.classList.add("cv-presenting");
      this.host.root.append(this.bar);
      window.addEventListener("keydown", this.onKey, true);
      document.addEventListener("fullscreenchange", this.onFullscreen);
      this.enterFullscreen();
    }
    this.showAt(
      Math.max(
        0,
        views.findIndex((v) => v.id === from),
      ),
    );
    this.next.focus({ preventScroll: true });
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    window.removeEventListener("keydown", this.onKey, true);
    document.removeEventListener("fullscreenchange", this.onFullscreen);
    if (this.fullscreen && document.fullscreenElement === this.host.root)
      void document.exitFullscreen?.().catch(() => undefined);
    this.fullscreen = false;
    this.host.root.classList.remove("cv-presenting");
    this.bar.remove();
    this.current = undefined;
    this.host.ended();
  }

  go(step: PresentStep): void {
    if (step === "exit") return this.stop();
    const views = this.host.views();
    const at = views.findIndex((v) => v.id === this.current);
    const to = stepIndex(step, at < 0 ? 0 : at, views.length);
    if (to !== at) this.showAt(to);
  }

  /** The views changed (renamed, moved, deleted, here or elsewhere). */
  refresh(): void {
    if (!this.active) return;
    const views = this.host.views();
    if (views.length === 0) return this.stop();
    let at = views.findIndex((v) => v.id === this.current);
    if (at < 0) {
      // The view shown was deleted: show the one that took its place.
      at = 0;
      this.showAt(at);
      return;
    }
    this.title.textContent = views[at].name || "Untitled view";
    this.counter.textContent = `${at + 1} / ${views.length}`;
    this.previous.disabled = at === 0;
    this.next.disabled = at === views.length - 1;
    this.follow.hidden = !this.host.canAskToFollow();
    const asking = this.host.askingToFollow();
    this.follow.setAttribute("aria-pressed", String(asking));
    this.follow.querySelector(".cv-present-btn-text")!.textContent = asking
      ? "Stop asking to follow"
      : "Ask all to follow";
  }

  private showAt(index: number): void {
    const view = this.host.views()[index];
    if (!view) return;
    this.current = view.id;
    this.host.show(view);
    this.refresh();
  }

  private enterFullscreen(): void {
    const root = this.host.root;
    if (!root.requestFullscreen || document.fullscreenElement) return;
    // Refused (no user gesture, an iframe without allowfullscreen, some
    // phones): the presentation fills the window instead, as styled already.
    root
      .requestFullscreen()
      .then(() => (this.fullscreen = this.active))
      .catch(() => undefined);
  }

  /** Leaving full screen (the browser's own Escape) ends the presentation. */
  private fullscreenChanged(): void {
    if (this.fullscreen && document.fullscreenElement !== this.host.root) {
      this.fullscreen = false;
      this.stop();
    }
  }

  private keydown(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target instanceof Element && e.target.closest("dialog, input, textarea, select")) return;
    const step = presentKey(e.key);
    if (!step) {
      // The map's editing keys are not for an audience: nothing is deleted or nudged.
      if (PASSIVE_KEYS.has(e.key)) e.stopPropagation();
      return;
    }
    // Space moves on wherever the focus is, as in slides (not pressing the
    // focused button: its default goes with the keydown's).
    e.preventDefault();
    e.stopPropagation();
    this.go(step);
  }
}
