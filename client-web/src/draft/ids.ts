// IdKey ("replica:counter") <-> the protobuf OpId carried in presence.

import type { IdKey } from "../crdt/api";

export interface OpIdFields {
  replica: bigint;
  counter: bigint;
}

export function opIdFromKey(key: IdKey): OpIdFields {
  const colon = key.indexOf(":");
  return { replica: BigInt(key.slice(0, colon)), counter: BigInt(key.slice(colon + 1)) };
}

export function keyFromOpId(id: OpIdFields): IdKey {
  return `${id.replica}:${id.counter}`;
}
