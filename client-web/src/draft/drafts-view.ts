// The drafts view: co-writing the convening call's invitation texts. A list
// of drafts, each draft's variants as tabs, a plain-text Markdown editor
// bound to the text CRDT with everyone's carets, a live preview, and a
// side-by-side comparison of two variants.

import "./drafts.css";
import type { ConveneDocument, IdKey, NamedView, VariantView } from "../crdt/api";
import type { AppContext } from "../ui/context";
import { ComparePane } from "./compare-pane";
import { button, debounce, el, icon } from "./dom";
import { renderSidebar } from "./drafts-sidebar";
import { markdownExport } from "./export";
import { opIdFromKey } from "./ids";
import { countWords, renderMarkdownInto } from "./markdown";
import { nameField } from "./name-field";
import type { ListControls, Naming } from "./naming";
import { RemoteCaretLayer, remoteCaretsIn } from "./remote-carets";
import { anchorAndHead, type TextSelection } from "./selection-anchors";
import { TextBinding } from "./text-binding";
import { DraftToolbar, type Mode } from "./toolbar";
import { renderTabs } from "./variant-tabs";

export interface DraftsView {
  /** The root; the app places and sizes it. */
  element: HTMLElement;
  showDraft(draft: IdKey, variant?: IdKey): void;
  currentVariant(): IdKey | undefined;
  exportMarkdown(variant: IdKey): { filename: string; text: string };
  repaint(): void;
  destroy(): void;
}

export interface DraftsViewOptions {
  /** Another state of the document (the history timeslider's). */
  doc?: ConveneDocument;
  /** Nothing can be edited (history). */
  readOnly?: boolean;
}

export function createDraftsView(ctx: AppContext, options: DraftsViewOptions = {}): DraftsView {
  const view = new DraftsViewController(ctx, options);
  return {
    element: view.element,
    showDraft: (draft, variant) => view.showDraft(draft, variant),
    currentVariant: () => view.currentVariant(),
    exportMarkdown: (variant) => markdownExport(view.doc, variant),
    repaint: () => view.repaint(),
    destroy: () => view.destroy(),
  };
}

/** Above this many UTF-16 units, work that re-reads the whole text waits longer. */
const LARGE_TEXT = 20_000;
const DELETE_CONFIRM_MS = 4000;

class DraftsViewController {
  readonly element: HTMLElement;
  readonly doc: ConveneDocument;
  private readonly readOnly: boolean;
  private draft: IdKey | undefined;
  private variant: IdKey | undefined;
  private mode: Mode = "write";
  private previewOn = true;
  private naming: Naming | undefined;
  private armedDelete: IdKey | undefined;
  private armTimer: ReturnType<typeof setTimeout> | undefined;
  /** Creating a draft or variant moves the focus to its text once shown. */
  private focusEditorSoon = false;
  /** What the drafts list and the tabs last showed (see renderLists). */
  private sidebarKey = "";
  private tabsKey = "";
  /** Whether the controls were last rendered enabled. */
  private renderedCanEdit = false;
  /** My caret is shared once I have been in the editor, not merely opened the view. */
  private caretShared = false;

  private readonly layout: HTMLElement;
  private readonly empty: HTMLElement;
  private sidebar: HTMLElement;
  private readonly title: HTMLElement;
  private readonly badge: HTMLElement;
  private tabs: HTMLElement;
  private readonly toolbar: DraftToolbar;
  private readonly writeArea: HTMLElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly preview: HTMLElement;
  private readonly compare: ComparePane;
  private readonly binding: TextBinding;
  private readonly carets: RemoteCaretLayer;

