// The browser's replica of a convening document: the contract between the
// CRDT (src/crdt), the sync layer (src/sync) and the UI (src/ui).
//
// Semantics are those of the C++ library (docs/crdt.md): the same ops give the
// same canonical JSON, proven by replaying tests/vectors. Ids are strings
// "replica:counter" in decimal (IdKey), as in the canonical JSON; protobuf
// messages carry them as OpId {replica: bigint, counter: bigint}.
import type {
  ConnectionFields,
  ElementFields,
  Geometry,
  Op,
  ShapeFields,
} from "../gen/convene/v1/ops_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ConnectionFieldsSchema,
  ElementFieldsSchema,
  ShapeFieldsSchema,
} from "../gen/convene/v1/ops_pb";

/** "replica:counter", both decimal. */
export type IdKey = string;

export type ApplyStatus = "ok" | "duplicate" | "missing" | "invalid";

export interface ApplyResult {
  status: ApplyStatus;
  /** Why, for missing/invalid (names the missing id or the broken rule). */
  message?: string;
}

/** Thrown by local edits given bad input (unknown target, limits, observer...). */
export class EditError extends Error {}

export type ElementInit = MessageInitShape<typeof ElementFieldsSchema>;
export type ConnectionInit = MessageInitShape<typeof ConnectionFieldsSchema>;
export type ShapeInit = MessageInitShape<typeof ShapeFieldsSchema>;

export interface PerspectiveSummary {
  values: Map<string, number>; // participant -> value
  count: number;
  mean: number;
  min: number;
  max: number;
  spread: number; // population standard deviation
}

export interface NamedView {
  id: IdKey;
  name: string;
}

export interface ElementView {
  id: IdKey;
  map: IdKey;
  fields: ElementFields; // every field present with its current value
}

export interface ConnectionView {
  id: IdKey;
  map: IdKey;
  from: IdKey;
  to: IdKey;
  fields: ConnectionFields;
}

export interface ShapeView {
  id: IdKey;
  map: IdKey;
  geometry: Geometry;
  fields: ShapeFields;
}

export interface VariantView extends NamedView {
  draft: IdKey;
  copiedFrom: IdKey | ""; // "" when not copied
}

/**
 * What changed since the last takeChanges(): ids of entities whose visible
 * state may differ (created, updated, removed, restored, text edited). A
 * removed map/draft lists itself; renderers re-read what they show.
 */
export interface Changes {
  entities: Set<IdKey>;
  /** Variants whose text changed. */
  texts: Set<IdKey>;
  /** Maps, drafts or variants were created, removed, restored or renamed. */
  structure: boolean;
}

export interface ConveneDocument {
  readonly replica: bigint;

  // ---- applying ops (remote or replayed) -----------------------------------
  apply(op: Op): ApplyResult;

  // ---- local edits: applied at once, queued in the outbox -------------------
  // Each returns the new entity's id where one is created; throws EditError.
  createMap(name: string): IdKey;
  createDraft(name: string): IdKey; // base variant id == draft id
  createVariant(draft: IdKey, name: string, copyFrom?: IdKey): IdKey;
  rename(target: IdKey, name: string): void;
  remove(target: IdKey): void;
  restore(target: IdKey): void;
  createElement(map: IdKey, fields: ElementInit): IdKey;
  updateElement(element: IdKey, fields: ElementInit): void;
  createConnection(map: IdKey, from: IdKey, to: IdKey, fields: ConnectionInit): IdKey;
  updateConnection(connection: IdKey, fields: ConnectionInit): void;
  createShape(map: IdKey, geometry: Geometry, fields: ShapeInit): IdKey;
  updateShape(shape: IdKey, fields: ShapeInit): void;
  setPerspective(target: IdKey, aspect: string, participant: string, value?: number): void;
  /** Positions count code points of the visible text. */
  insertText(variant: IdKey, pos: number, text: string): void;
  deleteText(variant: IdKey, pos: number, length: number): void;

  /** Local ops since the last call, coalesced (runs of typing become one op). */
  takeOutbox(): Op[];
  outboxSize(): number;

  // ---- undo / redo (this replica's own edits) -------------------------------
  undoCheckpoint(): void;
  canUndo(): boolean;
  canRedo(): boolean;
  undo(): void;
  redo(): void;

  // ---- queries (visible state only) -----------------------------------------
  maps(): NamedView[]; // sorted by id
  elements(map: IdKey): ElementView[];
  connections(map: IdKey): ConnectionView[]; // visible: both ends visible
  shapes(map: IdKey): ShapeView[];
  element(id: IdKey): ElementView | undefined;
  connection(id: IdKey): ConnectionView | undefined;
  shape(id: IdKey): ShapeView | undefined;
  perspectives(target: IdKey): Map<string, PerspectiveSummary>; // aspect -> summary
  drafts(): NamedView[];
  variants(draft: IdKey): VariantView[];
  text(variant: IdKey): string;
  textLength(variant: IdKey): number; // code points

  /**
   * Stable caret positions across remote edits: anchorAt gives the id of the
   * visible character before `pos` (null: the start); positionOf gives where
   * that anchor is now (if the character was deleted, the position where it
   * stood).
   */
  anchorAt(variant: IdKey, pos: number): IdKey | null;
  positionOf(variant: IdKey, anchor: IdKey | null): number;

  takeChanges(): Changes;

  /** The canonical JSON of docs/crdt.md (what tests/vectors and the export hold). */
  toJSON(): unknown;
}
