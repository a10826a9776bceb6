// The document counts positions in code points (Unicode scalar values); the
// DOM counts UTF-16 code units. These helpers convert between the two. Most
// texts hold no character outside the Basic Multilingual Plane, so
// `CodePointText` remembers whether a text has surrogates at all and converts
// in O(1) when it has none.

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

const SURROGATE = /[\uD800-\uDFFF]/;

export function hasSurrogates(text: string): boolean {
  return SURROGATE.test(text);
}

/** Code points in text[from, to) (UTF-16 offsets); a pair counts once. */
export function countCodePoints(text: string, from = 0, to = text.length): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    if (
      isHighSurrogate(text.charCodeAt(i)) &&
      i + 1 < to &&
      isLowSurrogate(text.charCodeAt(i + 1))
    ) {
      i++;
    }
    count++;
  }
  return count;
}

/**
 * Code points before a UTF-16 offset. An offset inside a surrogate pair
 * counts the pair as before it (the browser never puts a caret there).
 */
export function utf16ToCodePoint(text: string, offset: number): number {
  return countCodePoints(text, 0, Math.max(0, Math.min(offset, text.length)));
}

/** The UTF-16 offset of a code point position (clamped to the text). */
export function codePointToUtf16(text: string, position: number): number {
  let offset = 0;
  for (let cp = 0; cp < position && offset < text.length; cp++) {
    const unit = text.charCodeAt(offset);
    offset +=
      isHighSurrogate(unit) &&
      offset + 1 < text.length &&
      isLowSurrogate(text.charCodeAt(offset + 1))
        ? 2
        : 1;
  }
  return offset;
}

/**
 * A text with O(1) conversions while it holds no surrogate. `known` skips
 * the O(n) scan when the caller already knows the answer (after an edit of a
 * text it had measured).
 */
export class CodePointText {
  readonly value: string;
  readonly astral: boolean;
  readonly length: number; // code points

  constructor(value: string, known?: { astral: boolean; length: number }) {
    this.value = value;
    this.astral = known ? known.astral : hasSurrogates(value);
    this.length = known ? known.length : this.astral ? countCodePoints(value) : value.length;
  }

  toCodePoint(offset: number): number {
    if (!this.astral) return Math.max(0, Math.min(offset, this.value.length));
    return utf16ToCodePoint(this.value, offset);
  }

  toUtf16(position: number): number {
    if (!this.astral) return Math.max(0, Math.min(position, this.value.length));
    return codePointToUtf16(this.value, position);
  }
}
