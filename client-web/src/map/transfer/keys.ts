// The model's lower-case keys (formats/model.ts) and the CRDT's enums, both
// ways, from style.ts's tables: one list per enumeration for the map, its
// legend, the files and this module.
import {
  BoundaryType,
  ConnectionKind,
  Direction,
  ElementKind,
  FieldType,
  ScaleLevel,
} from "../../gen/convene/v1/ops_pb";
import type {
  BoundaryTypeKey,
  ConnectionKindKey,
  DirectionKey,
  ElementKindKey,
  FieldDef,
  ScaleKey,
} from "../formats";
import * as style from "../style";

export interface Lookups<E, K extends string> {
  /** The key of an enum value; undefined for unset or unknown. */
  keyOf(value: E | undefined): K | undefined;
  /** The enum value of a key; undefined for an unknown key. */
  valueOf(key: string): E | undefined;
}

/** Two-way lookups over one of style.ts's tables, by its enum column. */
function lookups<T extends { key: string }, F extends keyof T>(
  table: T[],
  column: F,
  unset: T[F],
): Lookups<T[F], string> {
  return {
    keyOf: (value) =>
      value === undefined || value === unset
        ? undefined
        : table.find((e) => e[column] === value)?.key,
    valueOf: (key) => table.find((e) => e.key === key)?.[column],
  };
}

type Lookup<E, K extends string> = Lookups<E, Exclude<K, "">>;
const FIELD_TYPES = [
  { type: FieldType.TEXT, key: "text" },
  { type: FieldType.NUMBER, key: "number" },
  { type: FieldType.CHOICE, key: "choice" },
];

export const elementKinds = lookups(style.ELEMENT_KINDS, "kind", ElementKind.UNSPECIFIED) as Lookup<
  ElementKind,
  ElementKindKey
>;
export const scales = lookups(style.SCALE_LEVELS, "level", ScaleLevel.UNSPECIFIED) as Lookup<
  ScaleLevel,
  ScaleKey
>;
export const connectionKinds = lookups(
  style.CONNECTION_KINDS,
  "kind",
  ConnectionKind.UNSPECIFIED,
) as Lookup<ConnectionKind, ConnectionKindKey>;
export const boundaryTypes = lookups(
  style.BOUNDARY_TYPES,
  "type",
  BoundaryType.UNSPECIFIED,
) as Lookup<BoundaryType, BoundaryTypeKey>;
// Every direction is a value here: none is undirected, not unset.
export const directions = lookups(style.DIRECTIONS, "direction", -1 as Direction) as Lookup<
  Direction,
  DirectionKey
>;
export const fieldTypes = lookups(FIELD_TYPES, "type", FieldType.UNSPECIFIED) as Lookup<
  FieldType,
  FieldDef["type"]
>;
