// The review's costly inputs (docs/threat-model.md, F2, F4, F5, F8), as a
// browser replays them from the log: what applying them costs, counted in
// steps rather than timed (tests/unit/admission_test.cc does the same for
// the C++ library, whose admission refuses them from clients).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { afterEach, describe, expect, test, vi } from "vitest";
import { Document } from "../../../src/crdt/document";
import { parseIdKey, toPbId, type Id } from "../../../src/crdt/ids";
import { Liveness } from "../../../src/crdt/lww";
import { TextSequence } from "../../../src/crdt/text";
import { OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";

const ATTACKER = 99n;

type Body = MessageInitShape<typeof OpSchema>["body"];

/** The attacker's op number `counter` (its lamport need only be positive). */
function attackerOp(counter: number, body: Body): Op {
  return create(OpSchema, { replica: ATTACKER, counter: BigInt(counter), lamport: 1n, body });
}

function id(key: string): Id {
  return parseIdKey(key)!;
}

/** A draft of `n` characters typed backwards: each its own run, ids 1:2 .. 1:n+1. */
function backwardsDraft(doc: Document, n: number): string {
  const draft = doc.createDraft("d");
  for (let i = 0; i < n; i++) doc.insertText(draft, 0, "x");
  doc.takeOutbox();
  return draft;
}

function deleteOp(draft: string, ranges: [number, number][]): Op {
  const value = {
    variant: toPbId(id(draft)),
    ranges: ranges.map(([counter, length]) => ({
      replica: 1n,
      counter: BigInt(counter),
      length: BigInt(length),
    })),
  };
  return attackerOp(1, { case: "textDelete", value });
}

/** The TextSequence a spied method last ran on. */
function sequenceOf(spy: { mock: { contexts: unknown[] } }): TextSequence {
  return spy.mock.contexts[spy.mock.contexts.length - 1] as TextSequence;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("F2: a delete with overlapping ranges", () => {
  test("visits each run once", () => {
    const doc = new Document(1n);
    const draft = backwardsDraft(doc, 2000);
    const applyDelete = vi.spyOn(TextSequence.prototype, "applyDelete");
    const ranges = Array.from({ length: 1000 }, (): [number, number] => [2, 2000]);
    expect(doc.apply(deleteOp(draft, ranges))).toEqual({ status: "ok" });
    expect(applyDelete).toHaveBeenCalledTimes(1); // the ranges merged
    expect(sequenceOf(applyDelete).work.deleteSteps).toBe(2000); // was 2,000,000
    expect(doc.textLength(draft)).toBe(0);
  });

  test("names the first missing character of the first range lacking one", () => {
    const doc = new Document(1n);
    const draft = backwardsDraft(doc, 100); // characters 1:2 .. 1:101
    const all: [number, number] = [2, 100];
    const pastTheEnd: [number, number] = [95, 20]; // 1:102 is not applied yet
    const theDraft: [number, number] = [1, 3]; // 1:1 is the draft, not a character
    expect(doc.apply(deleteOp(draft, [all, pastTheEnd, theDraft]))).toEqual({
      status: "missing",
      message: "missing dependency 1:102",
    });
    expect(doc.apply(deleteOp(draft, [all, theDraft, pastTheEnd]))).toEqual({
      status: "invalid",
      message: "reference 1:1 is not a character of this variant",
    });
  });
});

describe("F4: inserts between the same two characters", () => {
  test("are one run, stepped over at once", () => {
    const n = 20_000;
    const doc = new Document(1n);
    const draft = doc.createDraft("d");
    doc.insertText(draft, 0, "LR");
    doc.takeOutbox();
    const integrate = vi.spyOn(TextSequence.prototype, "integrate");
    const insert = (replica: bigint, counter: number, text: string) =>
      create(OpSchema, {
        replica,
        counter: BigInt(counter),
        lamport: 1n,
        body: {
          case: "textInsert",
          value: {
            variant: toPbId(id(draft)),
            originLeft: toPbId(id("1:2")),
            originRight: toPbId(id("1:3")),
            text,
          },
        },
      });
    for (let k = 1; k <= n; k++) expect(doc.apply(insert(ATTACKER, k, "x")).status).toBe("ok");
    const seq = sequenceOf(integrate);
    expect(seq.work.scanSteps).toBeLessThanOrEqual(2 * n); // was 200 million
    expect(seq.runCount()).toBeLessThanOrEqual(4);
    // A lower replica's sibling still sorts before all of them.
    expect(doc.apply(insert(50n, 1, "y")).status).toBe("ok");
    expect(doc.text(draft)).toBe("Ly" + "x".repeat(n) + "R");
    expect(doc.checkInvariants()).toBeNull();
  });
});

describe("F8: removals", () => {
  test("a long Restore in any order cancels each removal", () => {
    const n = 50_000;
    const doc = new Document(1n);
    const map = doc.createMap("m");
    doc.takeOutbox();
    const target = toPbId(id(map));
    for (let k = 1; k <= n; k++) {
      expect(doc.apply(attackerOp(k, { case: "remove", value: { target } })).status).toBe("ok");
    }
    expect(doc.maps()).toEqual([]);
    const removals = Array.from({ length: n }, (_, i) =>
      toPbId({ replica: ATTACKER, counter: n - i }),
    );
    const restore = attackerOp(n + 1, { case: "restore", value: { target, removals } });
    expect(doc.apply(restore).status).toBe("ok");
    expect(doc.maps().map((m) => m.id)).toEqual([map]);
  });

  test("Liveness ignores a cancel of what is not a removal", () => {
    const live = new Liveness();
    live.addRemoval({ replica: 5n, counter: 1 });
    live.addRemoval({ replica: 3n, counter: 7 });
    live.cancel([
      { replica: 9n, counter: 9 },
      { replica: 5n, counter: 1 },
      { replica: 5n, counter: 1 },
    ]);
    expect(live.activeRemovals()).toEqual([{ replica: 3n, counter: 7 }]);
    expect(live.activeCount).toBe(1);
    expect(live.removedBy(3n)).toBe(true);
    expect(live.removedBy(5n)).toBe(false);
    live.cancel([{ replica: 3n, counter: 7 }]);
    expect(live.removed).toBe(false);
  });
});

describe("F5: the export", () => {
  test("lists each draft's own visible variants", () => {
    const doc = new Document(1n);
    const drafts = ["a", "b", "c"].map((name) => doc.createDraft(name));
    const variants = drafts.flatMap((d) => [
      doc.createVariant(d, "v1"),
      doc.createVariant(d, "v2"),
    ]);
    doc.remove(variants[1]); // a's v2
    doc.remove(drafts[2]);
    const json = doc.toJSON() as { drafts: { id: string; variants: { id: string }[] }[] };
    expect(json.drafts.map((d) => [d.id, d.variants.map((v) => v.id)])).toEqual([
      [drafts[0], [drafts[0], variants[0]]],
      [drafts[1], [drafts[1], variants[2], variants[3]]],
    ]);
  });
});
