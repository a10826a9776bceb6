// An in-memory stand-in for the map part of ConveneDocument, with the same
// visible-state rules (remove hides, a connection needs both ends) and change
// reporting, so the map view can be exercised without the CRDT. Draft and
// text operations are not needed here and throw.
import { create } from "@bufbuild/protobuf";
import type {
  ApplyResult,
  Changes,
  ConnectionInit,
  ConnectionView,
  ConveneDocument,
  ElementInit,
  ElementView,
  IdKey,
  NamedView,
  PerspectiveSummary,
  ShapeInit,
  ShapeView,
  VariantView,
} from "../../../src/crdt/api";
import { EditError } from "../../../src/crdt/api";
import {
  ConnectionFieldsSchema,
  ElementFieldsSchema,
  PointListSchema,
  PointSchema,
  ShapeFieldsSchema,
  type ConnectionFields,
  type ElementFields,
  type Geometry,
  type Op,
  type ShapeFields,
} from "../../../src/gen/convene/v1/ops_pb";
import type { AppContext, Participant, PresenceInit } from "../../../src/ui/context";
import { Listeners } from "../../../src/ui/listeners";

interface Entity<F> {
  map: IdKey;
  fields: F;
  removed: boolean;
}

function noVocabulary(): never {
  throw new EditError("no vocabulary in this fake");
}

function noneKept(): [] {
  return [];
}

export class FakeDocument implements ConveneDocument {
  readonly replica = 7n;
  private counter = 0;
  private readonly mapNames = new Map<IdKey, { name: string; removed: boolean }>();
  private readonly elementsById = new Map<IdKey, Entity<ElementFields>>();
  private readonly connectionsById = new Map<
    IdKey,
    Entity<ConnectionFields> & { from: IdKey; to: IdKey }
  >();
  private readonly shapesById = new Map<IdKey, Entity<ShapeFields> & { geometry: Geometry }>();
  private readonly perspectiveValues = new Map<IdKey, Map<string, Map<string, number>>>();
  private changes: Changes = { entities: new Set(), texts: new Set(), structure: false };
  /** Every local edit, as [verb, target] (for asserting what the view did). */
  readonly log: [string, IdKey][] = [];

  private nextId(): IdKey {
    this.counter += 1;
    return `${this.replica}:${this.counter}`;
  }

  private touch(id: IdKey, structure = false): void {
    this.changes.entities.add(id);
    if (structure) this.changes.structure = true;
  }

  apply(_op: Op): ApplyResult {
    return { status: "invalid", message: "not supported by the fake" };
  }

  createMap(name: string): IdKey {
    const id = this.nextId();
    this.mapNames.set(id, { name, removed: false });
    this.touch(id, true);
    this.log.push(["createMap", id]);
    return id;
  }

  rename(target: IdKey, name: string): void {
    const map = this.mapNames.get(target);
    if (!map) throw new EditError(`no map ${target}`);
    map.name = name;
    this.touch(target, true);
    this.log.push(["rename", target]);
  }

  remove(target: IdKey): void {
    // Like the CRDT document: hidden entities (a connection whose end is gone) cannot be edited.
    const connection = this.connectionsById.get(target);
    if (connection && !connection.removed && !this.connection(target))
      throw new EditError(`${target} is hidden`);
    const entity =
      this.mapNames.get(target) ??
      this.elementsById.get(target) ??
      this.connectionsById.get(target) ??
      this.shapesById.get(target);
    if (!entity) throw new EditError(`unknown target ${target}`);
    entity.removed = true;
    this.touch(target, this.mapNames.has(target));
    this.log.push(["remove", target]);
  }

  restore(target: IdKey): void {
    const entity =
      this.mapNames.get(target) ??
      this.elementsById.get(target) ??
      this.connectionsById.get(target) ??
      this.shapesById.get(target);
    if (!entity) throw new EditError(`unknown target ${target}`);
    entity.removed = false;
    this.touch(target, this.mapNames.has(target));
  }

  private liveMap(map: IdKey): void {
    if (!this.mapNames.get(map) || this.mapNames.get(map)!.removed)
      throw new EditError(`no map ${map}`);
  }

  createElement(map: IdKey, init: ElementInit): IdKey {
    this.liveMap(map);
    const id = this.nextId();
    const fields = create(ElementFieldsSchema, {
      kind: 0,
      label: "",
      notes: "",
      position: { x: 0, y: 0 },
      scale: 0,
      color: "",
      shape: "",
      selfOf: "",
    });
    mergeElement(fields, init);
    this.elementsById.set(id, { map, fields, removed: false });
    this.touch(id);
    this.log.push(["createElement", id]);
    return id;
  }

