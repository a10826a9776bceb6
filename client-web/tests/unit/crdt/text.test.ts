// The text CRDT on its own: local edits against a plain model, YjsMod
// integration of concurrent inserts, tombstones, code point offsets and the
// tree staying consistent through many splits.
import { describe, expect, test } from "vitest";
import type { Id } from "../../../src/crdt/ids";
import { TextSequence } from "../../../src/crdt/text";
import { codePointCount } from "../../../src/crdt/utf8";
import { seeded } from "./helpers";

interface Insert {
  first: Id;
  originLeft: Id | null;
  originRight: Id | null;
  text: string;
}

/** One replica of a TextSequence plus the inserts it made, for merge tests. */
class Replica {
  readonly seq = new TextSequence();
  readonly inserts: Insert[] = [];
  private counter = 1;

  constructor(readonly replica: bigint) {}

  insert(pos: number, text: string): void {
    const first = { replica: this.replica, counter: this.counter };
    const length = codePointCount(text);
    const origins = this.seq.localInsert(pos, first, text, length);
    this.counter += length;
    this.inserts.push({ first, ...origins, text });
    expect(this.seq.checkInvariants()).toBeNull();
  }

  merge(op: Insert): void {
    if (this.seq.contains(op.first)) return;
    this.seq.integrate(op.first, op.originLeft, op.originRight, op.text, codePointCount(op.text));
    expect(this.seq.checkInvariants()).toBeNull();
  }
}

/** Code points of a string, for a model indexed like the CRDT. */
const chars = (s: string) => Array.from(s);

describe("local edits", () => {
  test("match a plain string through thousands of random inserts and deletes", () => {
    const rnd = seeded(7);
    const seq = new TextSequence();
    let model: string[] = [];
    let counter = 1;
    const alphabet = ["a", "b", "ç", "😀", "東", "e\u0301"];
    for (let step = 0; step < 4000; step++) {
      if (model.length > 0 && rnd(3) === 0) {
        const pos = rnd(model.length);
        const len = 1 + rnd(Math.min(5, model.length - pos));
        const spans = seq.localDelete(pos, len);
        expect(spans.reduce((n, s) => n + s.length, 0)).toBe(len);
        model.splice(pos, len);
      } else {
        const pos = rnd(model.length + 1);
        const text = alphabet[rnd(alphabet.length)].repeat(1 + rnd(3));
        const n = codePointCount(text);
        seq.localInsert(pos, { replica: 1n, counter }, text, n);
        counter += n;
        model = [...model.slice(0, pos), ...chars(text), ...model.slice(pos)];
      }
      expect(seq.size).toBe(model.length);
      if (step % 97 === 0) {
        expect(seq.text()).toBe(model.join(""));
        expect(seq.checkInvariants()).toBeNull();
      }
    }
    expect(seq.text()).toBe(model.join(""));
    expect(seq.checkInvariants()).toBeNull();
  });

  test("sequential typing is one run", () => {
    const seq = new TextSequence();
    for (let i = 0; i < 1000; i++) seq.localInsert(i, { replica: 9n, counter: i + 1 }, "x", 1);
    expect(seq.size).toBe(1000);
    expect(seq.runCount()).toBe(1);
  });

  test("backspacing merges the deleted characters back into one run", () => {
    const seq = new TextSequence();
    seq.localInsert(0, { replica: 1n, counter: 1 }, "abcdefgh", 8);
    for (let pos = 6; pos >= 2; pos--) seq.localDelete(pos, 1);
    expect(seq.text()).toBe("abh");
    expect(seq.runCount()).toBe(3); // "ab", the tombstones "cdefg", "h"
  });

  test("origins: the visible character before and whatever follows it", () => {
    const seq = new TextSequence();
    seq.localInsert(0, { replica: 1n, counter: 1 }, "abc", 3);
    seq.localDelete(1, 1); // "b" becomes a tombstone after "a"
    const origins = seq.localInsert(1, { replica: 1n, counter: 10 }, "X", 1);
    expect(origins.originLeft).toEqual({ replica: 1n, counter: 1 });
    expect(origins.originRight).toEqual({ replica: 1n, counter: 2 }); // the tombstone
    expect(seq.text()).toBe("aXc");
  });
});

