// The search box of the map ("/" or Ctrl+K / Cmd+K): a combobox over the
// map's search index. Arrow keys move through the results, Enter goes to the
// one chosen, Escape closes and gives focus back to where it was.
import type { IdKey } from "../crdt/api";
import { htmlEl } from "./dom";
import { iconSvg, TOOL_ICONS } from "./icons";
import type { SearchHit } from "./search";

/** A magnifying glass. */
export const FIND_ICON = [
  "M10.5 4A6.5 6.5 0 1 1 10.5 17A6.5 6.5 0 1 1 10.5 4Z",
  "M15.5 15.5L20.5 20.5",
];

export interface FinderHost {
  /** Everything the query finds, best first. */
  search(query: string): SearchHit[];
  /** What the entity is, in a word or two ("Person", "Connection"). */
  describe(id: IdKey): string;
  /**
   * The query changed: the map marks what it finds (`found`, best first;
   * "" and none when the box closes).
   */
  queryChanged(query: string, found: readonly SearchHit[]): void;
  /** Go to this result. */
  choose(id: IdKey): void;
}

/** What the box says; the map's search by default, other pickers their own. */
export interface FinderWords {
  placeholder: string;
  label: string;
  /** data-testid of the input and of the list. */
  inputTestId: string;
  listTestId: string;
  listLabel: string;
  closeLabel: string;
}

const FIND_WORDS: FinderWords = {
  placeholder: "Find on this map (labels, tags, notes)",
  label: "Find on this map",
  inputTestId: "find-input",
  listTestId: "find-results",
  listLabel: "Found on this map",
  closeLabel: "Close search",
};

/** Results listed at most; the map marks them all. */
/** Results listed at most (the map marks them all). */
export const LISTED = 30;

let instances = 0;

export class Finder {
  readonly element = htmlEl("div", { class: "cv-find", hidden: true });
  private readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly status = htmlEl("div", { class: "cv-find-status", role: "status" });
  private readonly prefix = `cv-find-${++instances}`;
  private hits: SearchHit[] = [];
  private active = -1;
  /** The user (or an arrow key) scrolled the list since it was last drawn. */
  private listScrolled = false;
  private returnFocus: Element | null = null;

