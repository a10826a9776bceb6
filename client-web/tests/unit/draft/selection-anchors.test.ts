import { beforeEach, describe, expect, it } from "vitest";
import {
  anchorAndHead,
  anchorSelection,
  resolveSelection,
  type TextSelection,
} from "../../../src/draft/selection-anchors";
import { FakeDocument } from "./fakes";

describe("selection anchors under remote edits", () => {
  let doc: FakeDocument;
  let variant: string;

  beforeEach(() => {
    doc = new FakeDocument();
    variant = doc.createDraft("Invitation");
    doc.insertText(variant, 0, "0123456789");
  });

  const keep = (selection: TextSelection, remoteEdit: () => void): TextSelection => {
    const anchors = anchorSelection(doc, variant, selection);
    doc.remote(remoteEdit);
    return resolveSelection(doc, variant, anchors);
  };
  const caret = (at: number): TextSelection => ({ start: at, end: at, backward: false });

  it("moves a caret right by text inserted before it", () => {
    expect(keep(caret(5), () => doc.insertText(variant, 2, "abc"))).toEqual(caret(8));
  });

  it("leaves a caret alone for text inserted after it", () => {
    expect(keep(caret(5), () => doc.insertText(variant, 7, "abc"))).toEqual(caret(5));
  });

  it("keeps a caret before text someone types right at it", () => {
    expect(keep(caret(5), () => doc.insertText(variant, 5, "abc"))).toEqual(caret(5));
  });

  it("keeps a caret at the start of the text at the start", () => {
    expect(keep(caret(0), () => doc.insertText(variant, 0, "abc"))).toEqual(caret(0));
  });

  it("moves a caret left by text deleted before it", () => {
    expect(keep(caret(5), () => doc.deleteText(variant, 1, 3))).toEqual(caret(2));
  });

  it("puts a caret inside deleted text where the deletion was", () => {
    expect(keep(caret(5), () => doc.deleteText(variant, 3, 4))).toEqual(caret(3));
  });

  it("grows a selection by text inserted inside it", () => {
    const selection = { start: 2, end: 6, backward: false };
    expect(keep(selection, () => doc.insertText(variant, 4, "xy"))).toEqual({
      start: 2,
      end: 8,
      backward: false,
    });
  });

  it("keeps text inserted at either edge of a selection outside it", () => {
    const selection = { start: 2, end: 6, backward: true };
    expect(keep(selection, () => doc.insertText(variant, 2, "ab"))).toEqual({
      start: 4,
      end: 8,
      backward: true,
    });
    expect(
      keep({ start: 4, end: 8, backward: true }, () => doc.insertText(variant, 10, "cd")),
    ).toEqual({
      start: 4,
      end: 8,
      backward: true,
    });
  });

  it("shrinks a selection whose first or last characters are deleted", () => {
    const selection = { start: 2, end: 6, backward: false };
    // "0123456789": selected "2345"; deleting "12" leaves "345" selected.
    expect(keep(selection, () => doc.deleteText(variant, 1, 2))).toEqual({
      start: 1,
      end: 4,
      backward: false,
    });
  });

  it("shrinks a selection whose last characters are deleted", () => {
    // Selected "2345" of "0123456789": deleting "56" leaves "234" selected.
    expect(
      keep({ start: 2, end: 6, backward: false }, () => doc.deleteText(variant, 5, 2)),
    ).toEqual({
      start: 2,
      end: 5,
      backward: false,
    });
  });

  it("collapses a selection deleted as a whole", () => {
    expect(keep({ start: 2, end: 6, backward: true }, () => doc.deleteText(variant, 1, 7))).toEqual(
      {
        start: 1,
        end: 1,
        backward: false,
      },
    );
  });

  it("reports anchor and head by direction", () => {
    expect(anchorAndHead({ start: 2, end: 6, backward: false })).toEqual({ anchor: 2, head: 6 });
    expect(anchorAndHead({ start: 2, end: 6, backward: true })).toEqual({ anchor: 6, head: 2 });
  });
});
