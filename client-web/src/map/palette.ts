// The palette of element kinds (click to arm, then click the map; or drag
// onto the map) and the legend, whose scale levels double as a filter.
import type { ElementKind, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { htmlEl, svgEl } from "./dom";
import {
  activeCount,
  clearCategories,
  matchesScale,
  toggleScaleShown,
  type MapFilter,
} from "./filter";
import { iconSvg, kindIconPaths } from "./icons";
import {
  BOUNDARY_TYPES,
  CONNECTION_KINDS,
  connectionStyle,
  DISAGREEMENT_COLOUR,
  ELEMENT_KINDS,
  SCALE_LEVELS,
  UNSPECIFIED_LEVEL,
} from "./style";

export interface PaletteHost {
  editable(): boolean;
  /** The kind waiting to be placed by a click on the map, if any. */
  armed(): ElementKind | undefined;
  arm(kind: ElementKind | undefined): void;
  /** A kind dropped at a screen point; false when it was not over the map. */
  drop(kind: ElementKind, clientX: number, clientY: number): boolean;
  placeAtCentre(kind: ElementKind): void;
}

const DRAG_THRESHOLD = 5;

export class Palette {
  readonly element = htmlEl("div", {
    class: "cv-palette",
    role: "group",
    "aria-label": "Add to the map",
  });
  private readonly buttons = new Map<ElementKind, HTMLButtonElement>();
  private ghost: HTMLElement | undefined;
  private suppressClick = false;

  constructor(private readonly host: PaletteHost) {
    this.element.append(htmlEl("div", { class: "cv-palette-title" }, ["Add"]));
    for (const info of ELEMENT_KINDS) {
      const button = htmlEl(
        "button",
        {
          type: "button",
          class: "cv-palette-item",
          "data-testid": `palette-${info.key}`,
          title: `${info.label}: click, then click on the map (or drag it there)`,
          "aria-pressed": "false",
        },
        [iconSvg(kindIconPaths(info.kind), 20), htmlEl("span", {}, [info.label])],
      );
      button.addEventListener("click", (e) => {
        if (this.suppressClick) {
          this.suppressClick = false;
          return;
        }
        // From the keyboard (no pointer: detail 0) there is no map point to
        // click next, so the element goes straight to the centre of the view.
        if (e.detail === 0) host.placeAtCentre(info.kind);
        else host.arm(host.armed() === info.kind ? undefined : info.kind);
      });
      button.addEventListener("pointerdown", (e) => this.startDrag(e, info.kind, button));
      this.buttons.set(info.kind, button);
      this.element.append(button);
    }
    this.refresh();
  }

  refresh(): void {
    const editable = this.host.editable();
    const armed = this.host.armed();
    for (const [kind, button] of this.buttons) {
      button.disabled = !editable;
      button.setAttribute("aria-pressed", String(armed === kind));
    }
  }

  private startDrag(e: PointerEvent, kind: ElementKind, button: HTMLButtonElement): void {
    if (e.button !== 0 || !this.host.editable()) return;
    const start = { x: e.clientX, y: e.clientY };
    let dragging = false;
    const move = (ev: PointerEvent) => {
      if (!dragging && Math.hypot(ev.clientX - start.x, ev.clientY - start.y) < DRAG_THRESHOLD)
        return;
      if (!dragging) {
        dragging = true;
        this.ghost = htmlEl("div", { class: "cv-drag-ghost" }, [iconSvg(kindIconPaths(kind), 22)]);
        document.body.append(this.ghost);
      }
      this.ghost!.style.transform = `translate(${ev.clientX - 18}px, ${ev.clientY - 18}px)`;
    };
    const up = (ev: PointerEvent) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
      this.ghost?.remove();
      this.ghost = undefined;
      if (!dragging) return;
      // The pointerup of a drag still ends in a click on the button when the
      // pointer comes back to it; that click must not arm the kind.
      this.suppressClick = ev.target === button || button.contains(ev.target as Node);
      if (ev.type === "pointerup") this.host.drop(kind, ev.clientX, ev.clientY);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }
}

export interface LegendHost {
  filter(): MapFilter;
  setFilter(filter: MapFilter): void;
  /** Opens the filter card. */
  showFilters(): void;
}

export class Legend {
  readonly element = htmlEl("details", { class: "cv-legend", open: true });
  private readonly levels = htmlEl("div", { class: "cv-legend-levels" });
  private readonly active = htmlEl("div", {
    class: "cv-legend-active",
    role: "status",
    "data-testid": "legend-filters",
  });
  private readonly disagreementRow: HTMLElement;

  constructor(private readonly host: LegendHost) {
    const connections = htmlEl("ul", { class: "cv-legend-list" });
    for (const info of CONNECTION_KINDS.filter((k) => k.kind !== 0)) {
      const style = connectionStyle(info.kind, 2);
      const swatch = svgEl(
        "svg",
        { width: 30, height: 10, viewBox: "0 0 30 10", "aria-hidden": "true" },
        [
          svgEl("path", {
            d: "M2 5H28",
            stroke: style.colour,
            "stroke-width": style.width,
            "stroke-dasharray": style.dasharray || undefined,
            "stroke-linecap": "round",
          }),
        ],
      );
      connections.append(
        htmlEl("li", { "data-testid": `legend-connection-${info.key}` }, [swatch, info.label]),
      );
    }
    const boundaries = htmlEl("ul", { class: "cv-legend-list" });
    for (const info of BOUNDARY_TYPES.filter((t) => t.type !== 0)) {
      const swatch = svgEl(
        "svg",
        { width: 30, height: 10, viewBox: "0 0 30 10", "aria-hidden": "true" },
        [
          svgEl("path", {
            d: "M2 5H28",
            stroke: info.colour,
            "stroke-width": 2.5,
            "stroke-dasharray": info.dasharray || undefined,
            "stroke-linecap": "round",
          }),
        ],
      );
      boundaries.append(htmlEl("li", {}, [swatch, info.label]));
    }
    this.disagreementRow = htmlEl("p", { class: "cv-legend-note" }, [
      svgEl("svg", { width: 22, height: 22, viewBox: "0 0 22 22", "aria-hidden": "true" }, [
        svgEl("circle", {
          cx: 11,
          cy: 11,
          r: 8.5,
          fill: DISAGREEMENT_COLOUR,
          "fill-opacity": 0.1,
          stroke: DISAGREEMENT_COLOUR,
          "stroke-width": 2,
          "stroke-dasharray": "4 3",
        }),
      ]),
      "Ratings differ in the group",
    ]);
    this.element.append(
      htmlEl("summary", {}, ["Legend"]),
      this.active,
      htmlEl("h4", {}, ["Scale ", htmlEl("small", {}, ["(click to show or hide)"])]),
      this.levels,
      htmlEl("h4", {}, ["Connections"]),
      connections,
      htmlEl("details", { class: "cv-legend-more" }, [
        htmlEl("summary", {}, ["Boundaries"]),
        boundaries,
      ]),
      this.disagreementRow,
    );
    this.refresh();
  }

  refresh(): void {
    const filter = this.host.filter();
    const levels = [...SCALE_LEVELS, UNSPECIFIED_LEVEL];
    this.levels.replaceChildren(
      ...levels.map((info) => {
        const shown = matchesScale(filter, info.level);
        const button = htmlEl(
          "button",
          {
            type: "button",
            class: "cv-legend-level",
            "data-testid": `legend-scale-${info.key}`,
            "aria-pressed": String(shown),
            title: shown
              ? `Hide ${info.label.toLowerCase()} elements`
              : `Show ${info.label.toLowerCase()} elements`,
          },
          [htmlEl("span", { class: "cv-swatch", style: `--swatch:${info.colour}` }), info.label],
        );
        button.addEventListener("click", () => this.toggle(info.level));
        return button;
      }),
    );
    this.renderActive(filter);
  }

  /** What narrows the map now, and one click to clear it. */
  private renderActive(filter: MapFilter): void {
    const parts = describeFilter(filter);
    this.active.hidden = parts.length === 0;
    if (parts.length === 0) {
      this.active.replaceChildren();
      return;
    }
    const open = htmlEl("button", { type: "button", class: "cv-link-btn" }, [
      `Filtered: ${parts.join(", ")}`,
    ]);
    open.title = "Show the filters";
    open.addEventListener("click", () => this.host.showFilters());
    const clear = htmlEl(
      "button",
      { type: "button", class: "cv-btn cv-small", "data-testid": "legend-clear-filters" },
      ["Clear filters"],
    );
    clear.addEventListener("click", () => {
      this.host.setFilter(clearCategories(this.host.filter()));
      this.refresh();
    });
    this.active.replaceChildren(open, clear);
  }

  setDisagreementShown(shown: boolean): void {
    this.disagreementRow.hidden = !shown;
  }

  private toggle(level: ScaleLevel): void {
    this.host.setFilter(toggleScaleShown(this.host.filter(), level));
    this.refresh();
  }
}

/** The categories that narrow the map, in words ("kind", "tag", "focus 2 steps"). */
export function describeFilter(filter: MapFilter): string[] {
  if (activeCount(filter) === 0) return [];
  const parts: string[] = [];
  if (filter.kinds.length + filter.customKinds.length > 0) parts.push("kind");
  if (filter.scales.length > 0) parts.push("scale");
  if (filter.tags.length > 0) parts.push("tag");
  if (filter.connectionKinds.length > 0) parts.push("connection");
  if (filter.authors.length > 0) parts.push("who added");
  if (filter.focus)
    parts.push(`focus ${filter.focus.depth} step${filter.focus.depth > 1 ? "s" : ""}`);
  return parts;
}
