// Ops small enough for a WebSocket frame. A large paste is one TextInsert of
// many megabytes, and deleting a long text of many authors one TextDelete of
// tens of thousands of ranges; the server takes no message above 1 MiB
// (docs/security.md). Such ops are sent as several ops with the same effect:
//
// - an insert of "ABCD" at (left L, right R) is "AB" at (L, R) then "CD" at
//   (B, R): characters typed in a row are stored exactly so (crdt.md), each
//   with its own id and Lamport time, so every replica ends the same;
// - a delete of ranges r1..rn is a delete of r1..rk then of the rest.
//
// Counters and Lamport times stay contiguous: a piece starts where the one
// before it ended.
import { create } from "@bufbuild/protobuf";
import { OpIdSchema, OpSchema, type Op } from "../gen/convene/v1/ops_pb";

/** UTF-8 bytes of text per TextInsert sent (the frame budget holds three). */
export const MAX_INSERT_TEXT_BYTES = 256 * 1024;
/** Ranges per TextDelete sent (at most ~30 bytes each). */
export const MAX_DELETE_RANGES = 8 * 1024;

/** `ops` with every op too large for a frame cut into pieces, in order. */
export function splitForFrames(ops: readonly Op[]): Op[] {
  const out: Op[] = [];
  for (const op of ops) out.push(...splitOp(op));
  return out;
}

/** The op itself when it fits, else its pieces. */
export function splitOp(op: Op): Op[] {
  if (op.body.case === "textInsert") return splitInsert(op);
  if (op.body.case === "textDelete") return splitDelete(op);
  return [op];
}

function splitInsert(op: Op): Op[] {
  if (op.body.case !== "textInsert") return [op];
  const insert = op.body.value;
  const pieces = textPieces(insert.text, MAX_INSERT_TEXT_BYTES);
  if (pieces.length === 1) return [op];
  const out: Op[] = [];
  let offset = 0n; // code points before this piece
  for (const piece of pieces) {
    // A piece continues the one before it: its left origin is that piece's
    // last character; the right origin is the whole insert's.
    const originLeft =
      offset === 0n
        ? insert.originLeft
        : create(OpIdSchema, { replica: op.replica, counter: op.counter + offset - 1n });
    out.push(
      create(OpSchema, {
        replica: op.replica,
        counter: op.counter + offset,
        lamport: op.lamport + offset,
        body: {
          case: "textInsert",
          value: {
            variant: insert.variant,
            originLeft,
            originRight: insert.originRight,
            text: piece.text,
          },
        },
      }),
    );
    offset += BigInt(piece.codePoints);
  }
  return out;
}

function splitDelete(op: Op): Op[] {
  if (op.body.case !== "textDelete") return [op];
  const { variant, ranges } = op.body.value;
  if (ranges.length <= MAX_DELETE_RANGES) return [op];
  const out: Op[] = [];
  let offset = 0n; // characters deleted by the pieces before
  for (let start = 0; start < ranges.length; start += MAX_DELETE_RANGES) {
    const part = ranges.slice(start, start + MAX_DELETE_RANGES);
    out.push(
      create(OpSchema, {
        replica: op.replica,
        counter: op.counter + offset,
        lamport: op.lamport + offset,
        body: { case: "textDelete", value: { variant, ranges: part } },
      }),
    );
    for (const range of part) offset += range.length;
  }
  return out;
}

/** `text` cut at code point boundaries into pieces of at most `maxBytes` UTF-8 bytes. */
export function textPieces(text: string, maxBytes: number): { text: string; codePoints: number }[] {
  const pieces: { text: string; codePoints: number }[] = [];
  let start = 0; // UTF-16 index where the current piece begins
  let bytes = 0;
  let codePoints = 0;
  for (let i = 0; i < text.length;) {
    const unit = text.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length;
    const width = pair ? 2 : 1;
    const size = pair ? 4 : unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
    if (bytes + size > maxBytes && codePoints > 0) {
      pieces.push({ text: text.slice(start, i), codePoints });
      start = i;
      bytes = 0;
      codePoints = 0;
    }
    bytes += size;
    codePoints++;
    i += width;
  }
  pieces.push({ text: text.slice(start), codePoints });
  return pieces;
}
