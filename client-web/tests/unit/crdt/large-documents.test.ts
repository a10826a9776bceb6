// Documents of the sizes the browser must handle (a fragmented
// 100,000-character draft, a map of 1,000 elements and 2,000 connections)
// stay correct. Their speed is measured by the browser benchmark
// (bench/render-bench.mjs), never here.
import { expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import { seeded } from "./helpers";

test("typing in a fragmented 100,000-character draft", () => {
  const rnd = seeded(5);
  const a = new Document(1n);
  const d = a.createDraft("d");
  a.insertText(d, 0, "lorem ipsum ".repeat(8_334));
  // Scatter edits so the text is many runs, as after a long session.
  for (let i = 0; i < 2000; i++) {
    if (i % 3 === 0) a.deleteText(d, rnd(a.textLength(d) - 3), 2);
    else a.insertText(d, rnd(a.textLength(d)), "ab");
    a.undoCheckpoint();
    a.createMap("break the typing run");
  }
  a.takeOutbox();
  expect(a.textLength(d)).toBeGreaterThan(100_000);

  const at = 50_000;
  const before = a.text(d);
  for (let i = 0; i < 500; i++) a.insertText(d, at + i, "k");
  for (let i = 0; i < 500; i++) a.deleteText(d, at + 499 - i, 1);
  expect(a.text(d)).toBe(before);
  a.insertText(d, at, "xyz");
  expect(a.text(d)).toBe(before.slice(0, at) + "xyz" + before.slice(at));
  expect(a.takeOutbox().length).toBeLessThan(10); // typing and backspacing coalesced
  expect(a.checkInvariants()).toBeNull();
});

test("a map of 1,000 elements and 2,000 connections replicates", () => {
  const rnd = seeded(9);
  const a = new Document(1n);
  const map = a.createMap("m");
  const elements: string[] = [];
  for (let i = 0; i < 1000; i++) {
    elements.push(a.createElement(map, { label: `e${i}`, position: { x: i, y: i } }));
  }
  for (let i = 0; i < 2000; i++) {
    a.createConnection(map, elements[rnd(1000)], elements[rnd(1000)], { depth: 2 });
  }
  const ops = a.takeOutbox();
  const b = new Document(2n);
  for (const op of ops) expect(b.apply(op).status).toBe("ok");
  expect(b.connections(map)).toHaveLength(2000);
  expect(b.toJSON()).toEqual(a.toJSON());
});
