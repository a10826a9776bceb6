// Shared by the CRDT tests: a seeded random source and op delivery.
import { expect } from "vitest";
import type { Op } from "../../../src/gen/convene/v1/ops_pb";
import type { Document } from "../../../src/crdt/document";

/** A small seeded generator (mulberry32): the same seed, the same run. */
export function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) as number;
  };
}

/** Takes `from`'s outbox and applies it to each of `to`; every op must apply. */
export function sync(from: Document, ...to: Document[]): Op[] {
  const ops = from.takeOutbox();
  for (const doc of to) {
    for (const op of ops) expect(doc.apply(op)).toEqual({ status: "ok" });
  }
  return ops;
}

/** The canonical JSON, for comparing replicas. */
export function state(doc: Document): unknown {
  return doc.toJSON();
}
