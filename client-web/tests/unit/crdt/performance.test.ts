// The browser's budgets: typing in a 100,000-character draft must leave a
// frame (16 ms) almost untouched, and a large map must load quickly. The
// bounds are loose (a shared, slow machine must pass); typical figures are
// tens of microseconds per keystroke.
import { expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import { seeded } from "./helpers";

function timePerCall(n: number, f: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) f(i);
  return (performance.now() - start) / n;
}

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
  const typing = timePerCall(500, (i) => a.insertText(d, at + i, "k"));
  const backspace = timePerCall(500, (i) => a.deleteText(d, at + 499 - i, 1));
  const render = timePerCall(50, (i) => {
    a.insertText(d, at, String(i % 10));
    a.text(d);
  });
  expect(typing).toBeLessThan(1);
  expect(backspace).toBeLessThan(1);
  expect(render).toBeLessThan(8);
  expect(a.takeOutbox().length).toBeLessThan(60); // typing and backspacing coalesced
});

test("a map of 1,000 elements and 2,000 connections applies quickly", () => {
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
  const start = performance.now();
  for (const op of ops) b.apply(op);
  expect(b.connections(map)).toHaveLength(2000);
  expect(performance.now() - start).toBeLessThan(2000);
});
