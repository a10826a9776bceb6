// The browser's replica of a convening document: the contract between the
// CRDT (src/crdt), the sync layer (src/sync) and the UI (src/ui).
//
// Semantics are those of the C++ library (docs/crdt.md): the same ops give the
// same canonical JSON, proven by replaying tests/vectors. Ids are strings
// "replica:counter" in decimal (IdKey), as in the canonical JSON; protobuf
// messages carry them as OpId {replica: bigint, counter: bigint}.
import type {
  ConnectionFields,
  ConnectionKind,
  ElementFields,
  ElementKind,
  FieldType,
  Geometry,
  Op,
  ScaleLevel,
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

// ---- a map's own vocabulary (docs/crdt.md, "Vocabulary") ----------------------
// Inits name what an edit sets (absent: unchanged); views are what reads give.

/** A custom field's value: text (also a choice) or a number. */
export type FieldValue = string | number;

export interface FieldInit {
  name?: string;
  type?: FieldType;
  choices?: string[];
}

export interface FieldDefView {
  id: IdKey;
  map: IdKey;
  name: string;
  type: FieldType;
  choices: string[];
}

export interface KindInit {
  name?: string;
  base?: ElementKind; // the built-in kind it is drawn and exported as
  color?: string;
  shape?: string;
}

export interface KindView extends Required<KindInit> {
  id: IdKey;
  map: IdKey;
}

/** Entities with a tag, or whose field holds a value (numbers as "3", "0.5"). */
export type StyleMatch = { tag: string } | { field: IdKey; value: string };

export interface StyleRuleInit {
  match?: StyleMatch;
  color?: string;
  shape?: string;
  size?: number; // 0.25..4, 1 as drawn
  order?: number; // rules apply by (order, id), later over earlier
}

export interface StyleRuleView extends Required<StyleRuleInit> {
  id: IdKey;
  map: IdKey;
}

export interface ViewportInit {
  x: number;
  y: number;
  zoom: number; // 0 < zoom <= 1000
  /** The area shown, in map units (a saved view fits it on any screen); 0 or absent: unknown. */
  width?: number;
  height?: number;
}

export interface ViewFilterInit {
  kinds?: ElementKind[];
  customKinds?: IdKey[];
  scales?: ScaleLevel[];
  tags?: string[];
  connectionKinds?: ConnectionKind[];
  authors?: string[]; // member ids of who added an element
  focus?: IdKey; // "" or absent: none
  focusDepth?: number; // 1..3 with a focus, else 0
  highlights?: IdKey[];
  search?: string;
}

export interface SavedViewInit {
  name?: string;
  viewport?: ViewportInit; // replaced whole
  filter?: ViewFilterInit; // replaced whole
  order?: number; // presentation steps through views by (order, id)
}

export interface SavedView {
  id: IdKey;
  map: IdKey;
  name: string;
  viewport: ViewportInit; // {0, 0, 1} when never set
  filter: Required<ViewFilterInit>; // focus "" when none
  order: number;
}

export interface TagUse {
  tag: string;
  count: number; // visible elements and connections of the map with it
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

  // A map's vocabulary. Tags and values go on elements and connections;
  // definitions are removed and restored with remove() / restore(). A
  // change of a definition also lists its map in takeChanges(): what is drawn
  // with it may look different.
  setTag(target: IdKey, tag: string, on: boolean): void;
  /** undefined (or empty text) clears the value. */
  setFieldValue(target: IdKey, field: IdKey, value: FieldValue | undefined): void;
  createField(map: IdKey, init: FieldInit): IdKey;
  updateField(field: IdKey, init: FieldInit): void;
  createKind(map: IdKey, init: KindInit): IdKey;
  updateKind(kind: IdKey, init: KindInit): void;
  createStyleRule(map: IdKey, init: StyleRuleInit & { match: StyleMatch }): IdKey;
  updateStyleRule(rule: IdKey, init: StyleRuleInit): void;
  createView(map: IdKey, init: SavedViewInit): IdKey;
  updateView(view: IdKey, init: SavedViewInit): void;
  /** undefined: back to the built-in kind only. */
  setCustomKind(element: IdKey, kind: IdKey | undefined): void;
  setPinned(element: IdKey, pinned: boolean): void;

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
  // A map's vocabulary: visible definitions only, of visible targets.
  tagsOf(target: IdKey): string[]; // by code point
  tagsInMap(map: IdKey): TagUse[]; // by code point
  fieldsOf(map: IdKey): FieldDefView[]; // by id
  fieldValue(target: IdKey, field: IdKey): FieldValue | undefined;
  kindsOf(map: IdKey): KindView[]; // by id
  styleRulesOf(map: IdKey): StyleRuleView[]; // by (order, id): apply in this order
  viewsOf(map: IdKey): SavedView[]; // by (order, id)
  customKindOf(element: IdKey): IdKey | undefined;

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