  private readonly previewSoon = debounce(
    () => this.renderPreview(),
    () => {
      const size = this.binding.shownText().value.length;
      return size < LARGE_TEXT ? 60 : 150 + size / 250;
    },
  );
  private caretTimer: ReturnType<typeof setTimeout> | undefined;
  private lastCaretRender = 0;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly ctx: AppContext,
    options: DraftsViewOptions,
  ) {
    this.doc = options.doc ?? ctx.doc;
    this.readOnly = options.readOnly ?? false;

    this.textarea = el("textarea", {
      class: "draft-editor",
      "data-testid": "draft-editor",
      spellcheck: "true",
      "aria-label": "Draft text",
      placeholder: "Write the invitation here. Markdown works: # Heading, **bold**, - a list.",
    });
    this.binding = new TextBinding(this.textarea, {
      doc: this.doc,
      canEdit: () => this.canEdit(),
      edited: (checkpoint) => this.ctx.edited(checkpoint),
      undo: () => this.ctx.undo(),
      redo: () => this.ctx.redo(),
      selectionChanged: (selection) => this.sendCaret(selection),
      textChanged: (local) => this.textChanged(local),
      error: (message) => this.ctx.toast(message, "error"),
    });
    this.carets = new RemoteCaretLayer(this.textarea);
    this.preview = el("section", {
      class: "draft-preview markdown-body",
      "data-testid": "draft-preview",
      "aria-label": "Preview",
    });
    this.writeArea = el(
      "div",
      { class: "draft-write" },
      el(
        "div",
        { class: "draft-editor-wrap" },
        this.textarea,
        this.carets.element,
        this.carets.mirrorElement,
      ),
      this.preview,
    );
    this.compare = new ComparePane(() => this.doc);

    this.toolbar = new DraftToolbar({
      setMode: (mode) => this.setMode(mode),
      togglePreview: () => this.togglePreview(),
      download: () => this.download(),
    });
    this.title = el("h1", { class: "draft-title" });
    this.badge = el("span", { class: "draft-badge", hidden: true });
    this.sidebar = el("aside", { class: "drafts-sidebar" });
    this.tabs = el("div", { class: "variant-tabs" });

    const header = el(
      "header",
      { class: "draft-header" },
      el("div", { class: "draft-title-row" }, this.title, this.badge),
      this.tabs,
    );
    const main = el(
      "div",
      { class: "drafts-main" },
      header,
      this.toolbar.element,
      this.writeArea,
      this.compare.element,
    );
    this.layout = el("div", { class: "drafts-layout" }, this.sidebar, main);
    this.empty = el("div", { class: "drafts-empty", hidden: true });
    this.element = el("div", { class: "drafts-view" }, this.layout, this.empty);

    this.listen();
    this.repaint();
  }

  // ---- public ------------------------------------------------------------

  showDraft(draft: IdKey, variant?: IdKey): void {
    this.draft = draft;
    this.variant = variant ?? draft;
    this.renderStructure();
  }

  currentVariant(): IdKey | undefined {
    return this.variant;
  }

  repaint(): void {
    this.renderStructure();
    this.binding.sync();
    this.renderPreview();
    this.scheduleCarets();
    if (this.mode === "compare") this.compare.refreshNow();
  }

  destroy(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.binding.destroy();
    this.compare.destroy();
    this.previewSoon.cancel();
    clearTimeout(this.caretTimer);
    clearTimeout(this.armTimer);
    if (this.caretShared) this.ctx.setPresence({ caret: undefined });
    this.element.remove();
  }

  // ---- subscriptions -------------------------------------------------------

  private listen(): void {
    // A separate document (history) is repainted by its owner, not by ctx.
    if (this.doc === this.ctx.doc) {
      this.cleanups.push(
        this.ctx.onChange((changes) => {
          if (changes.structure) this.renderStructure("background");
          if (this.variant && changes.texts.has(this.variant)) this.binding.sync();
          const { left, right } = this.compare.chosen();
          if (
            this.mode === "compare" &&
            ((left && changes.texts.has(left)) || (right && changes.texts.has(right)))
          ) {
            this.compare.refresh();
          }
        }),
      );
    }
    if (!this.readOnly) {
      this.cleanups.push(
        this.ctx.onPresence(() => {
          // A convener may have changed my role: controls follow at once.
          if (this.canEdit() !== this.renderedCanEdit) this.renderStructure();
          this.scheduleCarets();
        }),
      );
    }
    const onScroll = () => {
      this.carets.syncScroll();
      this.followScroll();
    };
    this.textarea.addEventListener("scroll", onScroll);
    this.cleanups.push(() => this.textarea.removeEventListener("scroll", onScroll));
    if (typeof ResizeObserver !== "undefined") {
      const observer = new ResizeObserver(() => this.scheduleCarets());
      observer.observe(this.textarea);
      this.cleanups.push(() => observer.disconnect());
    }
  }

  private canEdit(): boolean {
    return !this.readOnly && this.ctx.canEdit;
  }

  // ---- structure: drafts, variants ------------------------------------------

  /**
   * Re-reads drafts and variants and renders the list, tabs and toolbar.
   * A "background" render (the document changed, a timer ran out) waits
   * while a name is being typed, so the field is not taken away from under
   * the typing: ending the naming renders anyway.
   */
  private renderStructure(cause: "background" | "view" = "view"): void {
    if (cause === "background" && this.naming) return;
    const drafts = this.doc.drafts();
    if (!drafts.some((d) => d.id === this.draft)) {
      this.draft = drafts[0]?.id;
      this.variant = this.draft;
    }
    const variants = this.draft ? this.doc.variants(this.draft) : [];
    if (!variants.some((v) => v.id === this.variant)) this.variant = this.draft;
    const draft = drafts.find((d) => d.id === this.draft);

    this.layout.hidden = !draft;
    this.empty.hidden = !!draft;
    this.element.dataset.mode = this.mode;
    this.element.toggleAttribute("data-readonly", !this.canEdit());
    if (!draft) {
      // Nothing stays behind the empty state for tests or screen readers to find.
      this.sidebar = replace(this.sidebar, el("aside", { class: "drafts-sidebar" }));
      this.tabs = replace(this.tabs, el("div", { class: "variant-tabs" }));
      this.sidebarKey = this.tabsKey = "";
      this.renderEmpty();
    } else {
      this.empty.replaceChildren();
      this.renderLists(drafts, variants);
      this.title.textContent = draft.name || "Untitled";
      this.compare.setVariants(variants, this.variant);
    }
    this.renderToolbar();
    this.renderedCanEdit = this.canEdit();
    this.textarea.readOnly = !this.renderedCanEdit;
    this.binding.bind(this.variant);
    this.focusPending();
  }

  /**
   * The drafts list and the variant tabs, each rebuilt only when what it
   * shows changed: a click that ends a rename elsewhere (by blurring its
   * field) must still reach the button it was aimed at.
   */
  private renderLists(drafts: NamedView[], variants: VariantView[]): void {
    const draftIds = new Set(drafts.map((d) => d.id));
    const isDraft = (id: IdKey | undefined) => id !== undefined && draftIds.has(id);
    const naming = this.naming;
    const draftNaming =
      naming?.kind === "new-draft" || (naming?.kind === "rename" && isDraft(naming.id));
    const counts = drafts.map((d) =>
      d.id === this.draft ? variants.length : this.doc.variants(d.id).length,
    );
    const canEdit = this.canEdit();
    const sidebarKey = JSON.stringify([
      drafts,
      counts,
      this.draft,
      draftNaming ? naming : null,
      isDraft(this.armedDelete) ? this.armedDelete : null,
      canEdit,
    ]);
    const tabsKey = JSON.stringify([
      variants,
      this.variant,
      naming && !draftNaming ? naming : null,
      isDraft(this.armedDelete) ? null : this.armedDelete,
      canEdit,
    ]);
    const controls = this.listControls();
    if (sidebarKey !== this.sidebarKey) {
      this.sidebarKey = sidebarKey;
      this.sidebar = replace(
        this.sidebar,
        renderSidebar(
          {
            drafts,
            current: this.draft,
            variantCount: (id) => counts[drafts.findIndex((d) => d.id === id)],
            open: (id) => this.showDraft(id),
          },
          controls,
        ),
      );
    }
    if (tabsKey !== this.tabsKey) {
      this.tabsKey = tabsKey;
      this.tabs = replace(
        this.tabs,
        renderTabs(
          {
            draft: this.draft!,
            variants,
            current: this.variant,
            open: (id) => this.openVariant(id),
          },
          controls,
        ),
      );
    }
  }

  private renderEmpty(): void {
    const naming = this.naming?.kind === "new-draft";
    const action = !this.canEdit()
      ? el(
          "p",
          { class: "drafts-empty-note" },
          "No drafts yet. When someone starts one, it appears here.",
        )
      : naming
        ? el(
            "div",
            { class: "drafts-empty-naming" },
            nameField({
              initial: "",
              placeholder: "Name the draft, e.g. Spring invitation",
              label: "New draft name",
              commit: (name) => this.commitName({ kind: "new-draft" }, name),
              cancel: () => this.cancelNaming(),
            }),
            el("span", { class: "drafts-empty-hint" }, "Enter to create · Esc to cancel"),
          )
        : button(
            el("span", { class: "draft-button-label" }, icon("plus"), "New draft"),
            () => this.startNaming({ kind: "new-draft" }),
            { class: "draft-button draft-button-primary large", "data-testid": "draft-new" },
          );
    this.empty.replaceChildren(
      el(
        "div",
        { class: "drafts-empty-card" },
        el("div", { class: "drafts-empty-art" }, icon("doc")),
        el("h2", {}, "Write the invitation together"),
        el(
          "p",
          {},
          "Draft the convening call here. Everyone can write at once, and each audience can get its own variant of the text.",
        ),
        action,
      ),
    );
  }

  private renderToolbar(): void {
    this.toolbar.update({
      mode: this.mode,
      previewOn: this.previewOn,
      hasVariant: this.variant !== undefined,
    });
    this.writeArea.hidden = this.mode !== "write";
    this.writeArea.dataset.preview = this.previewOn ? "on" : "off";
    this.preview.hidden = !this.previewOn;
    this.compare.element.hidden = this.mode !== "compare";
    this.badge.hidden = this.canEdit();
    this.badge.textContent = this.readOnly
      ? "Earlier version · read-only"
      : "Observing · read-only";
  }

  private listControls(): ListControls {
    return {
      canEdit: this.canEdit(),
      naming: this.naming,
      armedDelete: this.armedDelete,
      startNaming: (naming) => this.startNaming(naming),
      commitName: (naming, name) => this.commitName(naming, name),
      cancelNaming: () => this.cancelNaming(),
      requestDelete: (id) => this.requestDelete(id),
    };
  }

  private startNaming(naming: Naming): void {
    if (!this.canEdit()) return;
    this.binding.closeStep();
    this.naming = naming;
    this.renderStructure();
  }

  private cancelNaming(): void {
    this.naming = undefined;
    // The field is leaving the DOM from inside its own event: re-render after.
    queueMicrotask(() => this.renderStructure());
  }

  private commitName(naming: Naming, name: string): void {
    this.naming = undefined;
    this.edit(() => {
      if (naming.kind === "new-draft") {
        this.draft = this.doc.createDraft(name);
        this.variant = this.draft;
        this.focusEditorSoon = true;
      } else if (naming.kind === "new-variant" && this.draft) {
        this.variant = this.doc.createVariant(this.draft, name, this.variant);
        this.focusEditorSoon = true;
      } else if (naming.kind === "rename") {
        this.doc.rename(naming.id, name);
      }
    });
    queueMicrotask(() => this.renderStructure());
  }

  private requestDelete(id: IdKey): void {
    if (!this.canEdit()) return;
    clearTimeout(this.armTimer);
    if (this.armedDelete !== id) {
      this.armedDelete = id;
      this.armTimer = setTimeout(() => {
        this.armedDelete = undefined;
        this.renderStructure("background");
      }, DELETE_CONFIRM_MS);
      this.renderStructure();
      this.element.querySelector<HTMLButtonElement>(".armed")?.focus();
      return;
    }
    this.armedDelete = undefined;
    const isDraft = this.doc.drafts().some((d) => d.id === id);
    this.edit(() => this.doc.remove(id));
    this.ctx.toast(
      isDraft ? "Draft deleted. Undo brings it back." : "Variant deleted. Undo brings it back.",
    );
    this.renderStructure();
  }

  /** One structural edit: its own undo step, errors shown, not thrown. */
  private edit(change: () => void): void {
    this.binding.closeStep();
    try {
      change();
      this.ctx.edited(true);
    } catch (error) {
      this.ctx.toast(error instanceof Error ? error.message : String(error), "error");
    }
  }

  private openVariant(variant: IdKey): void {
    this.variant = variant;
    this.renderStructure();
    if (this.mode === "write") this.textarea.focus({ preventScroll: true });
  }

  private focusPending(): void {
    if (this.naming) {
      this.element.querySelector<HTMLInputElement>(".draft-name-field")?.focus();
    } else if (this.focusEditorSoon && this.variant) {
      this.focusEditorSoon = false;
      this.setMode("write");
      this.textarea.focus();
    }
  }

  // ---- modes, preview, export ------------------------------------------------

  private setMode(mode: Mode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.binding.closeStep();
    this.element.dataset.mode = mode;
    this.renderToolbar();
    if (mode === "compare") {
      this.compare.refreshNow();
    } else {
      this.renderPreview();
    }
    this.scheduleCarets();
  }

  private togglePreview(): void {
    this.previewOn = !this.previewOn;
    this.renderToolbar();
    this.renderPreview();
    this.scheduleCarets(); // the editor's width changed
  }

  private textChanged(local: boolean): void {
    this.previewSoon.schedule();
    this.scheduleCarets();
    if (local && this.mode === "compare") this.compare.refresh();
  }

  private renderPreview(): void {
    this.previewSoon.cancel();
    const text = this.binding.shownText().value;
    this.toolbar.showWordCount(this.variant ? countWords(text) : undefined);
    if (!this.previewOn || this.mode !== "write") return;
    renderMarkdownInto(this.preview, text);
    if (text.trim() === "") {
      this.preview.replaceChildren(
        el("p", { class: "draft-preview-empty" }, "The formatted text appears here."),
      );
    }
  }

  /** Keeps the preview roughly at the same place in the text as the editor. */
  private followScroll(): void {
    if (!this.previewOn || this.preview.hidden) return;
    const ta = this.textarea;
    const range = ta.scrollHeight - ta.clientHeight;
    if (range <= 0) return;
    const ratio = ta.scrollTop / range;
    this.preview.scrollTop = ratio * (this.preview.scrollHeight - this.preview.clientHeight);
  }

  private download(): void {
    if (!this.variant) return;
    const { filename, text } = markdownExport(this.doc, this.variant);
    const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
    const link = el("a", { href: url, download: filename, hidden: true });
    this.element.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // ---- presence ----------------------------------------------------------

  private sendCaret(selection: TextSelection): void {
    if (this.readOnly || !this.variant) return;
    if (!this.caretShared && this.textarea.ownerDocument.activeElement !== this.textarea) return;
    this.caretShared = true;
    const { anchor, head } = anchorAndHead(selection);
    this.ctx.setPresence({
      caret: { variant: opIdFromKey(this.variant), anchor: BigInt(anchor), head: BigInt(head) },
    });
  }

  /**
   * Others' carets are measured at most once per frame, and for large texts
   * at most every quarter second: measuring lays the text out again.
   */
  private scheduleCarets(): void {
    if (this.caretTimer !== undefined) return;
    const size = this.binding.shownText().value.length;
    const wait =
      size < LARGE_TEXT * 2 ? 0 : Math.max(0, 250 - (performance.now() - this.lastCaretRender));
    this.caretTimer = setTimeout(() => {
      nextFrame(() => {
        this.caretTimer = undefined;
        this.lastCaretRender = performance.now();
        this.renderCarets();
      });
    }, wait);
  }

  private renderCarets(): void {
    const show =
      !this.readOnly &&
      this.mode === "write" &&
      this.variant !== undefined &&
      this.element.isConnected;
    const carets = show
      ? remoteCaretsIn(this.ctx.participants(), this.ctx.me.id, this.variant!)
      : [];
    this.carets.render(this.binding.shownText(), carets);
  }
}

function replace(old: HTMLElement, next: HTMLElement): HTMLElement {
  old.replaceWith(next);
  return next;
}

function nextFrame(run: () => void): void {
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => run());
  else setTimeout(run, 16);
}
