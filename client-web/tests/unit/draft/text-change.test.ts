import { describe, expect, it } from "vitest";
import { CodePointText, isHighSurrogate, isLowSurrogate } from "../../../src/draft/codepoints";
import {
  detectSplice,
  diffValues,
  rebaseEdit,
  spliceFromHint,
  toTextEdit,
  type Splice,
  type TextEdit,
} from "../../../src/draft/text-change";

function applySplice(value: string, splice: Splice): string {
  return (
    value.slice(0, splice.start) + splice.inserted + value.slice(splice.start + splice.removed)
  );
}

const GRIN = "\u{1F600}"; // \uD83D\uDE00
const GRIN_SWEAT = "\u{1F605}"; // \uD83D\uDE05: same high surrogate
const PARTY = "\u{1F389}"; // \uD83C\uDF89

function applyEdit(text: string, edit: TextEdit): string {
  const chars = Array.from(text);
  chars.splice(edit.position, edit.removed, ...Array.from(edit.inserted));
  return chars.join("");
}

describe("diffValues", () => {
  it("finds an insertion, a deletion and a replacement", () => {
    expect(diffValues("hello world", "hello, world")).toEqual({
      start: 5,
      removed: 0,
      inserted: ",",
    });
    expect(diffValues("hello world", "hello")).toEqual({ start: 5, removed: 6, inserted: "" });
    expect(diffValues("the cat sat", "the dog sat")).toEqual({
      start: 4,
      removed: 3,
      inserted: "dog",
    });
    expect(diffValues("same", "same")).toEqual({ start: 4, removed: 0, inserted: "" });
  });

  it("never cuts a surrogate pair when two emoji share their high half", () => {
    const splice = diffValues(`a${GRIN}b`, `a${GRIN_SWEAT}b`);
    expect(splice).toEqual({ start: 1, removed: 2, inserted: GRIN_SWEAT });
  });

  it("never cuts a surrogate pair when two emoji share their low half", () => {
    const left = "\uD83C\uDE00"; // 🈀
    const right = "\uD83D\uDE00"; // 😀
    expect(diffValues(`x${left}`, `x${right}`)).toEqual({ start: 1, removed: 2, inserted: right });
  });

  it("deletes and inserts whole emoji between emoji", () => {
    expect(diffValues(`${GRIN}${PARTY}`, `${GRIN}`)).toEqual({
      start: 2,
      removed: 2,
      inserted: "",
    });
    expect(diffValues(`${GRIN}${GRIN}`, `${GRIN}${GRIN_SWEAT}${GRIN}`)).toEqual({
      start: 2,
      removed: 0,
      inserted: GRIN_SWEAT,
    });
  });

  it("turns any old value into any new one without splitting pairs (random texts)", () => {
    const alphabet = ["a", "b", " ", "\n", GRIN, GRIN_SWEAT, PARTY, "é"];
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = () =>
      Array.from({ length: random(8) }, () => alphabet[random(alphabet.length)]).join("");
    for (let i = 0; i < 500; i++) {
      const before = word();
      const after = word();
      const splice = diffValues(before, after);
      expect(applySplice(before, splice)).toBe(after);
      for (const offset of [splice.start, splice.start + splice.removed]) {
        const cuts =
          offset > 0 &&
          isHighSurrogate(before.charCodeAt(offset - 1)) &&
          isLowSurrogate(before.charCodeAt(offset));
        expect(cuts).toBe(false);
      }
      expect(applyEdit(before, toTextEdit(splice, new CodePointText(before)))).toBe(after);
    }
  });
});

