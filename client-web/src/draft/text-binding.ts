// Binds a <textarea> to one variant's text. Local input becomes
// deleteText/insertText on the document; remote changes are written back into
// the textarea without moving my caret or losing my selection; undo and redo
// go to the document's history, never to the browser's.

import type { ConveneDocument, IdKey } from "../crdt/api";
import { CodePointText, countCodePoints, isHighSurrogate } from "./codepoints";
import {
  anchorSelection,
  resolveSelection,
  type SelectionAnchors,
  type TextSelection,
} from "./selection-anchors";
import {
  detectSplice,
  diffValues,
  rebaseEdit,
  toTextEdit,
  type InputHint,
  type TextEdit,
} from "./text-change";

/** What the binding needs from its surroundings. */
export interface TextBindingHost {
  doc: ConveneDocument;
  canEdit(): boolean;
  /** A local edit happened; `checkpoint` closes the undo step. */
  edited(checkpoint: boolean): void;
  undo(): void;
  redo(): void;
  /** My selection, in code points, whenever it changes (for presence). */
  selectionChanged(selection: TextSelection): void;
  /** The textarea's text changed, by me (`local`) or by someone else. */
  textChanged(local: boolean): void;
  error(message: string): void;
}

/** A pause in typing this long closes the undo step. */
export const TYPING_PAUSE_MS = 1000;
/** The most code points one TextInsert may carry (docs/crdt.md, Limits). */
const MAX_INSERT = 1_048_576;

interface DomSelection {
  start: number;
  end: number;
  direction: string;
}

interface SavedPlace {
  anchors?: SelectionAnchors;
  scrollTop: number;
}

export class TextBinding {
  private variant: IdKey | undefined;
  /** What the textarea shows; equals the document's text while in step. */
  private text = new CodePointText("");
  private anchors: SelectionAnchors | undefined;
  private lastSelection: DomSelection = { start: 0, end: 0, direction: "none" };
  private selectionBeforeInput: { start: number; end: number } | undefined;
  private composing = false;
  private remotePending = false;
  private stepOpen = false;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly places = new Map<IdKey, SavedPlace>();
  private readonly detach: () => void;

  constructor(
    readonly textarea: HTMLTextAreaElement,
    private readonly host: TextBindingHost,
  ) {
    this.detach = this.listen();
  }

  /** Shows a variant's text (or nothing), returning to where I was in it. */
  bind(variant: IdKey | undefined): void {
    if (variant === this.variant) return;
    this.closeStep();
    this.savePlace();
    this.variant = variant;
    this.remotePending = false;
    const text = variant ? this.host.doc.text(variant) : "";
    this.text = new CodePointText(text);
    this.textarea.value = text;
    const place = variant ? this.places.get(variant) : undefined;
    this.anchors = place?.anchors;
    const selection =
      variant && this.anchors ? resolveSelection(this.host.doc, variant, this.anchors) : undefined;
    this.applySelection(selection ?? { start: 0, end: 0, backward: false });
    this.textarea.scrollTop = place?.scrollTop ?? 0;
    this.noteSelection("program");
    this.host.textChanged(false);
  }

  /** Brings the textarea up to the document after edits from elsewhere. */
  sync(): void {
    this.showDocument(undefined);
  }

  /** My selection in code points. */
  selection(): TextSelection {
    return {
      start: this.text.toCodePoint(this.textarea.selectionStart),
      end: this.text.toCodePoint(this.textarea.selectionEnd),
      backward: this.textarea.selectionDirection === "backward",
    };
  }

  /** The text as shown, with its code point conversions. */
  shownText(): CodePointText {
    return this.text;
  }

