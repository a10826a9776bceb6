// Seeded random sessions: replicas edit maps and drafts (undo included) and
// exchange their ops in random, duplicated, out-of-causal orders; held-back
// ops are retried as a causal buffer would. All must end in the same state.
import { expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import type { Op } from "../../../src/gen/convene/v1/ops_pb";
import { seeded } from "./helpers";

const TEXTS = ["a", "xy", "ç", "😀", "東京", "e\u0301", " word "];

function randomEdit(doc: Document, rnd: (n: number) => number, map: string, draft: string) {
  // Undoing the first replica's creations removes the map: bring it back first.
  if (!doc.maps().some((m) => m.id === map)) doc.restore(map);
  const variants = doc.variants(draft).map((v) => v.id);
  const elements = doc.elements(map).map((e) => e.id);
  const roll = rnd(100);
  if (roll < 35 && variants.length > 0) {
    const v = variants[rnd(variants.length)];
    doc.insertText(v, rnd(doc.textLength(v) + 1), TEXTS[rnd(TEXTS.length)]);
  } else if (roll < 50 && variants.length > 0) {
    const v = variants[rnd(variants.length)];
    const length = doc.textLength(v);
    if (length > 0) {
      const pos = rnd(length);
      doc.deleteText(v, pos, 1 + rnd(Math.min(4, length - pos)));
    }
  } else if (roll < 60) {
    doc.undoCheckpoint();
    if (doc.canUndo() && rnd(3) > 0) doc.undo();
    else if (doc.canRedo()) doc.redo();
  } else if (roll < 70 || elements.length < 2) {
    doc.createElement(map, { label: `e${rnd(50)}`, position: { x: rnd(100), y: rnd(100) } });
  } else if (roll < 78) {
    doc.updateElement(elements[rnd(elements.length)], { position: { x: rnd(9), y: rnd(9) } });
  } else if (roll < 84) {
    const [from, to] = [elements[rnd(elements.length)], elements[rnd(elements.length)]];
    doc.createConnection(map, from, to, { depth: 1 + rnd(3) });
  } else if (roll < 88) {
    doc.remove(elements[rnd(elements.length)]);
  } else if (roll < 92) {
    const participant = ["ana", "ben", "😀"][rnd(3)];
    const value = rnd(4) === 0 ? undefined : rnd(1000) / 7;
    doc.setPerspective(elements[rnd(elements.length)], "strength", participant, value);
  } else if (roll < 96 && variants.length > 0) {
    doc.createVariant(draft, `v${rnd(9)}`, variants[rnd(variants.length)]);
  } else if (variants.length > 1) {
    doc.remove(variants[1 + rnd(variants.length - 1)]);
  }
}

/** Delivers `ops` shuffled, some twice, retrying those whose dependencies are missing. */
function deliver(doc: Document, ops: Op[], rnd: (n: number) => number) {
  let pending = ops.flatMap((op) => (rnd(4) === 0 ? [op, op] : [op]));
  const statuses = new Set<string>();
  for (let round = 0; pending.length > 0 && round < 10_000; round++) {
    pending.sort(() => rnd(3) - 1);
    pending = pending.filter((op) => {
      const status = doc.apply(op).status;
      statuses.add(status);
      return status === "missing";
    });
  }
  expect(pending).toEqual([]);
  expect(statuses.has("invalid")).toBe(false);
}

test.each([1, 2, 3, 4])("five replicas converge (seed %i)", (seed) => {
  const rnd = seeded(seed);
  const replicas = [11n, 0xffff_ffff_ffff_ff00n, 13n, 1n << 63n, 15n].map((r) => new Document(r));
  const map = replicas[0].createMap("m");
  const draft = replicas[0].createDraft("d");
  const log: Op[] = replicas[0].takeOutbox();
  for (const doc of replicas.slice(1)) deliver(doc, log, rnd);
  for (let round = 0; round < 8; round++) {
    const fresh: Op[] = [];
    for (const doc of replicas) {
      for (let k = 0; k < 6; k++) randomEdit(doc, rnd, map, draft);
      fresh.push(...doc.takeOutbox());
    }
    // Each replica receives this round's ops and some old ones again, in its own order.
    for (const doc of replicas) {
      const again = Array.from({ length: 10 }, () => log[rnd(log.length)]);
      deliver(doc, [...fresh, ...again], rnd);
    }
    log.push(...fresh);
    const first = replicas[0].toJSON();
    for (const doc of replicas) {
      expect(doc.toJSON()).toEqual(first);
      expect(doc.checkInvariants()).toBeNull();
    }
  }
  expect(log.length).toBeGreaterThan(100);
});