  constructor(
    private readonly host: FinderHost,
    words: FinderWords = FIND_WORDS,
  ) {
    this.input = htmlEl("input", {
      type: "text",
      class: "cv-find-input",
      "data-testid": words.inputTestId,
      placeholder: words.placeholder,
      "aria-label": words.label,
      role: "combobox",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": `${this.prefix}-list`,
      autocomplete: "off",
      spellcheck: "false",
    });
    this.list = htmlEl("ul", {
      class: "cv-find-results",
      id: `${this.prefix}-list`,
      role: "listbox",
      "aria-label": words.listLabel,
      "data-testid": words.listTestId,
    });
    const close = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-icon-btn",
        title: "Close (Esc)",
        "aria-label": words.closeLabel,
      },
      [iconSvg(TOOL_ICONS.close, 16)],
    );
    close.addEventListener("click", () => this.close());
    this.element.append(
      htmlEl("div", { class: "cv-find-box" }, [iconSvg(FIND_ICON, 18), this.input, close]),
      this.status,
      this.list,
    );
    this.input.addEventListener("input", () => this.update());
    this.input.addEventListener("keydown", (e) => this.keydown(e));
    // Choosing with the pointer must not blur the input first.
    this.list.addEventListener("pointerdown", (e) => e.preventDefault());
    this.list.addEventListener("scroll", () => (this.listScrolled = true), { passive: true });
    this.list.addEventListener("click", (e) => {
      const option = e.target instanceof Element ? e.target.closest("[data-index]") : null;
      if (option) this.choose(Number(option.getAttribute("data-index")));
    });
  }

  isOpen(): boolean {
    return !this.element.hidden;
  }

  open(): void {
    if (!this.isOpen()) {
      this.returnFocus = document.activeElement;
      this.element.hidden = false;
    }
    this.input.focus();
    this.input.select();
    if (this.input.value) this.update();
  }

  close(): void {
    if (!this.isOpen()) return;
    this.element.hidden = true;
    this.host.queryChanged("", []);
    const back = this.returnFocus;
    this.returnFocus = null;
    if (back instanceof HTMLElement || back instanceof SVGElement) back.focus();
  }

  /** Runs the query again (the map changed under an open box). */
  refresh(): void {
    if (this.isOpen() && this.input.value) this.update();
  }

  private update(): void {
    const query = this.input.value;
    this.hits = this.host.search(query);
    this.active = this.hits.length > 0 ? 0 : -1;
    this.host.queryChanged(query, this.hits);
    this.render(query);
  }

  private render(query: string): void {
    const shown = this.hits.slice(0, LISTED);
    this.list.replaceChildren(
      ...shown.map((hit, i) =>
        htmlEl(
          "li",
          {
            id: `${this.prefix}-${i}`,
            role: "option",
            class: "cv-find-result",
            "data-index": i,
            "data-id": hit.id,
            "aria-selected": String(i === this.active),
          },
          [
            htmlEl("span", { class: "cv-find-label" }, [
              ...(hit.rank.startsWith("label")
                ? marked(hit.text, hit.start, hit.end)
                : [hit.label || "(no label)"]),
            ]),
            htmlEl("span", { class: "cv-find-detail" }, detail(hit, this.host.describe(hit.id))),
          ],
        ),
      ),
    );
    const more = this.hits.length - shown.length;
    this.status.textContent = !query.trim()
      ? ""
      : this.hits.length === 0
        ? `Nothing here matches “${query.trim()}”.`
        : more > 0
          ? `${this.hits.length} found; the first ${LISTED} are listed.`
          : `${this.hits.length} found.`;
    this.input.setAttribute("aria-expanded", String(shown.length > 0));
    // A new list starts at its top. Only a list the user scrolled is reset:
    // setting scrollTop lays the whole page out, the map with it, at once.
    if (this.listScrolled) this.list.scrollTop = 0;
    this.listScrolled = false;
    this.moveTo(this.active, false);
  }

  /** Marks result `index` as the active one; `scroll` brings it into the list's view. */
  private moveTo(index: number, scroll = true): void {
    const count = Math.min(this.hits.length, LISTED);
    if (count === 0) {
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    this.active = (index + count) % count;
    for (const option of this.list.children)
      option.setAttribute(
        "aria-selected",
        String(option.getAttribute("data-index") === String(this.active)),
      );
    this.input.setAttribute("aria-activedescendant", `${this.prefix}-${this.active}`);
    const option = this.list.children[this.active] as HTMLElement | undefined;
    if (scroll) option?.scrollIntoView?.({ block: "nearest" });
  }

  private keydown(e: KeyboardEvent): void {
    switch (e.key) {
      case "ArrowDown":
        this.moveTo(this.active + 1);
        break;
      case "ArrowUp":
        this.moveTo(this.active - 1);
        break;
      case "Enter":
        if (this.active >= 0) this.choose(this.active);
        break;
      case "Escape":
        this.close();
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private choose(index: number): void {
    const hit = this.hits[index];
    if (!hit) return;
    this.returnFocus = null;
    this.close();
    this.host.choose(hit.id);
  }
}

/** `text` with [start, end) in a <mark>. */
function marked(text: string, start: number, end: number): (Node | string)[] {
  return [text.slice(0, start), htmlEl("mark", {}, [text.slice(start, end)]), text.slice(end)];
}

function detail(hit: SearchHit, kind: string): (Node | string)[] {
  if (hit.rank === "tag") return [kind, " · tag ", ...marked(hit.text, hit.start, hit.end)];
  if (hit.rank === "notes") return [kind, " · ", ...marked(hit.text, hit.start, hit.end)];
  return [kind];
}