  /** Ends the current undo step now (the app is about to do something else). */
  closeStep(): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    if (!this.stepOpen) return;
    this.stepOpen = false;
    this.host.edited(true);
  }

  destroy(): void {
    this.closeStep();
    this.detach();
  }

  // ---- events ------------------------------------------------------------

  private listen(): () => void {
    const ta = this.textarea;
    const doc = ta.ownerDocument;
    const onKeyDown = (e: KeyboardEvent) => this.onKeyDown(e);
    const onBeforeInput = (e: InputEvent) => this.onBeforeInput(e);
    const onInput = (e: Event) => this.onInput(e as InputEvent);
    const onCompositionStart = () => {
      this.composing = true;
    };
    const onCompositionEnd = () => this.onCompositionEnd();
    const onBlur = () => this.closeStep();
    const onUserSelection = () => this.noteSelection("user");
    const onFocus = () => this.noteSelection("focus");
    const onDocumentSelection = () => {
      if (doc.activeElement === ta) this.noteSelection("user");
    };
    ta.addEventListener("keydown", onKeyDown);
    ta.addEventListener("beforeinput", onBeforeInput);
    ta.addEventListener("input", onInput);
    ta.addEventListener("compositionstart", onCompositionStart);
    ta.addEventListener("compositionend", onCompositionEnd);
    ta.addEventListener("blur", onBlur);
    ta.addEventListener("select", onUserSelection);
    ta.addEventListener("selectionchange", onUserSelection);
    ta.addEventListener("keyup", onUserSelection);
    ta.addEventListener("mouseup", onUserSelection);
    ta.addEventListener("focus", onFocus);
    doc.addEventListener("selectionchange", onDocumentSelection);
    return () => {
      ta.removeEventListener("keydown", onKeyDown);
      ta.removeEventListener("beforeinput", onBeforeInput);
      ta.removeEventListener("input", onInput);
      ta.removeEventListener("compositionstart", onCompositionStart);
      ta.removeEventListener("compositionend", onCompositionEnd);
      ta.removeEventListener("blur", onBlur);
      ta.removeEventListener("select", onUserSelection);
      ta.removeEventListener("selectionchange", onUserSelection);
      ta.removeEventListener("keyup", onUserSelection);
      ta.removeEventListener("mouseup", onUserSelection);
      ta.removeEventListener("focus", onFocus);
      doc.removeEventListener("selectionchange", onDocumentSelection);
    };
  }

  private onKeyDown(e: KeyboardEvent): void {
    const history = historyShortcut(e);
    if (!history) return;
    // The app's own Ctrl+Z handler must not undo a second time.
    e.preventDefault();
    e.stopPropagation();
    this.runHistory(history);
  }

  private onBeforeInput(e: InputEvent): void {
    if (e.inputType === "historyUndo" || e.inputType === "historyRedo") {
      e.preventDefault();
      this.runHistory(e.inputType === "historyUndo" ? "undo" : "redo");
      return;
    }
    if (!this.variant || !this.host.canEdit()) {
      e.preventDefault();
      return;
    }
    this.selectionBeforeInput = {
      start: this.textarea.selectionStart,
      end: this.textarea.selectionEnd,
    };
  }

  private onInput(e: InputEvent): void {
    // Composed text is taken in once, at compositionend.
    if (this.composing || e.isComposing) return;
    this.commitInput();
  }

  private onCompositionEnd(): void {
    this.composing = false;
    this.selectionBeforeInput = undefined;
    this.commitInput();
    if (this.remotePending) this.sync();
  }

  // ---- local edits -------------------------------------------------------

  private commitInput(): void {
    const next = this.textarea.value;
    const old = this.text;
    const before = this.selectionBeforeInput;
    this.selectionBeforeInput = undefined;
    if (next === old.value) {
      this.noteSelection("input");
      return;
    }
    if (!this.variant || !this.host.canEdit()) {
      this.showValue(old.value, undefined);
      return;
    }
    const hint: InputHint | undefined = before && {
      selectionStart: before.start,
      selectionEnd: before.end,
      caretAfter: this.textarea.selectionStart,
    };
    const splice = detectSplice(old.value, next, hint);
    const edit = toTextEdit(splice, old);
    if (this.host.doc.textLength(this.variant) !== old.length) {
      // Someone's edit reached the document since the textarea last showed
      // it: put mine where it belongs in their text, then show both. (An
      // edit of theirs that kept the length slips through here; the next
      // sync shows the document as it is.)
      // Typing at my caret (no selection, nothing deleted): the caret's
      // anchor names the character my text follows.
      const atCaret =
        before !== undefined &&
        before.start === before.end &&
        before.start === this.lastSelection.start &&
        before.end === this.lastSelection.end &&
        edit.removed === 0 &&
        edit.position === old.toCodePoint(before.start);
      this.commitOverRemote(edit, atCaret);
      return;
    }
    if (!this.applyEdits(this.variant, [edit])) return;
    this.text = old.spliced(splice.start, splice.removed, splice.inserted, next);
    this.afterLocalEdit();
  }

  private commitOverRemote(mine: TextEdit, atCaret = false): void {
    const variant = this.variant!;
    const base = this.text;
    const theirs = toTextEdit(diffValues(base.value, this.host.doc.text(variant)), base);
    let edits = rebaseEdit(mine, theirs);
    // The diff guesses where their edit went, and next to equal characters
    // it can guess wrong (their space inserted before mine reads as after it):
    // text typed at my caret then lands inside their words. My caret's anchor
    // names the character it follows, so typing goes after that character.
    if (atCaret && this.anchors && this.anchors.end === undefined) {
      const caret = resolveSelection(this.host.doc, variant, this.anchors).start;
      edits = [{ position: caret, removed: 0, inserted: mine.inserted }];
    }
    if (!this.applyEdits(variant, edits)) return;
    const last = edits[edits.length - 1];
    const caret = last ? last.position + countCodePoints(last.inserted) : theirs.position;
    this.showDocument({ start: caret, end: caret, backward: false });
    this.afterLocalEdit();
  }

  private afterLocalEdit(): void {
    this.stepOpen = true;
    this.host.edited(false);
    clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.closeStep(), TYPING_PAUSE_MS);
    this.noteSelection("input");
    this.host.textChanged(true);
  }

  /** Applies edits in order; on refusal shows the document's text again. */
  private applyEdits(variant: IdKey, edits: TextEdit[]): boolean {
    const doc = this.host.doc;
    try {
      for (const edit of edits) {
        if (edit.removed > 0) doc.deleteText(variant, edit.position, edit.removed);
        let position = edit.position;
        for (const chunk of chunks(edit.inserted)) {
          doc.insertText(variant, position, chunk.text);
          position += chunk.length;
        }
      }
      return true;
    } catch (error) {
      this.host.error(error instanceof Error ? error.message : String(error));
      this.showDocument(undefined, { force: true });
      return false;
    }
  }

  private runHistory(kind: "undo" | "redo"): void {
    if (!this.host.canEdit() || this.composing) return;
    this.closeStep();
    const before = this.text.value;
    if (kind === "undo") this.host.undo();
    else this.host.redo();
    if (!this.variant) return;
    const after = this.host.doc.text(this.variant);
    if (after === before) return;
    // Put the caret where the undone or redone text is, as editors do.
    const change = diffValues(before, after);
    const shown = new CodePointText(after);
    const caret = shown.toCodePoint(change.start + change.inserted.length);
    this.showDocument({ start: caret, end: caret, backward: false }, { known: shown });
  }

  // ---- showing the document ----------------------------------------------

  /**
   * Writes the document's text into the textarea if it differs (or when
   * `force`d), with the given selection or else mine carried over by its
   * anchors, keeping the scroll position. Deferred while an IME composition
   * is under way.
   */
  private showDocument(
    selection: TextSelection | undefined,
    options: { known?: CodePointText; force?: boolean } = {},
  ): void {
    const variant = this.variant;
    if (!variant) return;
    if (this.composing) {
      this.remotePending = true;
      return;
    }
    this.remotePending = false;
    const value = options.known?.value ?? this.host.doc.text(variant);
    if (value === this.text.value && !selection && !options.force) return;
    // A caret move whose selectionchange has not come yet (it is queued
    // behind this frame) is taken in first, or the anchors would put the
    // caret back where it was before the move.
    if (!selection) this.noteSelection("user");
    const target =
      selection ??
      (this.anchors ? resolveSelection(this.host.doc, variant, this.anchors) : undefined);
    this.text = options.known ?? new CodePointText(value);
    this.showValue(value, target);
    this.noteSelection("program");
    this.host.textChanged(false);
  }

  private showValue(value: string, selection: TextSelection | undefined): void {
    const ta = this.textarea;
    const { scrollTop, scrollLeft } = ta;
    if (ta.value !== value) ta.value = value;
    if (selection) this.applySelection(selection);
    ta.scrollTop = scrollTop;
    ta.scrollLeft = scrollLeft;
  }

  private applySelection(selection: TextSelection): void {
    const start = this.text.toUtf16(selection.start);
    const end = this.text.toUtf16(selection.end);
    this.textarea.setSelectionRange(start, end, selection.backward ? "backward" : "forward");
    this.lastSelection = {
      start: this.textarea.selectionStart,
      end: this.textarea.selectionEnd,
      direction: this.textarea.selectionDirection ?? "none",
    };
  }

  /**
   * Re-anchors my selection and reports it when it changed (on focus, always:
   * others should see where I came in). A change the user made (click,
   * arrows) ends the typing step; one made by typing or by the program does
   * not.
   */
  private noteSelection(cause: "user" | "focus" | "input" | "program"): void {
    const ta = this.textarea;
    const current: DomSelection = {
      start: ta.selectionStart,
      end: ta.selectionEnd,
      direction: ta.selectionDirection ?? "none",
    };
    const unchanged =
      current.start === this.lastSelection.start &&
      current.end === this.lastSelection.end &&
      current.direction === this.lastSelection.direction;
    if (unchanged && cause === "user") return;
    this.lastSelection = current;
    if (cause === "user") this.closeStep();
    if (this.composing || !this.variant) return;
    let selection = this.selection();
    // While the document is ahead of the textarea (someone's edit waits for
    // the next frame), positions in the textarea are positions in the text
    // shown: carry them over that edit before anchoring them. Keeping the
    // anchors from before instead would put a caret I just moved back where
    // it was when the textarea catches up.
    if (this.host.doc.textLength(this.variant) !== this.text.length) {
      const theirs = toTextEdit(
        diffValues(this.text.value, this.host.doc.text(this.variant)),
        this.text,
      );
      selection = carrySelection(selection, theirs);
    }
    this.anchors = anchorSelection(this.host.doc, this.variant, selection);
    this.host.selectionChanged(selection);
  }

  private savePlace(): void {
    if (!this.variant) return;
    this.places.set(this.variant, { anchors: this.anchors, scrollTop: this.textarea.scrollTop });
  }
}