describe("spliceFromHint", () => {
  it("reads typing, backspace, forward delete and paste over a selection", () => {
    // typed "X" at 3
    expect(
      spliceFromHint("abcdef", "abcXdef", { selectionStart: 3, selectionEnd: 3, caretAfter: 4 }),
    ).toEqual({
      start: 3,
      removed: 0,
      inserted: "X",
    });
    // backspace at 3
    expect(
      spliceFromHint("abcdef", "abdef", { selectionStart: 3, selectionEnd: 3, caretAfter: 2 }),
    ).toEqual({
      start: 2,
      removed: 1,
      inserted: "",
    });
    // delete forward at 3
    expect(
      spliceFromHint("abcdef", "abcef", { selectionStart: 3, selectionEnd: 3, caretAfter: 3 }),
    ).toEqual({
      start: 3,
      removed: 1,
      inserted: "",
    });
    // paste "XY" over "bcd"
    expect(
      spliceFromHint("abcdef", "aXYef", { selectionStart: 1, selectionEnd: 4, caretAfter: 3 }),
    ).toEqual({
      start: 1,
      removed: 3,
      inserted: "XY",
    });
  });

  it("places a repeated letter where the caret was, not where a diff would", () => {
    // Typing "a" after the first "a" of "aa": a prefix diff says position 2.
    expect(
      spliceFromHint("aa", "aaa", { selectionStart: 1, selectionEnd: 1, caretAfter: 2 })?.start,
    ).toBe(1);
    expect(diffValues("aa", "aaa").start).toBe(2);
  });

  it("refuses a hint the values contradict, and detectSplice falls back", () => {
    const hint = { selectionStart: 0, selectionEnd: 0, caretAfter: 1 };
    expect(spliceFromHint("abc", "abXc", hint)).toBeUndefined();
    expect(detectSplice("abc", "abXc", hint)).toEqual({ start: 2, removed: 0, inserted: "X" });
  });

  it("refuses a hint that would cut a surrogate pair", () => {
    expect(
      spliceFromHint(`a${GRIN}`, "a", { selectionStart: 3, selectionEnd: 3, caretAfter: 2 }),
    ).toBeUndefined();
    expect(
      detectSplice(`a${GRIN}`, "a", { selectionStart: 3, selectionEnd: 3, caretAfter: 2 }),
    ).toEqual({
      start: 1,
      removed: 2,
      inserted: "",
    });
  });

  it("handles emoji typed next to emoji", () => {
    const splice = spliceFromHint(`${GRIN}b`, `${GRIN}${PARTY}b`, {
      selectionStart: 2,
      selectionEnd: 2,
      caretAfter: 4,
    });
    expect(splice).toEqual({ start: 2, removed: 0, inserted: PARTY });
    expect(toTextEdit(splice!, new CodePointText(`${GRIN}b`))).toEqual({
      position: 1,
      removed: 0,
      inserted: PARTY,
    });
  });
});

describe("toTextEdit", () => {
  it("counts positions and lengths in code points", () => {
    const old = new CodePointText(`${GRIN}ab${PARTY}c`);
    // delete "b🎉" (UTF-16 3..6)
    expect(toTextEdit({ start: 3, removed: 3, inserted: "" }, old)).toEqual({
      position: 2,
      removed: 2,
      inserted: "",
    });
  });
});

describe("rebaseEdit", () => {
  const base = "0123456789";
  const both = (mine: TextEdit, theirs: TextEdit) =>
    rebaseEdit(mine, theirs).reduce(applyEdit, applyEdit(base, theirs));

  it("moves my edit after text inserted before it", () => {
    expect(
      both(
        { position: 8, removed: 0, inserted: "X" },
        { position: 2, removed: 0, inserted: "abc" },
      ),
    ).toBe("01abc234567X89");
  });

  it("keeps my edit in place when theirs comes after it", () => {
    expect(
      both({ position: 1, removed: 2, inserted: "X" }, { position: 6, removed: 2, inserted: "" }),
    ).toBe("0X34589");
  });

  it("does not delete text they inserted inside my deletion", () => {
    expect(
      both({ position: 2, removed: 6, inserted: "" }, { position: 4, removed: 0, inserted: "new" }),
    ).toBe("01new89");
  });

  it("drops what they already deleted from my deletion", () => {
    expect(
      both({ position: 2, removed: 4, inserted: "X" }, { position: 4, removed: 4, inserted: "" }),
    ).toBe("01X89");
  });

  it("puts my typing after their replacement when I typed inside what they replaced", () => {
    expect(
      both({ position: 5, removed: 0, inserted: "X" }, { position: 3, removed: 4, inserted: "ab" }),
    ).toBe("012abX789");
  });

  it("counts their inserted text in code points", () => {
    expect(
      both({ position: 9, removed: 0, inserted: "X" }, { position: 0, removed: 0, inserted: GRIN }),
    ).toBe(`${GRIN}012345678X9`);
  });
});
