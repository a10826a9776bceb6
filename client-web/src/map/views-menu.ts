// The toolbar's "Views" card and "Present" button: the map's saved views in
// presentation order, each applied with a click; for those who may edit,
// "Save view" and, per view, move up, move down, rename, update to what the
// map shows now and delete. The card is a disclosure, not a modal: Escape
// closes it back onto its button, and so does focus leaving it.
import type { IdKey, SavedView } from "../crdt/api";
import { htmlEl } from "./dom";
import { iconSvg, TOOL_ICONS } from "./icons";

export interface ViewsMenuHost {
  /** The shown map's views by (order, id); empty with no map. */
  views(): SavedView[];
  hasMap(): boolean;
  /** Whether views may be saved and changed (observers only apply them). */
  editable(): boolean;
  /** The view the map shows now, if any. */
  shown(): IdKey | undefined;
  apply(id: IdKey): void;
  save(): void;
  rename(id: IdKey): void;
  update(id: IdKey): void;
  move(id: IdKey, by: number): void;
  remove(id: IdKey): void;
  /** Starts presenting, at `from` or the first view. */
  present(from?: IdKey): void;
}

/** Stacked frames: the Views button's icon. */
export const VIEWS_ICON = ["M4 7H16V17H4Z", "M7 4H20V14"];
/** A screen on a stand with a play mark: the Present button's icon. */
export const PRESENT_ICON = [
  "M3 4.5H21V15.5H3Z",
  "M12 15.5V19.5M8 20H16",
  "M10 7.5L14.5 10L10 12.5Z",
];
const UP_ICON = ["M12 18V6M7 11L12 6L17 11"];
const DOWN_ICON = ["M12 6V18M7 13L12 18L17 13"];
const UPDATE_ICON = ["M19 12A7 7 0 1 1 16.9 7", "M19.5 4V8.5H15"];

export class ViewsMenu {
  readonly element = htmlEl("div", { class: "cv-views-menu" });
  private readonly button: HTMLButtonElement;
  private readonly presentButton: HTMLButtonElement;
  private readonly card = htmlEl("div", {
    class: "cv-menu cv-views-card",
    id: "cv-views-card",
    role: "group",
    "aria-label": "Saved views",
    "data-testid": "views-card",
    hidden: true,
  });
  private readonly list = htmlEl("ul", { class: "cv-views-list", "data-testid": "views-list" });
  private readonly saveButton: HTMLButtonElement;
  private readonly hint = htmlEl("p", { class: "cv-menu-hint" });
  /** A press anywhere else closes the card (listened to while it is open). */
  private readonly pressedElsewhere = (e: PointerEvent) => {
    if (e.target instanceof Node && !this.element.contains(e.target) && !isInDialog(e.target))
      this.close(false);
  };

