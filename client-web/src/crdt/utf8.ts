// Text measures in the units the document model uses. JavaScript strings are
// UTF-16, while Convene counts positions in code points and limits strings in
// UTF-8 bytes (docs/crdt.md), so every boundary converts here.

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * True if `s` holds only Unicode scalar values (no lone surrogates): exactly
 * the strings that encode to well-formed UTF-8.
 */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (!isHighSurrogate(unit) || !isLowSurrogate(s.charCodeAt(i + 1))) return false;
    i++;
  }
  return true;
}

/** Code points in a well-formed string. */
export function codePointCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    if (isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** Bytes of the UTF-8 encoding of a well-formed string. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (isHighSurrogate(unit) && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The UTF-16 index of code point `cpOffset` in `s`, which holds `cpLength`
 * code points. Text without surrogate pairs (the common case) needs no scan.
 */
export function utf16Offset(s: string, cpOffset: number, cpLength: number): number {
  if (s.length === cpLength) return cpOffset;
  let i = 0;
  for (let k = 0; k < cpOffset; k++) {
    i += isHighSurrogate(s.charCodeAt(i)) && isLowSurrogate(s.charCodeAt(i + 1)) ? 2 : 1;
  }
  return i;
}

/** Code points [start, end) of `s`, which holds `cpLength` code points. */
export function sliceCodePoints(s: string, start: number, end: number, cpLength: number): string {
  if (s.length === cpLength) return s.slice(start, end);
  const from = utf16Offset(s, start, cpLength);
  let to = from;
  for (let k = start; k < end; k++) {
    to += isHighSurrogate(s.charCodeAt(to)) && isLowSurrogate(s.charCodeAt(to + 1)) ? 2 : 1;
  }
  return s.slice(from, to);
}

/**
 * Orders strings by code point, which is the byte order of their UTF-8
 * encodings: the order C++ std::string keys have. Plain `<` compares UTF-16
 * units, which puts U+E000..U+FFFF after the surrogate pairs of U+10000 on.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (D800..DFFF) stand for code points above every BMP unit.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
