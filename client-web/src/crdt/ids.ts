// Identity and order shared by every part of the CRDT (docs/crdt.md,
// "Identity and order").
//
// Replica ids are 64-bit, so they stay bigint. Counters of applied ops are
// contiguous from 1, so they fit a JS number; ids read off the wire keep
// bigint counters (Ref) until validation has shown they name something here.
import { create } from "@bufbuild/protobuf";
import { OpIdSchema, type OpId as PbOpId } from "../gen/convene/v1/ops_pb";
import type { IdKey } from "./api";

/** The id of an applied op, entity or character. */
export interface Id {
  replica: bigint;
  counter: number;
}

/** An id as an op carries it: not yet known to name anything. */
export interface Ref {
  replica: bigint;
  counter: bigint;
}

/** Last-writer-wins order: Lamport time, then replica. */
export interface Stamp {
  lamport: bigint;
  replica: bigint;
}

/** Consecutive character ids (replica, counter .. counter + length - 1). */
export interface IdSpan {
  replica: bigint;
  counter: number;
  length: number;
}

export const MAX_U64 = (1n << 64n) - 1n;
export const NO_STAMP: Stamp = { lamport: 0n, replica: 0n };

// Keys are made for every reference of every op applied, and runs of ops
// share a replica: its decimal form is kept rather than redone each time.
let lastReplica = -1n;
let lastReplicaText = "";

export function idKey(replica: bigint, counter: number | bigint): IdKey {
  if (replica !== lastReplica) {
    lastReplica = replica;
    lastReplicaText = replica.toString();
  }
  return `${lastReplicaText}:${counter}`;
}

export function keyOf(id: Id | Ref): IdKey {
  return idKey(id.replica, id.counter);
}

export function sameId(a: Id | null, b: Id | null): boolean {
  if (a === null || b === null) return a === b;
  return a.replica === b.replica && a.counter === b.counter;
}

/** The numeric (replica, counter) order of C++ OpId. */
export function compareIds(a: Id, b: Id): number {
  if (a.replica !== b.replica) return a.replica < b.replica ? -1 : 1;
  return a.counter - b.counter;
}

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.lamport !== b.lamport) return a.lamport < b.lamport ? -1 : 1;
  if (a.replica !== b.replica) return a.replica < b.replica ? -1 : 1;
  return 0;
}

const ID_KEY = /^(\d{1,20}):(\d{1,16})$/;

/** Parses "replica:counter"; undefined if it cannot name an applied id. */
export function parseIdKey(key: string): Id | undefined {
  const m = ID_KEY.exec(key);
  if (!m) return undefined;
  const replica = BigInt(m[1]);
  const counter = Number(m[2]);
  if (replica > MAX_U64 || counter < 1 || !Number.isSafeInteger(counter)) return undefined;
  return { replica, counter };
}

/** An op's reference; an absent message reads as the unset id 0:0. */
export function refOf(id: PbOpId | undefined): Ref {
  return id ? { replica: id.replica, counter: id.counter } : { replica: 0n, counter: 0n };
}

/** C++ OpId::valid(): counter 0 never names an op. */
export function refValid(ref: Ref): boolean {
  return ref.counter !== 0n;
}

/** The zero id (or an absent one): "none" where an op may name nothing. */
export function refIsZero(ref: Ref): boolean {
  return ref.replica === 0n && ref.counter === 0n;
}

/** The Id a reference names, if its counter can belong to an applied op. */
export function idOfRef(ref: Ref): Id | undefined {
  if (ref.counter === 0n || ref.counter > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { replica: ref.replica, counter: Number(ref.counter) };
}

export function toPbId(id: Id): PbOpId {
  return create(OpIdSchema, { replica: id.replica, counter: BigInt(id.counter) });
}
