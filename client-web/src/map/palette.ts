// The palette of element kinds (click to arm, then click the map; or drag
// onto the map) and the legend, whose scale levels double as a filter.
import type { IdKey, KindView } from "../crdt/api";
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
  safeColour,
  SCALE_LEVELS,
  UNSPECIFIED_LEVEL,
} from "./style";

export interface PaletteHost {
  editable(): boolean;
  /** The kind waiting to be placed by a click on the map, if any. */
  armed(): ElementKind | undefined;
  /** The map's custom kind armed with it (its `kind` is the base), if any. */
  armedCustom(): IdKey | undefined;
  arm(kind: ElementKind | undefined, custom?: IdKey): void;
  /** A kind dropped at a screen point; false when it was not over the map. */
  drop(kind: ElementKind, clientX: number, clientY: number, custom?: IdKey): boolean;
  placeAtCentre(kind: ElementKind, custom?: IdKey): void;
  /** The map's custom kinds, offered after the built-in ones. */
  customKinds(): KindView[];
}

/** One item of the palette: a built-in kind, or a custom kind on its base. */
interface PaletteKind {
  kind: ElementKind;
  custom?: IdKey;
  testid: string;
  label: string;
  colour?: string;
}

const DRAG_THRESHOLD = 5;

export class Palette {
  readonly element = htmlEl("div", {
    class: "cv-palette",
    role: "group",
    "aria-label": "Add to the map",
  });
  private readonly buttons = new Map<HTMLButtonElement, PaletteKind>();
  /** The map's custom kinds, after the built-in ones. */
  private readonly customBox = htmlEl("div", { class: "cv-palette-custom" });
  private customKey = "";
  private ghost: HTMLElement | undefined;
  private suppressClick = false;

  constructor(private readonly host: PaletteHost) {
    this.element.append(htmlEl("div", { class: "cv-palette-title" }, ["Add"]));
    for (const info of ELEMENT_KINDS)
      this.element.append(
        this.itemButton({ kind: info.kind, testid: `palette-${info.key}`, label: info.label }),
      );
    this.element.append(this.customBox);
    this.refresh();
  }

  private itemButton(item: PaletteKind): HTMLButtonElement {
    const host = this.host;
    const icon = iconSvg(kindIconPaths(item.kind), 20);
    if (item.colour) icon.style.color = item.colour;
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-palette-item",
        "data-testid": item.testid,
        title: `${item.label}: click, then click on the map (or drag it there)`,
        "aria-pressed": "false",
      },
      [icon, htmlEl("span", {}, [item.label])],
    );
    button.addEventListener("click", (e) => {
      if (this.suppressClick) {
        this.suppressClick = false;
        return;
      }
      // From the keyboard (no pointer: detail 0) there is no map point to
      // click next, so the element goes straight to the centre of the view.
      if (e.detail === 0) host.placeAtCentre(item.kind, item.custom);
      else if (this.isArmed(item)) host.arm(undefined);
      else host.arm(item.kind, item.custom);
    });
    button.addEventListener("pointerdown", (e) => this.startDrag(e, item, button));
    this.buttons.set(button, item);
    return button;
  }

  private isArmed(item: PaletteKind): boolean {
    return this.host.armed() === item.kind && this.host.armedCustom() === item.custom;
  }

  refresh(): void {
    this.refreshCustom();
    const editable = this.host.editable();
    for (const [button, item] of this.buttons) {
      button.disabled = !editable;
      button.setAttribute("aria-pressed", String(this.isArmed(item)));
    }
  }

  /** Rebuilds the custom kinds' buttons when the map's custom kinds changed. */
  private refreshCustom(): void {
    const kinds = this.host.customKinds();
    const key = JSON.stringify(kinds.map((k) => [k.id, k.name, k.base, k.color]));
    if (key === this.customKey) return;
    this.customKey = key;
    for (const [button, item] of this.buttons) if (item.custom) this.buttons.delete(button);
    this.customBox.replaceChildren(
      ...kinds.map((k) =>
        this.itemButton({
          kind: k.base,
          custom: k.id,
          testid: `palette-custom-${k.id}`,
          label: k.name || "Unnamed kind",
          colour: safeColour(k.color),
        }),
      ),
    );
    this.customBox.hidden = kinds.length === 0;
  }

  private startDrag(e: PointerEvent, item: PaletteKind, button: HTMLButtonElement): void {
    const kind = item.kind;
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
      if (ev.type === "pointerup") this.host.drop(kind, ev.clientX, ev.clientY, item.custom);
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
  /** The map's custom kinds and style rules (vocabulary-legend.ts fills it). */
  readonly vocabulary = htmlEl("div", {
    class: "cv-legend-vocabulary",
    "data-testid": "legend-vocabulary",
  });

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
      this.vocabulary,
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