  updateElement(element: IdKey, init: ElementInit): void {
    const entity = this.elementsById.get(element);
    if (!entity) throw new EditError(`no element ${element}`);
    mergeElement(entity.fields, init);
    this.touch(element);
    this.log.push(["updateElement", element]);
  }

  createConnection(map: IdKey, from: IdKey, to: IdKey, init: ConnectionInit): IdKey {
    this.liveMap(map);
    for (const end of [from, to]) {
      if (this.elementsById.get(end)?.map !== map)
        throw new EditError(`no element ${end} on this map`);
    }
    const id = this.nextId();
    const fields = create(ConnectionFieldsSchema, { direction: 0, depth: 1, kind: 0, label: "" });
    Object.assign(fields, defined(init));
    this.connectionsById.set(id, { map, from, to, fields, removed: false });
    this.touch(id);
    this.log.push(["createConnection", id]);
    return id;
  }

  updateConnection(connection: IdKey, init: ConnectionInit): void {
    const entity = this.connectionsById.get(connection);
    if (!entity) throw new EditError(`no connection ${connection}`);
    if (init.depth !== undefined && (init.depth < 1 || init.depth > 3))
      throw new EditError("depth must be 1-3");
    Object.assign(entity.fields, defined(init));
    this.touch(connection);
    this.log.push(["updateConnection", connection]);
  }

  createShape(map: IdKey, geometry: Geometry, init: ShapeInit): IdKey {
    this.liveMap(map);
    const id = this.nextId();
    const fields = create(ShapeFieldsSchema, {
      path: { points: [] },
      type: 0,
      label: "",
      sphereOf: "",
    });
    mergeShape(fields, init);
    this.shapesById.set(id, { map, geometry, fields, removed: false });
    this.touch(id);
    this.log.push(["createShape", id]);
    return id;
  }

  updateShape(shape: IdKey, init: ShapeInit): void {
    const entity = this.shapesById.get(shape);
    if (!entity) throw new EditError(`no shape ${shape}`);
    mergeShape(entity.fields, init);
    this.touch(shape);
    this.log.push(["updateShape", shape]);
  }

  setPerspective(target: IdKey, aspect: string, participant: string, value?: number): void {
    if (!this.elementsById.has(target) && !this.connectionsById.has(target))
      throw new EditError(`bad target ${target}`);
    if (!this.perspectiveValues.has(target)) this.perspectiveValues.set(target, new Map());
    const aspects = this.perspectiveValues.get(target)!;
    if (!aspects.has(aspect)) aspects.set(aspect, new Map());
    if (value === undefined) aspects.get(aspect)!.delete(participant);
    else aspects.get(aspect)!.set(participant, value);
    this.touch(target);
    this.log.push(["setPerspective", target]);
  }

  createDraft(): IdKey {
    throw new Error("drafts are not part of the map fake");
  }
  createVariant(): IdKey {
    throw new Error("drafts are not part of the map fake");
  }
  insertText(): void {
    throw new Error("drafts are not part of the map fake");
  }
  deleteText(): void {
    throw new Error("drafts are not part of the map fake");
  }
  takeOutbox(): Op[] {
    return [];
  }
  outboxSize(): number {
    return 0;
  }
  undoCheckpoint(): void {}
  canUndo(): boolean {
    return false;
  }
  canRedo(): boolean {
    return false;
  }
  undo(): void {}
  redo(): void {}

  maps(): NamedView[] {
    return [...this.mapNames]
      .filter(([, m]) => !m.removed)
      .map(([id, m]) => ({ id, name: m.name }));
  }

  private mapLive(map: IdKey): boolean {
    return !!this.mapNames.get(map) && !this.mapNames.get(map)!.removed;
  }

  element(id: IdKey): ElementView | undefined {
    const e = this.elementsById.get(id);
    if (!e || e.removed || !this.mapLive(e.map)) return undefined;
    return { id, map: e.map, fields: e.fields };
  }

  connection(id: IdKey): ConnectionView | undefined {
    const c = this.connectionsById.get(id);
    if (!c || c.removed || !this.element(c.from) || !this.element(c.to)) return undefined;
    return { id, map: c.map, from: c.from, to: c.to, fields: c.fields };
  }

  shape(id: IdKey): ShapeView | undefined {
    const s = this.shapesById.get(id);
    if (!s || s.removed || !this.mapLive(s.map)) return undefined;
    return { id, map: s.map, geometry: s.geometry, fields: s.fields };
  }

  elements(map: IdKey): ElementView[] {
    return [...this.elementsById.keys()]
      .map((id) => this.element(id)!)
      .filter((e) => e && e.map === map);
  }

  connections(map: IdKey): ConnectionView[] {
    return [...this.connectionsById.keys()]
      .map((id) => this.connection(id)!)
      .filter((c) => c && c.map === map);
  }

