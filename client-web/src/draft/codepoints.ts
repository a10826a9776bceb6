// The document counts positions in code points (Unicode scalar values); the
// DOM counts UTF-16 code units. These helpers convert between the two.
// `CodePointText` keeps the offsets of a text's surrogate pairs, so its
// conversions cost a binary search over those pairs, not a scan of the text,
// and an edit updates them without reading the whole text again.

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

const SURROGATE = /[\uD800-\uDFFF]/;
const PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

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

/** UTF-16 offsets of the high halves of the surrogate pairs in a text, ascending. */
export function pairOffsets(text: string, base = 0): number[] {
  if (!hasSurrogates(text)) return [];
  const offsets: number[] = [];
  for (const match of text.matchAll(PAIR)) offsets.push(base + match.index);
  return offsets;
}

/** How many of the ascending `values` are below `limit`. */
function countBelow(
  values: readonly number[],
  limit: number,
  key = (v: number, _i: number) => v,
): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (key(values[mid], mid) < limit) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** A text with fast conversions between code points and UTF-16 offsets. */
export class CodePointText {
  readonly value: string;
  /** UTF-16 offsets of the high halves of its surrogate pairs, ascending. */
  private readonly pairs: readonly number[];

  constructor(value: string, pairs?: readonly number[]) {
    this.value = value;
    this.pairs = pairs ?? pairOffsets(value);
  }

  /** Whether the text holds any character outside the Basic Multilingual Plane. */
  get astral(): boolean {
    return this.pairs.length > 0;
  }

  /** Its length in code points. */
  get length(): number {
    return this.value.length - this.pairs.length;
  }

  toCodePoint(offset: number): number {
    const clamped = Math.max(0, Math.min(offset, this.value.length));
    // Pairs that end at or before the offset count as one code point each.
    return clamped - countBelow(this.pairs, clamped - 1);
  }

  toUtf16(position: number): number {
    const clamped = Math.max(0, Math.min(position, this.length));
    // A pair's code point position is its offset less the pairs before it.
    return clamped + countBelow(this.pairs, clamped, (offset, index) => offset - index);
  }

  /**
   * The text after replacing [start, start + removed) by `inserted`: the
   * pair offsets are carried over, not searched for again. A splice that
   * cuts a pair in two falls back to a fresh scan.
   */
  spliced(start: number, removed: number, inserted: string, value: string): CodePointText {
    const end = start + removed;
    if (this.cutsPair(start) || this.cutsPair(end)) return new CodePointText(value);
    const shift = inserted.length - removed;
    const pairs = this.pairs.slice(0, countBelow(this.pairs, start));
    pairs.push(...pairOffsets(inserted, start));
    for (let i = countBelow(this.pairs, end); i < this.pairs.length; i++)
      pairs.push(this.pairs[i] + shift);
    return new CodePointText(value, pairs);
  }

  private cutsPair(offset: number): boolean {
    const index = countBelow(this.pairs, offset - 1);
    return this.pairs[index] === offset - 1;
  }
}