  constructor(private readonly host: ViewsMenuHost) {
    this.button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool cv-tool-views",
        "data-testid": "views-menu",
        title: "Saved views: a viewport and filter each",
        "aria-label": "Views",
        "aria-expanded": "false",
        "aria-controls": "cv-views-card",
      },
      [iconSvg(VIEWS_ICON), htmlEl("span", {}, ["Views"])],
    );
    this.button.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));
    this.presentButton = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool cv-tool-present",
        "data-testid": "present",
        title: "Present the saved views full screen, one after another",
        "aria-label": "Present",
      },
      [iconSvg(PRESENT_ICON), htmlEl("span", {}, ["Present"])],
    );
    this.presentButton.addEventListener("click", () => {
      this.close(false);
      host.present();
    });
    this.saveButton = htmlEl(
      "button",
      { type: "button", class: "cv-btn cv-small", "data-testid": "view-save" },
      [iconSvg(TOOL_ICONS.plus, 14), "Save view…"],
    );
    this.saveButton.addEventListener("click", () => host.save());
    this.card.append(
      htmlEl("div", { class: "cv-views-head" }, [
        htmlEl("strong", {}, ["Saved views"]),
        this.saveButton,
      ]),
      this.list,
      this.hint,
    );
    this.card.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      e.preventDefault();
      e.stopPropagation();
      this.close();
    });
    this.card.addEventListener("focusout", (e) => {
      const to = e.relatedTarget;
      // Focus going to a dialog (naming a view) keeps the card open behind it.
      if (to instanceof Node && (this.element.contains(to) || isInDialog(to))) return;
      if (to !== null) this.close(false);
    });
    this.element.append(this.button, this.card, this.presentButton);
    this.refresh();
  }

  isOpen(): boolean {
    return !this.card.hidden;
  }

  open(): void {
    if (!this.host.hasMap()) return;
    this.card.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    document.addEventListener("pointerdown", this.pressedElsewhere);
    window.addEventListener("resize", this.resized);
    this.refresh();
    this.place();
    const first = this.list.querySelector<HTMLButtonElement>(".cv-view-name");
    (first ?? (this.saveButton.hidden ? undefined : this.saveButton))?.focus();
  }

  close(refocus = true): void {
    if (this.card.hidden) return;
    this.card.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    document.removeEventListener("pointerdown", this.pressedElsewhere);
    window.removeEventListener("resize", this.resized);
    if (refocus) this.button.focus();
  }

  /**
   * Fixed below its button, inside the window: a toolbar that scrolls
   * sideways (narrow screens) would clip a card placed inside it.
   */
  private place(): void {
    const at = this.button.getBoundingClientRect();
    const margin = 8;
    const width = Math.min(this.card.offsetWidth || 360, window.innerWidth - 2 * margin);
    const left = Math.max(margin, Math.min(at.right - width, window.innerWidth - width - margin));
    Object.assign(this.card.style, {
      top: `${Math.round(at.bottom + 4)}px`,
      left: `${Math.round(left)}px`,
    });
  }

  private readonly resized = () => this.place();

  /** Redraws the list (views, rights or the shown view changed). */
  refresh(): void {
    const hasMap = this.host.hasMap();
    const views = hasMap ? this.host.views() : [];
    this.button.disabled = !hasMap;
    this.presentButton.disabled = views.length === 0;
    this.button.classList.toggle("cv-active", this.host.shown() !== undefined);
    if (!hasMap) this.close(false);
    if (this.card.hidden) return;
    const editable = this.host.editable();
    this.saveButton.hidden = !editable;
    this.hint.textContent =
      views.length === 0
        ? editable
          ? "No views yet. Save one to keep this viewport and filter for later or for a presentation."
          : "No views yet."
        : "A view keeps a viewport and a filter; Present steps through them in this order.";
    // Keep the keyboard where it was across the redraw (a move keeps its button).
    const focused = document.activeElement;
    const focusKey =
      focused instanceof HTMLElement && this.list.contains(focused)
        ? `${focused.closest("li")?.dataset.view}|${focused.dataset.action}`
        : undefined;
    this.list.replaceChildren(...views.map((v, i) => this.row(v, i, views.length, editable)));
    if (focusKey) {
      const [view, action] = focusKey.split("|");
      const again =
        this.list.querySelector<HTMLButtonElement>(
          `li[data-view="${view}"] [data-action="${action}"]:not(:disabled)`,
        ) ?? this.list.querySelector<HTMLButtonElement>(`li[data-view="${view}"] .cv-view-name`);
      again?.focus();
    }
  }

  private row(view: SavedView, index: number, count: number, editable: boolean): HTMLElement {
    const shown = this.host.shown() === view.id;
    const name = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-menu-item cv-view-name",
        "data-action": "apply",
        "data-testid": "view-apply",
        "aria-current": shown ? "true" : undefined,
        title: "Show this view",
      },
      [
        htmlEl("span", { class: "cv-view-number" }, [String(index + 1)]),
        htmlEl("span", { class: "cv-view-label" }, [view.name || "Untitled view"]),
      ],
    );
    name.addEventListener("click", () => this.host.apply(view.id));
    const row = htmlEl("li", { class: "cv-view-row", "data-view": view.id }, [name]);
    if (!editable) return row;
    const action = (
      key: string,
      label: string,
      icon: string[],
      run: () => void,
      disabled = false,
    ) => {
      const b = htmlEl(
        "button",
        {
          type: "button",
          class: "cv-icon-btn cv-view-action",
          "data-action": key,
          "data-testid": `view-${key}`,
          title: `${label}: ${view.name || "Untitled view"}`,
          "aria-label": `${label} ${view.name || "Untitled view"}`,
          disabled,
        },
        [iconSvg(icon, 15)],
      );
      b.addEventListener("click", run);
      return b;
    };
    row.append(
      action("up", "Move up", UP_ICON, () => this.host.move(view.id, -1), index === 0),
      action("down", "Move down", DOWN_ICON, () => this.host.move(view.id, 1), index === count - 1),
      action("rename", "Rename", TOOL_ICONS.pencil, () => this.host.rename(view.id)),
      action("update", "Update to what the map shows now", UPDATE_ICON, () =>
        this.host.update(view.id),
      ),
      action("delete", "Delete", TOOL_ICONS.trash, () => this.host.remove(view.id)),
    );
    return row;
  }
}

function isInDialog(node: Node): boolean {
  const element = node instanceof Element ? node : node.parentElement;
  return element?.closest("dialog") != null;
}
