// The bar above the text: Write / Compare, the word count, the preview
// toggle and the Markdown download.

import { button, el, icon } from "./dom";

export type Mode = "write" | "compare";

export interface ToolbarActions {
  setMode(mode: Mode): void;
  togglePreview(): void;
  download(): void;
}

export interface ToolbarState {
  mode: Mode;
  previewOn: boolean;
  hasVariant: boolean;
}

export class DraftToolbar {
  readonly element: HTMLElement;
  private readonly writeButton: HTMLButtonElement;
  private readonly compareButton: HTMLButtonElement;
  private readonly previewButton: HTMLButtonElement;
  private readonly exportButton: HTMLButtonElement;
  private readonly status: HTMLElement;

  constructor(actions: ToolbarActions) {
    this.writeButton = button("Write", () => actions.setMode("write"), { class: "draft-segment" });
    this.compareButton = button("Compare", () => actions.setMode("compare"), {
      class: "draft-segment",
    });
    this.previewButton = button(
      el("span", { class: "draft-button-label" }, icon("eye"), "Preview"),
      () => actions.togglePreview(),
      {
        class: "draft-button",
        "data-testid": "preview-toggle",
        title: "Show the formatted text beside the editor",
      },
    );
    this.exportButton = button(
      el("span", { class: "draft-button-label" }, icon("download"), "Export .md"),
      () => actions.download(),
      { class: "draft-button", title: "Download this variant as a Markdown file" },
    );
    this.status = el("span", { class: "draft-status" });
    this.element = el(
      "div",
      { class: "draft-toolbar" },
      el(
        "div",
        { class: "draft-segmented", role: "group", "aria-label": "Mode" },
        this.writeButton,
        this.compareButton,
      ),
      el("div", { class: "draft-toolbar-spacer" }),
      this.status,
      this.previewButton,
      this.exportButton,
    );
  }

  update(state: ToolbarState): void {
    this.writeButton.setAttribute("aria-pressed", String(state.mode === "write"));
    this.compareButton.setAttribute("aria-pressed", String(state.mode === "compare"));
    this.previewButton.setAttribute("aria-pressed", String(state.previewOn));
    this.previewButton.disabled = state.mode !== "write";
    this.exportButton.disabled = !state.hasVariant;
  }

  /** "1,234 words", or nothing without a variant. */
  showWordCount(words: number | undefined): void {
    this.status.textContent =
      words === undefined ? "" : `${words.toLocaleString()} ${words === 1 ? "word" : "words"}`;
  }
}