  shapes(map: IdKey): ShapeView[] {
    return [...this.shapesById.keys()]
      .map((id) => this.shape(id)!)
      .filter((s) => s && s.map === map);
  }

  perspectives(target: IdKey): Map<string, PerspectiveSummary> {
    const out = new Map<string, PerspectiveSummary>();
    for (const [aspect, values] of this.perspectiveValues.get(target) ?? []) {
      if (values.size === 0) continue;
      const list = [...values.values()];
      const mean = list.reduce((a, b) => a + b, 0) / list.length;
      const variance = list.reduce((a, b) => a + (b - mean) ** 2, 0) / list.length;
      out.set(aspect, {
        values: new Map(values),
        count: list.length,
        mean,
        min: Math.min(...list),
        max: Math.max(...list),
        spread: Math.sqrt(variance),
      });
    }
    return out;
  }

  // A map's vocabulary is not kept here: reads find none, edits throw.
  readonly setTag = noVocabulary;
  readonly setFieldValue = noVocabulary;
  readonly createField = noVocabulary;
  readonly updateField = noVocabulary;
  readonly createKind = noVocabulary;
  readonly updateKind = noVocabulary;
  readonly createStyleRule = noVocabulary;
  readonly updateStyleRule = noVocabulary;
  readonly createView = noVocabulary;
  readonly updateView = noVocabulary;
  readonly setCustomKind = noVocabulary;
  setPinned(element: IdKey, pinned: boolean): void {
    this.updateElement(element, { pinned });
  }
  readonly tagsOf = noneKept;
  readonly tagsInMap = noneKept;
  readonly fieldsOf = noneKept;
  readonly kindsOf = noneKept;
  readonly styleRulesOf = noneKept;
  readonly viewsOf = noneKept;
  readonly fieldValue = (): undefined => undefined;
  readonly customKindOf = (): undefined => undefined;

  drafts(): NamedView[] {
    return [];
  }
  variants(): VariantView[] {
    return [];
  }
  text(): string {
    return "";
  }
  textLength(): number {
    return 0;
  }
  anchorAt(): IdKey | null {
    return null;
  }
  positionOf(): number {
    return 0;
  }

  takeChanges(): Changes {
    const out = this.changes;
    this.changes = { entities: new Set(), texts: new Set(), structure: false };
    return out;
  }

  toJSON(): unknown {
    return { maps: this.maps() };
  }
}

function defined<T extends object>(init: T): Partial<T> {
  return Object.fromEntries(Object.entries(init).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mergeElement(fields: ElementFields, init: ElementInit): void {
  const { position, ...rest } = init;
  Object.assign(fields, defined(rest));
  if (position) fields.position = create(PointSchema, { x: position.x ?? 0, y: position.y ?? 0 });
}

function mergeShape(fields: ShapeFields, init: ShapeInit): void {
  const { path, ...rest } = init;
  Object.assign(fields, defined(rest));
  if (path) {
    fields.path = create(PointListSchema, {
      points: (path.points ?? []).map((p) => create(PointSchema, { x: p.x ?? 0, y: p.y ?? 0 })),
    });
  }
}

/**
 * An AppContext over a FakeDocument. `flush()` plays the app's animation
 * frame: it takes the document's changes and hands them to the listeners.
 */
export class FakeContext implements AppContext {
  readonly me: Participant;
  readonly others: Participant[] = [];
  readonly presenceSent: PresenceInit[] = [];
  readonly toasts: string[] = [];
  checkpoints = 0;
  uncheckpointed = 0;
  private changeListeners = new Listeners<Changes>();
  private presenceListeners = new Listeners();

  constructor(
    readonly doc: FakeDocument,
    readonly canEdit = true,
    me: Partial<Participant> = {},
  ) {
    this.me = { id: "aa01", name: "Ada", colour: "#d0508a", role: "participant", ...me };
  }

  participants(): Participant[] {
    return [this.me, ...this.others];
  }
  participant(id: string): Participant | undefined {
    return this.participants().find((p) => p.id === id);
  }
  edited(checkpoint?: boolean): void {
    if (checkpoint) this.checkpoints++;
    else this.uncheckpointed++;
  }
  undo(): void {}
  redo(): void {}
  onChange(listener: (changes: Changes) => void): () => void {
    return this.changeListeners.add(listener);
  }
  onPresence(listener: () => void): () => void {
    return this.presenceListeners.add(listener);
  }
  setPresence(update: PresenceInit): void {
    this.presenceSent.push(update);
  }
  currentMap(): IdKey | undefined {
    return undefined;
  }
  toast(message: string): void {
    this.toasts.push(message);
  }

  flush(): Changes {
    const changes = this.doc.takeChanges();
    this.changeListeners.emit(changes);
    return changes;
  }

  presenceChanged(): void {
    this.presenceListeners.emit();
  }
}
