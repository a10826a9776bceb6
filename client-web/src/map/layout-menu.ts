// The toolbar's "Layout" menu: a button that opens a menu of the automatic
// layouts (layout-apply.ts). Keyboard: Enter, Space or Down opens it on the
// first item; Up and Down move, Home and End jump, Enter or Space runs,
// Escape closes it back onto the button, Tab closes it.
import { htmlEl } from "./dom";
import { iconSvg } from "./icons";
import type { LayoutKind } from "./layout-apply";

export interface LayoutMenuHost {
  /** Editing allowed and a map shown (observers cannot lay out). */
  enabled(): boolean;
  /** Whether two or more elements are selected (offers "selection only"). */
  hasSelection(): boolean;
  layout(kind: LayoutKind, selectionOnly: boolean): void;
}

const ITEMS: { kind: LayoutKind; label: string; title: string }[] = [
  {
    kind: "force",
    label: "Force-directed",
    title: "Connected elements draw together, the rest spread apart",
  },
  {
    kind: "rings",
    label: "Arrange by scale: rings",
    title: "Local in the middle, global outermost; elements without a scale in the outer ring",
  },
  {
    kind: "bands",
    label: "Arrange by scale: bands",
    title: "Local at the top, global below; elements without a scale in the bottom band",
  },
  {
    kind: "overlaps",
    label: "Remove overlaps",
    title: "Move overlapping elements apart, as little as possible",
  },
];

/** Three nodes and their links: the menu's icon. */
const LAYOUT_ICON = [
  "M6.5 8.5L12 16M17.5 8.5L12 16M6.5 6H17.5",
  "M8.5 6A2 2 0 1 1 4.5 6A2 2 0 1 1 8.5 6Z",
  "M19.5 6A2 2 0 1 1 15.5 6A2 2 0 1 1 19.5 6Z",
  "M14 18A2 2 0 1 1 10 18A2 2 0 1 1 14 18Z",
];

export class LayoutMenu {
  readonly element = htmlEl("div", { class: "cv-layout-menu" });
  private readonly button: HTMLButtonElement;
  private readonly menu = htmlEl("div", {
    class: "cv-menu",
    role: "menu",
    id: "cv-layout-menu",
    "aria-label": "Layout",
    hidden: true,
  });
  private readonly selectionOnly: HTMLButtonElement;
  private selectionChosen = false;

  constructor(private readonly host: LayoutMenuHost) {
    this.button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-tool",
        "data-testid": "layout-menu",
        title: "Lay out the map automatically",
        "aria-label": "Layout",
        "aria-haspopup": "menu",
        "aria-expanded": "false",
        "aria-controls": "cv-layout-menu",
      },
      [iconSvg(LAYOUT_ICON), htmlEl("span", {}, ["Layout"])],
    );
    this.button.addEventListener("click", () => (this.isOpen() ? this.close() : this.open()));
    this.button.addEventListener("keydown", (e) => {
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      e.preventDefault();
      e.stopPropagation();
      this.open(e.key === "ArrowUp" ? -1 : 0);
    });
    for (const item of ITEMS) {
      const entry = htmlEl(
        "button",
        {
          type: "button",
          role: "menuitem",
          class: "cv-menu-item",
          "data-testid": `layout-${item.kind}`,
          title: item.title,
          tabindex: -1,
        },
        [item.label],
      );
      entry.addEventListener("click", () => this.choose(item.kind));
      this.menu.append(entry);
    }
    this.selectionOnly = htmlEl(
      "button",
      {
        type: "button",
        role: "menuitemcheckbox",
        class: "cv-menu-item cv-menu-check",
        "data-testid": "layout-selection-only",
        "aria-checked": "false",
        tabindex: -1,
      },
      ["Lay out the selection only"],
    );
    this.selectionOnly.addEventListener("click", () => {
      this.selectionChosen = !this.selectionChosen;
      this.selectionOnly.setAttribute("aria-checked", String(this.selectionChosen));
    });
    this.menu.append(
      htmlEl("div", { role: "separator", class: "cv-menu-sep" }),
      this.selectionOnly,
      htmlEl("p", { class: "cv-menu-hint", "data-testid": "layout-hint" }, [
        "Pinned elements stay put. Undo puts everything back.",
      ]),
    );
    this.menu.addEventListener("keydown", (e) => this.keydown(e));
    this.menu.addEventListener("focusout", (e) => {
      const to = e.relatedTarget;
      if (!(to instanceof Node) || !this.element.contains(to)) this.close(false);
    });
    this.element.append(this.button, this.menu);
    this.refresh();
  }

  refresh(): void {
    this.button.disabled = !this.host.enabled();
    if (this.button.disabled) this.close(false);
  }

  isOpen(): boolean {
    return !this.menu.hidden;
  }

  /** Opens on item `focus` (negative: from the end). */
  open(focus = 0): void {
    if (!this.host.enabled()) return;
    const selection = this.host.hasSelection();
    if (!selection) this.selectionChosen = false;
    this.selectionOnly.hidden = !selection;
    this.selectionOnly.setAttribute("aria-checked", String(this.selectionChosen));
    this.menu.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    const items = this.items();
    items.at(focus < 0 ? items.length + focus : focus)?.focus();
  }

  close(refocus = true): void {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    if (refocus) this.button.focus();
  }

  private items(): HTMLButtonElement[] {
    return [...this.menu.querySelectorAll<HTMLButtonElement>(".cv-menu-item")].filter(
      (b) => !b.hidden,
    );
  }

  private choose(kind: LayoutKind): void {
    const selectionOnly = this.selectionChosen && this.host.hasSelection();
    this.close();
    this.host.layout(kind, selectionOnly);
  }

  private keydown(e: KeyboardEvent): void {
    const items = this.items();
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number) => items[(i + items.length) % items.length]?.focus();
    switch (e.key) {
      case "ArrowDown":
        go(at + 1);
        break;
      case "ArrowUp":
        go(at - 1);
        break;
      case "Home":
        go(0);
        break;
      case "End":
        go(items.length - 1);
        break;
      case "Escape":
        this.close();
        break;
      case "Tab":
        this.close(false);
        return;
      default:
        return;
    }
    // The map's own keys (arrows nudge, Escape deselects) must not act too.
    e.preventDefault();
    e.stopPropagation();
  }
}