describe("integration of concurrent inserts", () => {
  test("concurrent typing at the same place does not interleave", () => {
    const a = new Replica(1n);
    const b = new Replica(2n);
    a.insert(0, "[]");
    b.merge(a.inserts[0]);
    for (const c of "hello") a.insert(a.seq.size - 1, c);
    for (const c of "world") b.insert(b.seq.size - 1, c);
    for (const op of b.inserts) a.merge(op);
    for (const op of a.inserts) b.merge(op);
    expect(a.seq.text()).toBe(b.seq.text());
    expect(["[helloworld]", "[worldhello]"]).toContain(a.seq.text());
  });

  test("backward typing stays together", () => {
    const a = new Replica(1n);
    const b = new Replica(2n);
    for (const c of "cba") a.insert(0, c);
    for (const c of "zyx") b.insert(0, c);
    for (const op of b.inserts) a.merge(op);
    for (const op of a.inserts) b.merge(op);
    expect(a.seq.text()).toBe(b.seq.text());
    expect(["abcxyz", "xyzabc"]).toContain(a.seq.text());
  });

  test("siblings with the same origins are ordered by replica, lower first", () => {
    const a = new Replica(5n);
    const b = new Replica(3n);
    a.insert(0, "A");
    b.insert(0, "B");
    a.merge(b.inserts[0]);
    b.merge(a.inserts[0]);
    expect(a.seq.text()).toBe("BA");
    expect(b.seq.text()).toBe("BA");
  });

  test("replica order is numeric over 64 bits", () => {
    const big = new Replica(0xffff_ffff_ffff_fff0n);
    const small = new Replica(2n);
    big.insert(0, "B");
    small.insert(0, "s");
    big.merge(small.inserts[0]);
    small.merge(big.inserts[0]);
    expect(big.seq.text()).toBe("sB");
    expect(small.seq.text()).toBe("sB");
  });

  test("an insert between a character and a tombstone lands before the tombstone", () => {
    const a = new Replica(1n);
    const b = new Replica(2n);
    a.insert(0, "ab");
    b.merge(a.inserts[0]);
    a.seq.localDelete(1, 1); // a deletes "b"
    b.insert(1, "X"); // b types between "a" and "b"
    a.merge(b.inserts[0]);
    expect(a.seq.text()).toBe("aX");
    expect(b.seq.text()).toBe("aXb");
  });

  test("many replicas converge under any delivery order that respects origins", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rnd = seeded(seed);
      const reps = [100n, 101n, 102n, 103n].map((r) => new Replica(r));
      const all: Insert[] = [];
      for (let round = 0; round < 5; round++) {
        reps.forEach((r, k) => {
          for (let i = 0; i < 5; i++) {
            r.insert(rnd(r.seq.size + 1), ["a", "😀", "ç"][k % 3].repeat(1 + rnd(3)));
          }
        });
        for (const r of reps) all.push(...r.inserts);
        for (const r of reps) {
          let pending = [...all].sort(() => rnd(3) - 1);
          while (pending.length > 0) {
            pending = pending.filter((op) => {
              const ready =
                (!op.originLeft || r.seq.contains(op.originLeft)) &&
                (!op.originRight || r.seq.contains(op.originRight)) &&
                (op.first.counter === 1 ||
                  r.seq.contains({ replica: op.first.replica, counter: op.first.counter - 1 }));
              if (ready) r.merge(op);
              return !ready;
            });
          }
        }
        for (const r of reps) expect(r.seq.text(), `seed ${seed}`).toBe(reps[0].seq.text());
      }
    }
  });
});

describe("deletes, ids and positions", () => {
  test("deleting is idempotent and keeps tombstones", () => {
    const seq = new TextSequence();
    seq.localInsert(0, { replica: 1n, counter: 1 }, "abcdef", 6);
    expect(seq.applyDelete({ replica: 1n, counter: 2, length: 3 })).toBe(3);
    expect(seq.applyDelete({ replica: 1n, counter: 1, length: 4 })).toBe(1);
    expect(seq.text()).toBe("ef");
    expect(seq.size).toBe(2);
    expect(seq.totalSize).toBe(6);
    expect(seq.contains({ replica: 1n, counter: 3 })).toBe(true);
    expect(seq.isVisible({ replica: 1n, counter: 3 })).toBe(false);
    expect(seq.checkInvariants()).toBeNull();
  });

  test("positions, ids and visible parts", () => {
    const seq = new TextSequence();
    seq.localInsert(0, { replica: 1n, counter: 1 }, "hello", 5);
    seq.localDelete(1, 2); // "hlo"
    expect(seq.idAt(1)).toEqual({ replica: 1n, counter: 4 });
    expect(seq.positionOf({ replica: 1n, counter: 4 })).toBe(1);
    expect(seq.positionOf({ replica: 1n, counter: 2 })).toBe(1); // a tombstone: where it stood
    expect(seq.visibleParts({ replica: 1n, counter: 1, length: 5 })).toEqual([
      { replica: 1n, counter: 1, length: 1 },
      { replica: 1n, counter: 4, length: 2 },
    ]);
    expect(seq.contentOf({ replica: 1n, counter: 2, length: 2 })).toBe("el");
    expect(seq.firstMissing({ replica: 1n, counter: 4, length: 5 })).toBe(6);
    expect(seq.containsSpan({ replica: 1n, counter: 1, length: 5 })).toBe(true);
  });

  test("surrogate pairs split and merge at code point offsets", () => {
    const seq = new TextSequence();
    seq.localInsert(0, { replica: 1n, counter: 1 }, "a😀b🌍c", 5);
    expect(seq.size).toBe(5);
    seq.localInsert(2, { replica: 1n, counter: 6 }, "é", 1); // between 😀 and b
    expect(seq.text()).toBe("a😀éb🌍c");
    seq.localDelete(1, 1); // the 😀 alone
    expect(seq.text()).toBe("aéb🌍c");
    expect(seq.contentOf({ replica: 1n, counter: 2, length: 3 })).toBe("😀b🌍");
    seq.localDelete(3, 1); // 🌍
    expect(seq.text()).toBe("aébc");
    expect(seq.checkInvariants()).toBeNull();
  });

  test("the tree stays consistent through thousands of scattered runs", () => {
    const rnd = seeded(3);
    const seq = new TextSequence();
    let counter = 1;
    for (let i = 0; i < 5000; i++) {
      // Every insert names a new replica run, so nothing merges: many leaves.
      seq.localInsert(rnd(seq.size + 1), { replica: BigInt(1 + (i % 7)), counter }, "xy", 2);
      counter += 3;
    }
    expect(seq.size).toBe(10000);
    expect(seq.runCount()).toBeGreaterThan(4000);
    expect(seq.checkInvariants()).toBeNull();
    for (let i = 0; i < 2000; i++) seq.localDelete(rnd(seq.size - 3), 3);
    expect(seq.size).toBe(4000);
    expect(seq.text().length).toBe(4000);
    expect(seq.checkInvariants()).toBeNull();
  });
});
