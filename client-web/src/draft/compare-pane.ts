// The compare mode: pick two variants of the draft, see them side by side
// with what differs marked word by word.

import type { ConveneDocument, IdKey, VariantView } from "../crdt/api";
import { diffStats, renderSideBySide, wordDiff } from "./compare";
import { button, debounce, el, icon } from "./dom";
import { orderedVariants, variantLabel } from "./variant-tabs";

export class ComparePane {
  readonly element: HTMLElement;
  private readonly leftSelect: HTMLSelectElement;
  private readonly rightSelect: HTMLSelectElement;
  private readonly leftTitle: HTMLElement;
  private readonly rightTitle: HTMLElement;
  private readonly leftText: HTMLElement;
  private readonly rightText: HTMLElement;
  private readonly stats: HTMLElement;
  private readonly note: HTMLElement;
  private variants: VariantView[] = [];
  private left: IdKey | undefined;
  private right: IdKey | undefined;
  private readonly refreshSoon = debounce(
    () => this.refreshNow(),
    () => 150 + this.textSize() / 500,
  );

  constructor(private readonly doc: () => ConveneDocument) {
    this.leftSelect = el("select", {
      class: "compare-select",
      "data-testid": "compare-left",
      "aria-label": "Left",
    });
    this.rightSelect = el("select", {
      class: "compare-select",
      "data-testid": "compare-right",
      "aria-label": "Right",
    });
    this.leftSelect.addEventListener("change", () =>
      this.choose(this.leftSelect.value, this.right),
    );
    this.rightSelect.addEventListener("change", () =>
      this.choose(this.left, this.rightSelect.value),
    );
    const swap = button(icon("swap"), () => this.choose(this.right, this.left), {
      class: "draft-icon-button",
      title: "Swap sides",
      "aria-label": "Swap sides",
    });
    this.stats = el("div", { class: "compare-stats", "aria-live": "polite" });
    this.note = el("p", { class: "compare-note", hidden: true });
    this.leftTitle = el("h3", { class: "compare-title" });
    this.rightTitle = el("h3", { class: "compare-title" });
    this.leftText = el("div", { class: "compare-text", "data-side": "left" });
    this.rightText = el("div", { class: "compare-text", "data-side": "right" });
    this.element = el(
      "section",
      { class: "draft-compare", "data-testid": "draft-compare", "aria-label": "Compare variants" },
      el("div", { class: "compare-head" }, this.leftSelect, swap, this.rightSelect, this.stats),
      this.note,
      el(
        "div",
        { class: "compare-panes" },
        el("div", { class: "compare-pane" }, this.leftTitle, this.leftText),
        el("div", { class: "compare-pane" }, this.rightTitle, this.rightText),
      ),
    );
  }

  /**
   * The variants to choose from and the one being edited. Choices survive
   * while their variants exist; by default the base is on the left and the
   * edited variant (or the first other one) on the right.
   */
  setVariants(variants: VariantView[], current: IdKey | undefined): void {
    this.variants = orderedVariants(variants);
    const ids = new Set(this.variants.map((v) => v.id));
    const base = this.variants[0]?.id;
    if (!this.left || !ids.has(this.left)) this.left = base;
    if (!this.right || !ids.has(this.right)) {
      const other = this.variants.find((v) => v.id !== this.left);
      this.right = current && current !== this.left ? current : (other?.id ?? this.left);
    }
    fillSelect(this.leftSelect, this.variants, this.left);
    fillSelect(this.rightSelect, this.variants, this.right);
  }

  chosen(): { left: IdKey | undefined; right: IdKey | undefined } {
    return { left: this.left, right: this.right };
  }

  choose(left: IdKey | undefined, right: IdKey | undefined): void {
    this.left = left;
    this.right = right;
    fillSelect(this.leftSelect, this.variants, left);
    fillSelect(this.rightSelect, this.variants, right);
    this.refreshNow();
  }

  /** After a text change: diffs are costly, so a burst of edits diffs once. */
  refresh(): void {
    this.refreshSoon.schedule();
  }

  refreshNow(): void {
    this.refreshSoon.cancel();
    const { left, right } = this;
    const name = (id: IdKey | undefined) => {
      const variant = this.variants.find((v) => v.id === id);
      return variant ? variantLabel(variant) : "";
    };
    this.leftTitle.textContent = name(left);
    this.rightTitle.textContent = name(right);
    if (!left || !right) {
      this.showNote("Nothing to compare yet.");
      this.leftText.replaceChildren();
      this.rightText.replaceChildren();
      this.stats.replaceChildren();
      return;
    }
    const doc = this.doc();
    const diff = wordDiff(doc.text(left), doc.text(right));
    renderSideBySide(diff.segments, this.leftText, this.rightText);
    this.showStats(diff.segments, left === right);
    if (left === right)
      this.showNote("Both sides show the same variant: pick another on one side.");
    else if (diff.granularity === "lines")
      this.showNote("These texts differ a lot, so changes are marked by line.");
    else this.showNote(undefined);
  }

  destroy(): void {
    this.refreshSoon.cancel();
  }

  private showStats(segments: ReturnType<typeof wordDiff>["segments"], same: boolean): void {
    if (same) {
      this.stats.replaceChildren();
      return;
    }
    const { added, removed } = diffStats(segments);
    this.stats.replaceChildren(
      el("span", { class: "compare-chip added" }, `+${added} ${added === 1 ? "word" : "words"}`),
      el(
        "span",
        { class: "compare-chip removed" },
        `−${removed} ${removed === 1 ? "word" : "words"}`,
      ),
    );
  }

  private showNote(text: string | undefined): void {
    this.note.hidden = text === undefined;
    this.note.textContent = text ?? "";
  }

  private textSize(): number {
    const doc = this.doc();
    const { left, right } = this;
    return (left ? doc.textLength(left) : 0) + (right ? doc.textLength(right) : 0);
  }
}

function fillSelect(
  select: HTMLSelectElement,
  variants: VariantView[],
  chosen: IdKey | undefined,
): void {
  select.replaceChildren(
    ...variants.map((variant) =>
      el("option", { value: variant.id, selected: variant.id === chosen }, variantLabel(variant)),
    ),
  );
  if (chosen) select.value = chosen;
}
