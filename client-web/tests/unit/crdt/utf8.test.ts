// Conversions between JavaScript's UTF-16 and the code points and UTF-8
// bytes the document model counts.
import { expect, test } from "vitest";
import {
  codePointCount,
  compareCodePoints,
  isWellFormed,
  sliceCodePoints,
  utf16Offset,
  utf8Length,
} from "../../../src/crdt/utf8";

test("code points and UTF-8 bytes", () => {
  expect(codePointCount("a😀é東")).toBe(4);
  expect(utf8Length("a😀é東")).toBe(1 + 4 + 2 + 3);
  expect(utf8Length("")).toBe(0);
  expect(new TextEncoder().encode("Wörld 👨‍👩‍👧").length).toBe(utf8Length("Wörld 👨‍👩‍👧"));
});

test("lone surrogates are not well-formed", () => {
  expect(isWellFormed("ok 😀")).toBe(true);
  expect(isWellFormed("\uD83D")).toBe(false); // high surrogate at the end
  expect(isWellFormed("\uDE00x")).toBe(false); // low surrogate first
  expect(isWellFormed("\uD83Dx")).toBe(false);
});

test("code point offsets and slices", () => {
  const s = "a😀b🌍c";
  expect(utf16Offset(s, 2, 5)).toBe(3);
  expect(utf16Offset("abc", 2, 3)).toBe(2);
  expect(sliceCodePoints(s, 1, 4, 5)).toBe("😀b🌍");
  expect(sliceCodePoints(s, 4, 5, 5)).toBe("c");
  expect(sliceCodePoints("plain", 1, 3, 5)).toBe("la");
});

test("strings order by code point, which is UTF-8 byte order", () => {
  const sorted = ["\u{1F600}", "\uFF5E", "b", "a", "ab", ""].sort(compareCodePoints);
  expect(sorted).toEqual(["", "a", "ab", "b", "\uFF5E", "\u{1F600}"]);
  // Plain < would put the emoji (surrogates D83D...) before U+FF5E.
  expect("\u{1F600}" < "\uFF5E").toBe(true);
  const bytes = (s: string) => Array.from(new TextEncoder().encode(s));
  const byBytes = (a: string, b: string) => {
    const [x, y] = [bytes(a), bytes(b)];
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const words = [
    "z",
    "é",
    "\uE000",
    "\u{10000}",
    "\uD7FF",
    "\u{10FFFF}",
    "\uFFFF",
    "a😀",
    "a\uFFFD",
  ];
  expect([...words].sort(compareCodePoints)).toEqual([...words].sort(byBytes));
});