/**
 * A selection in a text, moved over an edit of that text: positions after
 * the edit shift by its length change, positions in what it removed go to
 * its start, and a caret right where text went in stays before it (a caret
 * sticks to the character before it).
 */
function carrySelection(selection: TextSelection, edit: TextEdit): TextSelection {
  const end = edit.position + edit.removed;
  const shift = countCodePoints(edit.inserted) - edit.removed;
  const carry = (p: number) => (p <= edit.position ? p : p >= end ? p + shift : edit.position);
  const start = carry(selection.start);
  const stop = Math.max(start, carry(selection.end));
  return { start, end: stop, backward: selection.backward && stop > start };
}

/** "undo" / "redo" for the usual shortcuts (Ctrl or Cmd). */
export function historyShortcut(e: KeyboardEvent): "undo" | "redo" | undefined {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return undefined;
  const key = e.key.toLowerCase();
  if (key === "z") return e.shiftKey ? "redo" : "undo";
  if (key === "y" && !e.shiftKey) return "redo";
  return undefined;
}

/** Splits a text into inserts within the document's limit, pairs kept whole. */
function* chunks(text: string): Generator<{ text: string; length: number }> {
  if (text === "") return;
  if (text.length <= MAX_INSERT) {
    yield { text, length: countCodePoints(text) };
    return;
  }
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + MAX_INSERT, text.length);
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end--;
    const piece = text.slice(start, end);
    yield { text: piece, length: countCodePoints(piece) };
    start = end;
  }
}
