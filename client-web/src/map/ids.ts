// Ids travel in two spellings: the document names entities by IdKey
// ("replica:counter", decimal) and presence carries protobuf OpIds.
import type { IdKey } from "../crdt/api";

export interface OpIdLike {
  replica: bigint;
  counter: bigint;
}

/** The IdKey of a protobuf OpId; undefined for an absent or zero id. */
export function idToKey(id: OpIdLike | undefined): IdKey | undefined {
  if (!id || (id.replica === 0n && id.counter === 0n)) return undefined;
  return `${id.replica}:${id.counter}`;
}

/** The OpId of an IdKey; throws on anything that is not "replica:counter". */
export function keyToId(key: IdKey): OpIdLike {
  const match = /^(\d+):(\d+)$/.exec(key);
  if (!match) throw new Error(`not an id: ${key}`);
  return { replica: BigInt(match[1]), counter: BigInt(match[2]) };
}
