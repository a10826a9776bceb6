// Applies LandscapeData to a map as ordinary ops, seen live by everyone, as
// one undo step: the step before is closed first and this one after the
// last op, as a layout closes its moves (layout-apply.ts). Everything is
// checked and worked out first (plan.ts), so the edits below do not fail; if
// one did all the same, the partial step is undone at once, so nothing of the
// import stays on the map.
import type { ConveneDocument, IdKey } from "../../crdt/api";
import { Geometry } from "../../gen/convene/v1/ops_pb";
import type {
  ConnectionData,
  ElementData,
  FieldValue,
  LandscapeData,
  Perspectives,
} from "../formats";
import { type Pt } from "../geometry";
import { keyToId } from "../ids";
import * as keys from "./keys";
import { placeUnpositioned } from "./place";
import { planImport, type ImportOptions, type ImportPlan, type ImportSummary } from "./plan";

const fold = (name: string) => name.trim().toLowerCase();

/** Creates what the plan did not find on the map; returns name → id for all. */
function vocabularyIds(
  plan: Map<string, IdKey | undefined>,
  create: (name: string) => IdKey,
): Map<string, IdKey> {
  const created = new Map<string, IdKey>();
  const ids = new Map<string, IdKey>();
  for (const [name, existing] of plan) {
    let id = existing ?? created.get(fold(name));
    if (id === undefined) {
      id = create(name);
      created.set(fold(name), id);
    }
    ids.set(name, id);
  }
  return ids;
}

class Applier {
  private fieldIds = new Map<string, IdKey>();
  private kindIds = new Map<string, IdKey>();
  private elementIds = new Map<string, IdKey>();

  constructor(
    private readonly doc: ConveneDocument,
    private readonly map: IdKey,
    private readonly plan: ImportPlan,
    private readonly me: string,
  ) {}

  run(data: LandscapeData, placed: Map<string, Pt>): void {
    const { doc, map } = this;
    this.fieldIds = vocabularyIds(this.plan.fields, (name) => {
      const def = data.fields.find((f) => f.name === name)!;
      return doc.createField(map, {
        name: def.name,
        type: keys.fieldTypes.valueOf(def.type),
        choices: def.choices,
      });
    });
    this.kindIds = vocabularyIds(this.plan.kinds, (name) => {
      const def = data.kinds.find((k) => k.name === name)!;
      return doc.createKind(map, { name: def.name, base: keys.elementKinds.valueOf(def.base) });
    });
    for (const e of data.elements) this.element(e, placed.get(e.id));
    for (const c of data.connections) this.connection(c);
    for (const s of data.shapes) {
      const sphereOf = s.sphereOf === undefined ? undefined : this.plan.people.get(s.sphereOf);
      doc.createShape(map, s.geometry === "polygon" ? Geometry.POLYGON : Geometry.POLYLINE, {
        path: { points: s.path.map((p) => ({ x: p.x, y: p.y })) },
        label: s.label,
        type: s.type === undefined ? undefined : keys.boundaryTypes.valueOf(s.type),
        sphereOf,
      });
    }
  }

  private element(e: ElementData, placed: Pt | undefined): void {
    const position = e.x !== undefined && e.y !== undefined ? { x: e.x, y: e.y } : placed;
    const customKind = e.customKind === undefined ? undefined : this.kindIds.get(e.customKind);
    const id = this.doc.createElement(this.map, {
      label: e.label,
      kind: e.kind === "" ? undefined : keys.elementKinds.valueOf(e.kind),
      notes: e.description === "" ? undefined : e.description,
      position,
      scale: e.scale === undefined ? undefined : keys.scales.valueOf(e.scale),
      color: e.color,
      shape: e.shape,
      selfOf: e.person === undefined ? undefined : this.plan.people.get(e.person),
      pinned: e.pinned,
      customKind: customKind === undefined ? undefined : keyToId(customKind),
    });
    this.elementIds.set(e.id, id);
    this.annotate(id, e.tags, e.fields, e.perspectives);
  }

  private connection(c: ConnectionData): void {
    const id = this.doc.createConnection(
      this.map,
      this.elementIds.get(c.from)!,
      this.elementIds.get(c.to)!,
      {
        direction: keys.directions.valueOf(c.direction),
        depth: c.depth,
        kind: c.kind === undefined ? undefined : keys.connectionKinds.valueOf(c.kind),
        label: c.label,
      },
    );
    this.annotate(id, c.tags, c.fields, c.perspectives);
  }

  /** Tags, custom field values and my perspectives of an element or connection. */
  private annotate(
    id: IdKey,
    tags: string[],
    values: Record<string, FieldValue>,
    perspectives: Perspectives | undefined,
  ): void {
    for (const tag of new Set(tags.map((t) => this.plan.tags.get(t) ?? t)))
      this.doc.setTag(id, tag, true);
    for (const [name, value] of Object.entries(values))
      this.doc.setFieldValue(id, this.fieldIds.get(name)!, value);
    for (const [aspect, byName] of Object.entries(perspectives ?? {})) {
      for (const [name, value] of Object.entries(byName))
        if (this.plan.myNames.has(name)) this.doc.setPerspective(id, aspect, this.me, value);
    }
  }
}

/**
 * Adds `data` to `map` as one undo step and says what it did; throws an
 * ImportError (nothing applied) when the data, the map or the role cannot
 * take it.
 */
export function importLandscape(
  doc: ConveneDocument,
  map: IdKey,
  data: LandscapeData,
  options: ImportOptions,
): ImportSummary {
  const plan = planImport(doc, map, data, options);
  const placed = placeUnpositioned(doc, map, data, options.centre ?? { x: 0, y: 0 });
  // Whatever came before is its own step; all of the import is one.
  doc.undoCheckpoint();
  const before = doc.outboxSize();
  try {
    new Applier(doc, map, plan, options.me.id).run(data, placed);
  } catch (error) {
    doc.undoCheckpoint();
    if (doc.outboxSize() !== before && doc.canUndo()) doc.undo();
    throw error;
  } finally {
    doc.undoCheckpoint();
  }
  return plan.summary;
}
