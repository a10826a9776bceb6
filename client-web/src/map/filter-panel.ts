// The "Filter" card of the map: focus on a neighbourhood, the path between
// two elements, and show-only chips per category (MapFilter, filter.ts).
// It only reads the filter and hands back a new one; the map view decides
// what fades.
import type { IdKey } from "../crdt/api";
import type { ConnectionKind, ElementKind, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { htmlEl } from "./dom";
import { activeCount, clearCategories, MAX_FOCUS_DEPTH, toggled, type MapFilter } from "./filter";
import { iconSvg, TOOL_ICONS } from "./icons";
import { levelInfo } from "./style";

/** A funnel. */
export const FILTER_ICON = ["M4 5H20L14 12.5V19L10 17V12.5Z"];

/** One choice of a category, with how many entities of the map have it. */
export interface FilterChoice<T> {
  value: T;
  label: string;
  count: number;
  /** A colour swatch (scale levels, connection kinds). */
  colour?: string;
}

/** What the map holds, to choose from. */
export interface FilterChoices {
  kinds: FilterChoice<ElementKind>[];
  customKinds: FilterChoice<IdKey>[];
  scales: FilterChoice<ScaleLevel>[];
  tags: FilterChoice<string>[];
  connectionKinds: FilterChoice<ConnectionKind>[];
  authors: FilterChoice<string>[];
}

export interface FilterPanelHost {
  filter(): MapFilter;
  setFilter(filter: MapFilter): void;
  choices(): FilterChoices;
  /** The selected element when exactly one is selected. */
  selectedElement(): { id: IdKey; label: string } | undefined;
  labelOf(id: IdKey): string;
  /** Starts picking the path's other end (a click or a search chooses it). */
  startPath(): void;
  /** What the last path search found, or that the other end is being picked. */
  pathMessage(): string | undefined;
  clearPath(): void;
  close(): void;
}

export class FilterPanel {
  readonly element = htmlEl("section", {
    class: "cv-filters",
    hidden: true,
    "aria-label": "Filter and focus",
    "data-testid": "filter-panel",
  });

  constructor(private readonly host: FilterPanelHost) {}

  isOpen(): boolean {
    return !this.element.hidden;
  }

  toggle(open = !this.isOpen()): void {
    this.element.hidden = !open;
    if (open) this.refresh();
  }

  /** Redraws from the host's state (filter, selection or map changed); nothing while closed. */
  refresh(): void {
    if (!this.isOpen()) return;
    const filter = this.host.filter();
    const choices = this.host.choices();
    // Redrawing replaces the buttons: the one that had focus gets it back.
    const focused = document.activeElement;
    const refocus =
      focused instanceof HTMLElement && this.element.contains(focused)
        ? focused.getAttribute("data-testid")
        : null;
    const scroll = this.element.scrollTop;
    const close = htmlEl(
      "button",
      { type: "button", class: "cv-icon-btn", title: "Close", "aria-label": "Close filters" },
      [iconSvg(TOOL_ICONS.close, 16)],
    );
    close.addEventListener("click", () => this.host.close());
    const clear = htmlEl(
      "button",
      { type: "button", class: "cv-btn", "data-testid": "filter-clear" },
      ["Clear filters"],
    );
    clear.disabled = activeCount(filter) === 0;
    clear.addEventListener("click", () => this.host.setFilter(clearCategories(filter)));
    const scaleChips = choices.scales.map((c) =>
      this.chip(`filter-scale-${levelInfo(c.value).key}`, c, filter.scales.includes(c.value), () =>
        this.host.setFilter({ ...filter, scales: toggled(filter.scales, c.value) }),
      ),
    );
    this.element.replaceChildren(
      htmlEl("header", { class: "cv-filters-head" }, [
        htmlEl("h3", {}, ["Filter and focus"]),
        close,
      ]),
      this.focusSection(filter),
      this.pathSection(),
      htmlEl("p", { class: "cv-filters-note" }, [
        "Show only what you pick; the rest fades. Picks in one group add up, groups narrow each other.",
      ]),
      this.group("Kind", [
        ...choices.kinds.map((c) =>
          this.chip(`filter-kind-${c.value}`, c, filter.kinds.includes(c.value), () =>
            this.host.setFilter({ ...filter, kinds: toggled(filter.kinds, c.value) }),
          ),
        ),
        ...choices.customKinds.map((c) =>
          this.chip(`filter-custom-kind-${c.value}`, c, filter.customKinds.includes(c.value), () =>
            this.host.setFilter({ ...filter, customKinds: toggled(filter.customKinds, c.value) }),
          ),
        ),
      ]),
      this.group("Scale", scaleChips),
      this.group(
        "Tag",
        choices.tags.map((c) =>
          this.chip(`filter-tag-${c.value}`, c, filter.tags.includes(c.value), () =>
            this.host.setFilter({ ...filter, tags: toggled(filter.tags, c.value) }),
          ),
        ),
        "No tags on this map yet.",
      ),
      this.group(
        "Connection",
        choices.connectionKinds.map((c) =>
          this.chip(
            `filter-connection-${c.value}`,
            c,
            filter.connectionKinds.includes(c.value),
            () =>
              this.host.setFilter({
                ...filter,
                connectionKinds: toggled(filter.connectionKinds, c.value),
              }),
          ),
        ),
      ),
      this.group(
        "Added by",
        choices.authors.map((c) =>
          this.chip(`filter-author-${c.value}`, c, filter.authors.includes(c.value), () =>
            this.host.setFilter({ ...filter, authors: toggled(filter.authors, c.value) }),
          ),
        ),
      ),
      htmlEl("footer", { class: "cv-filters-foot" }, [clear]),
    );
    this.element.scrollTop = scroll;
    if (refocus)
      [...this.element.querySelectorAll<HTMLElement>("[data-testid]")]
        .find((n) => n.getAttribute("data-testid") === refocus)
        ?.focus();
  }

  private focusSection(filter: MapFilter): HTMLElement {
    const selected = this.host.selectedElement();
    const focus = filter.focus;
    const focusButton = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-btn",
        "data-testid": "filter-focus",
        "aria-pressed": String(!!focus),
      },
      [
        focus
          ? `Focused on ${this.host.labelOf(focus.element)}`
          : selected
            ? `Focus on ${selected.label}`
            : "Focus: select an element first",
      ],
    );
    focusButton.disabled = !focus && !selected;
    focusButton.addEventListener("click", () => {
      const next = !focus && selected ? { element: selected.id, depth: 1 } : null;
      this.host.setFilter({ ...filter, focus: next });
    });
    const depth = htmlEl("div", { class: "cv-segmented", role: "group", "aria-label": "Steps" });
    for (let d = 1; d <= MAX_FOCUS_DEPTH; d++) {
      const button = htmlEl(
        "button",
        {
          type: "button",
          "data-testid": `filter-depth-${d}`,
          "aria-pressed": String((focus?.depth ?? 0) === d),
          title: `What lies ${d} connection step${d > 1 ? "s" : ""} away`,
        },
        [String(d)],
      );
      button.disabled = !focus && !selected;
      button.addEventListener("click", () => {
        const element = focus?.element ?? selected?.id;
        if (element) this.host.setFilter({ ...filter, focus: { element, depth: d } });
      });
      depth.append(button);
    }
    return htmlEl("div", { class: "cv-filters-section" }, [
      htmlEl("h4", {}, ["Neighbourhood"]),
      htmlEl("div", { class: "cv-filters-row" }, [
        focusButton,
        depth,
        htmlEl("span", { class: "cv-muted" }, ["steps"]),
      ]),
    ]);
  }

  private pathSection(): HTMLElement {
    const selected = this.host.selectedElement();
    const message = this.host.pathMessage();
    const start = htmlEl(
      "button",
      { type: "button", class: "cv-btn", "data-testid": "path-start" },
      [selected ? `Path from ${selected.label} to…` : "Path: select an element first"],
    );
    start.disabled = !selected;
    start.addEventListener("click", () => this.host.startPath());
    const parts: HTMLElement[] = [htmlEl("h4", {}, ["Path between two"]), start];
    if (message) {
      const clear = htmlEl(
        "button",
        { type: "button", class: "cv-link-btn", "data-testid": "path-clear" },
        ["Clear path"],
      );
      clear.addEventListener("click", () => this.host.clearPath());
      parts.push(
        htmlEl("p", { class: "cv-path-message", "data-testid": "path-message", role: "status" }, [
          message,
          " ",
          clear,
        ]),
      );
    }
    return htmlEl("div", { class: "cv-filters-section" }, parts);
  }

  private group(title: string, chips: HTMLElement[], empty?: string): HTMLElement {
    const body =
      chips.length > 0
        ? htmlEl("div", { class: "cv-chips" }, chips)
        : htmlEl("p", { class: "cv-muted" }, [empty ?? "Nothing on this map yet."]);
    return htmlEl("div", { class: "cv-filters-section", role: "group", "aria-label": title }, [
      htmlEl("h4", {}, [title]),
      body,
    ]);
  }

  private chip<T>(testid: string, choice: FilterChoice<T>, on: boolean, act: () => void) {
    const swatch = choice.colour
      ? [htmlEl("span", { class: "cv-swatch", style: `--swatch:${choice.colour}` })]
      : [];
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-chip",
        "data-testid": testid,
        "aria-pressed": String(on),
      },
      [...swatch, choice.label, htmlEl("small", {}, [String(choice.count)])],
    );
    button.addEventListener("click", act);
    return button;
  }
}
