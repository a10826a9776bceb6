// The text CRDT against a reference: the integration rule of docs/crdt.md
// written out one character at a time, with no runs, no tree and no
// shortcuts (as tests/unit/text_reference_test.cc does for the C++ library).
// Hostile origins (far apart, inverted, the same pair again and again, which
// TextSequence holds as one run: a "fan"), remote and local deletes at
// random; after every step every character, its origins and its deleted
// state must be the reference's.
import { expect, test } from "vitest";
import { sameId, type Id, type IdSpan } from "../../../src/crdt/ids";
import { TextSequence, type Character } from "../../../src/crdt/text";
import { seeded } from "./helpers";

interface Char extends Character {
  c: string;
}

class Reference {
  readonly chars: Char[] = [];

  integrate(first: Id, originLeft: Id | null, originRight: Id | null, text: string): void {
    const at = this.place(first.replica, originLeft, originRight);
    Array.from(text).forEach((c, k) => {
      const id = { replica: first.replica, counter: first.counter + k };
      const left = k === 0 ? originLeft : { replica: id.replica, counter: id.counter - 1 };
      this.chars.splice(at + k, 0, { id, originLeft: left, originRight, deleted: false, c });
    });
  }

  remove(span: IdSpan): void {
    for (const ch of this.chars) {
      const { replica, counter } = ch.id;
      if (
        replica === span.replica &&
        counter >= span.counter &&
        counter < span.counter + span.length
      )
        ch.deleted = true;
    }
  }

  text(): string {
    return this.chars
      .filter((ch) => !ch.deleted)
      .map((ch) => ch.c)
      .join("");
  }

  private pos(id: Id | null, absent: number): number {
    if (id === null) return absent;
    const at = this.chars.findIndex((ch) => sameId(ch.id, id));
    expect(at).toBeGreaterThanOrEqual(0);
    return at;
  }

  /** docs/crdt.md, "Text", as written there. */
  private place(replica: bigint, newLeft: Id | null, newRight: Id | null): number {
    const size = this.chars.length;
    const left = this.pos(newLeft, -1);
    const right = this.pos(newRight, size);
    let dest = left + 1;
    let scanning = false;
    for (let i = left + 1; ; i++) {
      if (!scanning) dest = i;
      if (i === size || i === right) break;
      const o = this.chars[i];
      const oleft = this.pos(o.originLeft, -1);
      const oright = this.pos(o.originRight, size);
      if (oleft < left || (oleft === left && oright === right && replica < o.id.replica)) break;
      if (oleft === left) scanning = oright < right;
    }
    return dest;
  }
}

class Session {
  readonly seq = new TextSequence();
  readonly ref = new Reference();
  sawFan = false;
  private readonly counters = new Map<bigint, number>();
  private readonly lastPair = new Map<bigint, [Id | null, Id | null]>();

  constructor(private readonly rnd: (n: number) => number) {}

  step(): void {
    const roll = this.rnd(100);
    if (roll < 50) this.remoteInsert();
    else if (roll < 75) this.localInsert();
    else if (roll < 90) this.remoteDelete();
    else this.localDelete();
  }

  private randomChar(): Id | null {
    const chars = this.ref.chars;
    if (chars.length === 0 || this.rnd(8) === 0) return null;
    return chars[this.rnd(chars.length)].id;
  }

  private randomText(): string {
    const n = this.rnd(3) === 0 ? 1 + this.rnd(6) : 1;
    let text = "";
    for (let i = 0; i < n; i++) text += String.fromCharCode(97 + this.rnd(26));
    return text;
  }

  private nextId(replica: bigint, length: number): Id {
    const counter = (this.counters.get(replica) ?? 0) + 1;
    this.counters.set(replica, counter + length - 1);
    return { replica, counter };
  }

  /** Origins anywhere, or the same pair as this replica's last insert. */
  private remoteInsert(): void {
    const replica = BigInt(1 + this.rnd(4));
    let pair = this.lastPair.get(replica);
    if (!pair || this.rnd(2) === 0) pair = [this.randomChar(), this.randomChar()];
    this.lastPair.set(replica, pair);
    const text = this.randomText();
    const first = this.nextId(replica, text.length);
    this.seq.integrate(first, pair[0], pair[1], text, text.length);
    this.ref.integrate(first, pair[0], pair[1], text);
    const canonicalRuns = this.seq.characters().filter((ch, i, all) => {
      const prev = all[i - 1];
      return !prev || !sameId(ch.originLeft, prev.id) || ch.id.replica !== prev.id.replica;
    }).length;
    if (this.seq.runCount() < canonicalRuns) this.sawFan = true;
  }

  private localInsert(): void {
    const replica = BigInt(1 + this.rnd(4));
    const text = this.randomText();
    const first = this.nextId(replica, text.length);
    const o = this.seq.localInsert(this.rnd(this.seq.size + 1), first, text, text.length);
    this.ref.integrate(first, o.originLeft, o.originRight, text);
  }

  private remoteDelete(): void {
    const id = this.randomChar();
    if (!id) return;
    const span = { ...id, length: 1 + this.rnd(4) };
    while (!this.seq.containsSpan(span)) span.length--;
    this.seq.applyDelete(span);
    this.ref.remove(span);
  }

  private localDelete(): void {
    if (this.seq.size === 0) return;
    const pos = this.rnd(this.seq.size);
    const length = 1 + this.rnd(Math.min(3, this.seq.size - pos));
    for (const span of this.seq.localDelete(pos, length)) this.ref.remove(span);
  }
}

test("hostile origins place every character as the rule says", () => {
  let sawFan = false;
  for (let seed = 1; seed <= 15; seed++) {
    const session = new Session(seeded(seed));
    for (let step = 0; step < 200; step++) {
      session.step();
      expect(session.seq.checkInvariants(), `seed ${seed} step ${step}`).toBeNull();
      expect(session.seq.text(), `seed ${seed} step ${step}`).toBe(session.ref.text());
      const expected = session.ref.chars.map(({ c: _, ...ch }) => ch);
      expect(session.seq.characters(), `seed ${seed} step ${step}`).toEqual(expected);
    }
    sawFan ||= session.sawFan;
  }
  expect(sawFan, "no seed made a fan: the test no longer covers them").toBe(true);
});
