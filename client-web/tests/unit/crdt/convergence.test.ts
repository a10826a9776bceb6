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
  const roll = rnd(100) < 30 ? 92 : rnd(100); // vocabulary edits are about a third
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
  } else if (roll < 93) {
    vocabularyEdit(doc, rnd, map);
  } else if (roll < 96 && variants.length > 0) {
    doc.createVariant(draft, `v${rnd(9)}`, variants[rnd(variants.length)]);
  } else if (variants.length > 1) {
    doc.remove(variants[1 + rnd(variants.length - 1)]);
  }
}

const TAGS = ["urgent", "Équipe", "😀"];

/** A random edit of the map's vocabulary: tags, values, definitions, custom kinds, pins. */
function vocabularyEdit(doc: Document, rnd: (n: number) => number, map: string) {
  const pick = <T>(list: T[]): T => list[rnd(list.length)];
  const elements = doc.elements(map).map((e) => e.id);
  const targets = [...elements, ...doc.connections(map).map((c) => c.id)];
  const fields = doc.fieldsOf(map).map((f) => f.id);
  const kinds = doc.kindsOf(map).map((k) => k.id);
  const rules = doc.styleRulesOf(map).map((r) => r.id);
  const views = doc.viewsOf(map).map((v) => v.id);
  const definitions = [...fields, ...kinds, ...rules, ...views];
  if (elements.length === 0) return;
  const roll = rnd(10);
  if (roll === 0) doc.setTag(pick(targets), pick(TAGS), rnd(3) > 0);
  else if (roll === 1 || fields.length === 0) {
    const init = { name: `f${rnd(9)}`, type: rnd(4), choices: rnd(2) ? ["a", "b"] : [] };
    if (fields.length < 3) doc.createField(map, init);
    else doc.updateField(pick(fields), init);
  } else if (roll === 2) {
    const value = [undefined, `v${rnd(5)}`, rnd(100) / 4, -0][rnd(4)];
    doc.setFieldValue(pick(targets), pick(fields), value);
  } else if (roll === 3 || kinds.length === 0) {
    if (kinds.length < 3) doc.createKind(map, { name: `k${rnd(9)}`, base: rnd(9) });
    else doc.updateKind(pick(kinds), { color: `#${rnd(10)}` });
  } else if (roll === 4) {
    doc.setCustomKind(pick(elements), rnd(4) === 0 ? undefined : pick(kinds));
  } else if (roll === 5) {
    const match = rnd(2) ? { tag: pick(TAGS) } : { field: pick(fields), value: `${rnd(3)}` };
    const init = { match, size: 0.25 + rnd(16) / 4, order: rnd(3) };
    if (rules.length < 3) doc.createStyleRule(map, init);
    else doc.updateStyleRule(pick(rules), init);
  } else if (roll === 6) {
    const filter = { tags: [pick(TAGS)], customKinds: [pick(kinds)], highlights: [pick(targets)] };
    const init = { name: `view ${rnd(9)}`, filter, viewport: { x: rnd(9), y: 1, zoom: 2 } };
    if (views.length < 3) doc.createView(map, { ...init, order: rnd(3) });
    else
      doc.updateView(
        pick(views),
        rnd(2) ? init : { filter: { focus: pick(elements), focusDepth: 2 } },
      );
  } else if (roll === 7 && definitions.length > 0) {
    doc.remove(pick(definitions));
  } else {
    doc.setPinned(pick(elements), rnd(2) === 0);
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
  // The vocabulary took part.
  const cases = new Set(log.map((op) => op.body.case));
  for (const c of ["setTag", "setFieldValue", "createStyleRule", "createView", "createKind"]) {
    expect(cases).toContain(c);
  }
});
