import { describe, expect, it } from "vitest";
import {
  CodePointText,
  countCodePoints,
  hasSurrogates,
  isHighSurrogate,
  isLowSurrogate,
} from "../../../src/draft/codepoints";

// Reference conversions by scanning the text, for CodePointText to agree with.
function utf16ToCodePoint(text: string, offset: number): number {
  return countCodePoints(text, 0, Math.max(0, Math.min(offset, text.length)));
}

function codePointToUtf16(text: string, position: number): number {
  let offset = 0;
  for (let cp = 0; cp < position && offset < text.length; cp++) {
    const pair =
      isHighSurrogate(text.charCodeAt(offset)) && isLowSurrogate(text.charCodeAt(offset + 1));
    offset += pair ? 2 : 1;
  }
  return offset;
}

// "a😀b🎉c": UTF-16 offsets a=0, 😀=1..2, b=3, 🎉=4..5, c=6 (length 7, 5 code points).
const MIXED = "a\u{1F600}b\u{1F389}c";

describe("code points and UTF-16 offsets", () => {
  it("counts a surrogate pair as one code point", () => {
    expect(MIXED.length).toBe(7);
    expect(countCodePoints(MIXED)).toBe(5);
    expect(countCodePoints(MIXED, 1, 4)).toBe(2); // 😀 b
    expect(countCodePoints("")).toBe(0);
  });

  it("converts UTF-16 offsets to code point positions", () => {
    const text = new CodePointText(MIXED);
    expect([0, 1, 3, 4, 6, 7].map((o) => text.toCodePoint(o))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("counts a pair as before an offset that falls inside it", () => {
    expect(new CodePointText(MIXED).toCodePoint(2)).toBe(2);
  });

  it("converts code point positions to UTF-16 offsets", () => {
    const text = new CodePointText(MIXED);
    expect([0, 1, 2, 3, 4, 5].map((p) => text.toUtf16(p))).toEqual([0, 1, 3, 4, 6, 7]);
  });

  it("clamps positions beyond either end", () => {
    const text = new CodePointText(MIXED);
    expect(text.toUtf16(99)).toBe(7);
    expect(text.toCodePoint(99)).toBe(5);
    expect(text.toCodePoint(-3)).toBe(0);
  });

  it("round-trips every boundary of a text mixing planes", () => {
    const text = new CodePointText("é\u{1F469}\u200D\u{1F4BB}x\u{10FFFF}\n中");
    for (let p = 0; p <= text.length; p++) {
      expect(text.toCodePoint(text.toUtf16(p))).toBe(p);
    }
  });

  it("treats a lone surrogate as one code point", () => {
    expect(countCodePoints("a\uD800b")).toBe(3);
    expect(countCodePoints("a\uDC00b")).toBe(3);
    const text = new CodePointText("\uD800b\uDC00");
    expect(text.length).toBe(3);
    expect(text.toUtf16(1)).toBe(1);
    expect(text.toCodePoint(3)).toBe(3);
  });
});

describe("CodePointText", () => {
  it("knows whether a text has surrogates", () => {
    expect(hasSurrogates("plain text, é and 中")).toBe(false);
    expect(hasSurrogates(MIXED)).toBe(true);
  });

  it("converts the same way with and without surrogates", () => {
    const plain = new CodePointText("hello");
    expect(plain.astral).toBe(false);
    expect(plain.length).toBe(5);
    expect(plain.toUtf16(3)).toBe(3);
    expect(plain.toCodePoint(9)).toBe(5);

    const mixed = new CodePointText(MIXED);
    expect(mixed.astral).toBe(true);
    expect(mixed.length).toBe(5);
    expect(mixed.toUtf16(2)).toBe(3);
    expect(mixed.toCodePoint(6)).toBe(4);
  });

  it("converts like the scanning functions at every offset", () => {
    const text = `\u{1F600}\u{1F600}ab\u{1F389}\n\u{10FFFF}c\uD800d`;
    const indexed = new CodePointText(text);
    for (let offset = 0; offset <= text.length; offset++) {
      expect(indexed.toCodePoint(offset)).toBe(utf16ToCodePoint(text, offset));
    }
    for (let position = 0; position <= countCodePoints(text) + 1; position++) {
      expect(indexed.toUtf16(position)).toBe(codePointToUtf16(text, position));
    }
  });

  it("carries its pair index through splices", () => {
    let text = new CodePointText(`a${"\u{1F600}"}b${"\u{1F389}"}c`);
    const edits: [number, number, string][] = [
      [0, 0, "\u{1F331}"], // before every pair
      [5, 1, "xy"], // between pairs
      [7, 2, ""], // deleting a pair
      [text.value.length, 0, "\u{1F600}z"], // at the end
      [2, 0, "q"],
    ];
    for (const [start, removed, inserted] of edits) {
      const from = Math.min(start, text.value.length);
      const value = text.value.slice(0, from) + inserted + text.value.slice(from + removed);
      text = text.spliced(from, removed, inserted, value);
      const fresh = new CodePointText(value);
      expect(text.length).toBe(fresh.length);
      for (let offset = 0; offset <= value.length; offset++) {
        expect(text.toCodePoint(offset)).toBe(fresh.toCodePoint(offset));
      }
    }
  });
});
