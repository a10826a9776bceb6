// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TextSelection } from "../../../src/draft/selection-anchors";
import { TextBinding, TYPING_PAUSE_MS } from "../../../src/draft/text-binding";
import { FakeDocument, typeInto } from "./fakes";

const GRIN = "\u{1F600}";

describe("TextBinding", () => {
  let doc: FakeDocument;
  let variant: string;
  let textarea: HTMLTextAreaElement;
  let binding: TextBinding;
  let canEdit: boolean;
  let edited: boolean[];
  let history: string[];
  let selections: TextSelection[];
  let errors: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    doc = new FakeDocument();
    variant = doc.createDraft("Invitation");
    doc.insertText(variant, 0, "Dear all,");
    textarea = document.createElement("textarea");
    document.body.append(textarea);
    canEdit = true;
    edited = [];
    history = [];
    selections = [];
    errors = [];
    binding = new TextBinding(textarea, {
      doc: doc.asDocument(),
      canEdit: () => canEdit,
      edited: (checkpoint) => edited.push(checkpoint),
      undo: () => {
        history.push("undo");
        // What undoing the typing of "Dear " would do.
        if (doc.text(variant).startsWith("Dear ")) doc.deleteText(variant, 0, 5);
      },
      redo: () => history.push("redo"),
      selectionChanged: (selection) => selections.push(selection),
      textChanged: () => {},
      error: (message) => errors.push(message),
    });
    binding.bind(variant);
    textarea.focus();
    doc.log.length = 0;
  });

  afterEach(() => {
    binding.destroy();
    textarea.remove();
    vi.useRealTimers();
  });

  const place = (start: number, end = start, direction: "forward" | "backward" = "forward") => {
    textarea.setSelectionRange(start, end, direction);
    textarea.dispatchEvent(new Event("select"));
  };

  it("shows the variant's text", () => {
    expect(textarea.value).toBe("Dear all,");
  });

  it("turns typing into inserts at code point positions", () => {
    place(4);
    typeInto(textarea, "insertText", "!");
    expect(doc.log).toEqual(['insert 4 "!"']);
    expect(doc.text(variant)).toBe("Dear! all,");
    expect(edited).toEqual([false]);
  });

  it("counts positions after an emoji in code points", () => {
    place(0);
    typeInto(textarea, "insertText", GRIN);
    place(textarea.value.length);
    typeInto(textarea, "insertText", "x");
    expect(doc.log).toEqual([`insert 0 "${GRIN}"`, 'insert 10 "x"']);
    typeInto(textarea, "deleteContentBackward", "");
    place(2);
    typeInto(textarea, "deleteContentBackward", "");
    expect(doc.log.slice(2)).toEqual(["delete 10 1", "delete 0 1"]);
    expect(doc.text(variant)).toBe("Dear all,");
  });

  it("replaces a selection by what is pasted over it", () => {
    place(5, 8);
    typeInto(textarea, "insertFromPaste", "friends");
    expect(doc.log).toEqual(["delete 5 3", 'insert 5 "friends"']);
    expect(doc.text(variant)).toBe("Dear friends,");
  });

  it("closes the undo step after a pause in typing", () => {
    place(9);
    typeInto(textarea, "insertText", " ");
    typeInto(textarea, "insertText", "w");
    expect(edited).toEqual([false, false]);
    vi.advanceTimersByTime(TYPING_PAUSE_MS - 10);
    expect(edited).toEqual([false, false]);
    vi.advanceTimersByTime(20);
    expect(edited).toEqual([false, false, true]);
  });

  it("closes the undo step when the caret jumps and on blur", () => {
    place(9);
    typeInto(textarea, "insertText", "!");
    place(0);
    expect(edited).toEqual([false, true]);
    typeInto(textarea, "insertText", "A");
    textarea.blur();
    expect(edited).toEqual([false, true, false, true]);
  });

  it("sends my selection in code points", () => {
    place(0);
    typeInto(textarea, "insertText", GRIN);
    place(2, 6, "backward");
    expect(selections.at(-1)).toEqual({ start: 1, end: 5, backward: true });
  });

  it("sends Ctrl+Z, Ctrl+Shift+Z and Ctrl+Y to the document's history, not the browser's", () => {
    const keys = [
      { key: "z", ctrlKey: true },
      { key: "Z", ctrlKey: true, shiftKey: true },
      { key: "y", ctrlKey: true },
      { key: "z", metaKey: true },
    ];
    const prevented = keys.map((init) => {
      const event = new KeyboardEvent("keydown", { ...init, cancelable: true, bubbles: true });
      textarea.dispatchEvent(event);
      return event.defaultPrevented;
    });
    expect(prevented).toEqual([true, true, true, true]);
    expect(history).toEqual(["undo", "redo", "redo", "undo"]);
  });

  it("cancels the browser's own undo from the edit menu", () => {
    const event = new InputEvent("beforeinput", { inputType: "historyUndo", cancelable: true });
    textarea.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
    expect(history).toEqual(["undo"]);
  });

  it("shows an undo at once and puts the caret where it happened", () => {
    place(9);
    textarea.dispatchEvent(
      new KeyboardEvent("keydown", { key: "z", ctrlKey: true, cancelable: true }),
    );
    expect(textarea.value).toBe("all,");
    expect(textarea.selectionStart).toBe(0);
  });

  it("keeps my caret and selection through remote edits before, after and inside", () => {
    // "Dear all," with "all" selected (UTF-16 5..8).
    place(5, 8, "backward");
    doc.remote(() => doc.insertText(variant, 0, `${GRIN} `)); // before: 2 code points, 3 units
    doc.remote(() => doc.insertText(variant, doc.textLength(variant), " Bye")); // after
    doc.remote(() => doc.insertText(variant, 8, "!")); // inside, after "a"
    binding.sync();
    expect(textarea.value).toBe(`${GRIN} Dear a!ll, Bye`);
    expect(textarea.value.slice(textarea.selectionStart, textarea.selectionEnd)).toBe("a!ll");
    expect(textarea.selectionDirection).toBe("backward");
    expect(selections.at(-1)).toEqual({ start: 7, end: 11, backward: true });
  });

  it("keeps the scroll position when text arrives", () => {
    textarea.scrollTop = 40;
    doc.remote(() => doc.insertText(variant, 0, "Hello\n"));
    binding.sync();
    expect(textarea.scrollTop).toBe(40);
  });

  it("does not rewrite the textarea during an IME composition", () => {
    place(9);
    textarea.dispatchEvent(new CompositionEvent("compositionstart"));
    typeInto(textarea, "insertCompositionText", "ka", { composing: true });
    doc.remote(() => doc.insertText(variant, 0, ">> "));
    binding.sync();
    expect(textarea.value).toBe("Dear all,ka");
    expect(doc.text(variant)).toBe(">> Dear all,");
    textarea.value = "Dear all,か";
    textarea.setSelectionRange(10, 10);
    textarea.dispatchEvent(new CompositionEvent("compositionend", { data: "か" }));
    expect(doc.text(variant)).toBe(">> Dear all,か");
    expect(textarea.value).toBe(">> Dear all,か");
    expect(textarea.selectionStart).toBe(textarea.value.length);
  });

  it("places my typing correctly when a remote edit is in the document but not yet shown", () => {
    place(9);
    doc.remote(() => doc.insertText(variant, 0, "XYZ "));
    typeInto(textarea, "insertText", "!");
    expect(doc.text(variant)).toBe("XYZ Dear all,!");
    expect(textarea.value).toBe("XYZ Dear all,!");
    expect(textarea.selectionStart).toBe(14);
  });

  it("takes no edits from an observer", () => {
    canEdit = false;
    place(4);
    typeInto(textarea, "insertText", "!");
    expect(doc.log).toEqual([]);
    expect(textarea.value).toBe("Dear all,");
  });

  it("shows the document again when it refuses an edit", () => {
    place(4);
    const refuse = vi.spyOn(doc, "insertText").mockImplementation(() => {
      throw new Error("name too long");
    });
    typeInto(textarea, "insertText", "!");
    refuse.mockRestore();
    expect(errors).toEqual(["name too long"]);
    expect(textarea.value).toBe("Dear all,");
  });

  it("returns to where I was when I come back to a variant", () => {
    const other = doc.createVariant(variant, "Funders", variant);
    place(2, 4);
    binding.bind(other);
    expect(textarea.selectionStart).toBe(0);
    binding.bind(variant);
    expect([textarea.selectionStart, textarea.selectionEnd]).toEqual([2, 4]);
  });
});
