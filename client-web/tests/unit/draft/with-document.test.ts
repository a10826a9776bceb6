// @vitest-environment jsdom
// The textarea binding against the real CRDT: two replicas exchanging ops.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Document } from "../../../src/crdt/document";
import { TextBinding } from "../../../src/draft/text-binding";
import { typeInto } from "./fakes";

const GRIN = "\u{1F600}";

function ship(from: Document, to: Document): void {
  for (const op of from.takeOutbox()) expect(to.apply(op).status).toBe("ok");
}

describe("TextBinding with the real document", () => {
  let mine: Document;
  let theirs: Document;
  let variant: string;
  let textarea: HTMLTextAreaElement;
  let binding: TextBinding;

  beforeEach(() => {
    mine = new Document(1n);
    theirs = new Document(2n);
    variant = mine.createDraft("Invitation");
    mine.insertText(variant, 0, `Dear ${GRIN} all,`);
    ship(mine, theirs);
    mine.undoCheckpoint();
    textarea = document.createElement("textarea");
    document.body.append(textarea);
    binding = new TextBinding(textarea, {
      doc: mine,
      canEdit: () => true,
      edited: (checkpoint) => {
        if (checkpoint) mine.undoCheckpoint();
      },
      undo: () => mine.undo(),
      redo: () => mine.redo(),
      selectionChanged: () => {},
      textChanged: () => {},
      error: (message) => {
        throw new Error(message);
      },
    });
    binding.bind(variant);
    textarea.focus();
  });

  afterEach(() => {
    binding.destroy();
    textarea.remove();
  });

  const select = (start: number, end: number) => {
    textarea.setSelectionRange(start, end);
    textarea.dispatchEvent(new Event("select"));
  };
  const selected = () => textarea.value.slice(textarea.selectionStart, textarea.selectionEnd);

  it("keeps my selection through their edits before, inside, at the edges and after it", () => {
    select(8, 11); // "all"
    theirs.insertText(variant, 0, "Hi! "); // before
    theirs.insertText(variant, 12, "-"); // inside, after the "a"
    ship(theirs, mine);
    binding.sync();
    expect(textarea.value).toBe(`Hi! Dear ${GRIN} a-ll,`);
    expect(selected()).toBe("a-ll");

    theirs.insertText(variant, 11, "["); // right before the selection
    theirs.insertText(variant, 16, "]"); // right after it
    ship(theirs, mine);
    binding.sync();
    expect(textarea.value).toBe(`Hi! Dear ${GRIN} [a-ll],`);
    expect(selected()).toBe("a-ll");
  });

  it("keeps my caret where it was when the character before it is deleted", () => {
    select(8, 8); // after the space following the emoji
    theirs.deleteText(variant, 5, 2); // the emoji and that space
    ship(theirs, mine);
    binding.sync();
    expect(textarea.value).toBe("Dear all,");
    expect(textarea.selectionStart).toBe(5);
  });

  it("converges when my typing meets their edit not yet shown", () => {
    select(textarea.value.length, textarea.value.length);
    theirs.insertText(variant, 0, ">> ");
    ship(theirs, mine); // in my document, not yet in the textarea
    typeInto(textarea, "insertText", "!");
    ship(mine, theirs);
    expect(mine.text(variant)).toBe(`>> Dear ${GRIN} all,!`);
    expect(theirs.text(variant)).toBe(mine.text(variant));
    expect(textarea.value).toBe(mine.text(variant));
  });

  it("undoes my typing from the keyboard and shows it at once", () => {
    select(5, 5);
    typeInto(textarea, "insertText", "dear ");
    textarea.dispatchEvent(
      new KeyboardEvent("keydown", { key: "z", ctrlKey: true, cancelable: true }),
    );
    expect(mine.text(variant)).toBe(`Dear ${GRIN} all,`);
    expect(textarea.value).toBe(`Dear ${GRIN} all,`);
    expect(textarea.selectionStart).toBe(5);
    textarea.dispatchEvent(
      new KeyboardEvent("keydown", { key: "y", ctrlKey: true, cancelable: true }),
    );
    expect(textarea.value).toBe(`Dear dear ${GRIN} all,`);
  });
});
