// Ops too large for a frame are sent as several with the same effect.
import { describe, expect, it } from "vitest";
import { toBinary } from "@bufbuild/protobuf";
import { Document } from "../../../src/crdt/document";
import { isWellFormed } from "../../../src/crdt/utf8";
import { OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";
import {
  MAX_DELETE_RANGES,
  MAX_INSERT_TEXT_BYTES,
  splitForFrames,
  textPieces,
} from "../../../src/net/split-ops";
import { FRAME_BUDGET_BYTES } from "../../../src/net/wire";
import { spanOf } from "./fake-server";

const utf8 = (s: string) => new TextEncoder().encode(s).length;

/** A replica with a draft, and the ops that made it. */
function withDraft(replica = 7n): { doc: Document; variant: string; setup: Op[] } {
  const doc = new Document(replica);
  const variant = doc.createDraft("Call");
  return { doc, variant, setup: doc.takeOutbox() };
}

/** Applies ops to a fresh replica; every one must apply. */
function replay(ops: Op[]): Document {
  const doc = new Document(99n);
  for (const op of ops) expect(doc.apply(op).status).toBe("ok");
  return doc;
}

function expectContiguous(pieces: Op[], original: Op): void {
  let counter = original.counter;
  for (const piece of pieces) {
    expect(piece.replica).toBe(original.replica);
    expect(piece.counter).toBe(counter);
    expect(piece.lamport - original.lamport).toBe(counter - original.counter);
    counter += spanOf(piece);
  }
  expect(counter - original.counter).toBe(spanOf(original));
}

describe("textPieces", () => {
  it("cuts at code points, never inside one, each piece within the bytes", () => {
    const text = "aé€😀".repeat(1000); // 1, 2, 3 and 4 bytes
    const pieces = textPieces(text, 1000);
    expect(pieces.map((p) => p.text).join("")).toBe(text);
    for (const p of pieces) {
      expect(utf8(p.text)).toBeLessThanOrEqual(1000);
      expect(p.codePoints).toBe([...p.text].length);
      expect(isWellFormed(p.text)).toBe(true);
    }
    expect(pieces).toHaveLength(Math.ceil(utf8(text) / 1000));
    expect(textPieces("short", 1000)).toEqual([{ text: "short", codePoints: 5 }]);
  });
});

describe("splitForFrames", () => {
  it("sends a 3 MB paste as inserts that each fit a frame, with the same result", () => {
    const { doc, variant, setup } = withDraft();
    doc.insertText(variant, 0, "before after");
    const typed = doc.takeOutbox();
    const paste = "協働の地図を描く😀 ".repeat(99_000); // 990,000 code points, 2.9 MB
    doc.insertText(variant, 7, paste);
    const [big] = doc.takeOutbox();
    expect(toBinary(OpSchema, big).length).toBeGreaterThan(2_800_000);

    const pieces = splitForFrames([big]);
    expect(pieces.length).toBeGreaterThan(10);
    expectContiguous(pieces, big);
    for (const p of pieces) {
      expect(toBinary(OpSchema, p).length).toBeLessThanOrEqual(FRAME_BUDGET_BYTES / 2);
      if (p.body.case !== "textInsert" || big.body.case !== "textInsert") throw new Error("kind");
      expect(utf8(p.body.value.text)).toBeLessThanOrEqual(MAX_INSERT_TEXT_BYTES);
      expect(p.body.value.originRight).toEqual(big.body.value.originRight);
    }
    const whole = replay([...setup, ...typed, big]);
    const split = replay([...setup, ...typed, ...pieces]);
    expect(split.text(variant)).toBe(doc.text(variant));
    expect(split.toJSON()).toEqual(whole.toJSON());
    // Another replica's concurrent insert lands the same way in both.
    const other = new Document(3n);
    for (const op of [...setup, ...typed]) other.apply(op);
    other.insertText(variant, 7, "[theirs]");
    const theirs = other.takeOutbox();
    for (const op of theirs) {
      whole.apply(op);
      split.apply(op);
    }
    expect(split.text(variant)).toBe(whole.text(variant));
  });

  it("sends a delete of very many ranges as several deletes, with the same result", () => {
    const { doc, variant, setup } = withDraft();
    // A rename between characters: no two characters have neighbouring ids.
    const n = MAX_DELETE_RANGES * 2 + 100;
    for (let i = 0; i < n; i++) {
      doc.insertText(variant, i, "x");
      doc.rename(variant, `v${i}`);
    }
    const inserts = doc.takeOutbox();
    doc.deleteText(variant, 0, n);
    const [del] = doc.takeOutbox();
    if (del.body.case !== "textDelete") throw new Error("not a delete");
    expect(del.body.value.ranges.length).toBeGreaterThan(MAX_DELETE_RANGES * 2);

    const pieces = splitForFrames([del]);
    expect(pieces).toHaveLength(3);
    expectContiguous(pieces, del);
    for (const p of pieces) expect(toBinary(OpSchema, p).length).toBeLessThan(FRAME_BUDGET_BYTES);
    const split = replay([...setup, ...inserts, ...pieces]);
    expect(split.toJSON()).toEqual(replay([...setup, ...inserts, del]).toJSON());
    expect(split.text(variant)).toBe("");
  });

  it("leaves ops that fit alone", () => {
    const { doc, variant, setup } = withDraft();
    doc.insertText(variant, 0, "small");
    const ops = [...setup, ...doc.takeOutbox()];
    const out = splitForFrames(ops);
    expect(out).toHaveLength(ops.length);
    out.forEach((op, i) => expect(op).toBe(ops[i]));
  });
});
