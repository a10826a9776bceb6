// The landscape-map CRDT: maps, and on them elements, connections, shapes
// and per-participant perspectives (docs/crdt.md, "Maps"; server/crdt/
// landscape.h).
//
// - Entities are keyed by the id of the op that created them; every field is
//   a last-writer-wins register ordered by (lamport, replica).
// - Removal is remove-wins liveness; field writes apply whether or not the
//   entity is removed, so hidden state converges too.
// - An element is visible iff it and its map are live; a connection iff it,
//   its map and both ends are visible (never dangling); a shape iff it and
//   its map are live.
import {
  BoundaryType,
  ConnectionKind,
  Direction,
  ElementKind,
  Geometry,
  ScaleLevel,
  type ConnectionFields,
  type CreateConnection,
  type CreateShape,
  type ElementFields,
  type Op,
  type OpId as PbOpId,
  type ShapeFields,
  type UpdateShape,
} from "../gen/convene/v1/ops_pb";
import type { ApplyResult, IdKey, PerspectiveSummary } from "./api";
import type { ChangeLog } from "./changes";
import {
  checkConnectionFields,
  checkElementFields,
  checkPath,
  checkPerspective,
  checkShapeFields,
  checkText,
  enumJson,
  geometryOk,
} from "./fields";
import {
  compareIds,
  compareStamps,
  keyOf,
  refOf,
  refValid,
  type Id,
  type Ref,
  type Stamp,
} from "./ids";
import * as limits from "./limits";
import { checkRestoredRemovals, Liveness, Lww, restoredRemovals } from "./lww";
import { invalid, missing, OK, type Problem } from "./status";
import { compareCodePoints } from "./utf8";
import type { VersionVector } from "./version";

export interface Point2 {
  x: number;
  y: number;
}

interface Entity {
  id: Id;
  key: IdKey;
  liveness: Liveness;
}

export interface MapEntity extends Entity {
  name: Lww<string>;
  elements: Set<IdKey>;
  connections: Set<IdKey>;
  shapes: Set<IdKey>;
}

export interface ElementEntity extends Entity {
  map: IdKey;
  kind: Lww<ElementKind>;
  label: Lww<string>;
  notes: Lww<string>;
  position: Lww<Point2>;
  scale: Lww<ScaleLevel>;
  color: Lww<string>;
  shape: Lww<string>;
  selfOf: Lww<string>;
  customKind: Lww<IdKey>; // a kind of the map's vocabulary; "" for none
  pinned: Lww<boolean>;
  /** Connections with this element at one end (their visibility follows it). */
  connections: Set<IdKey>;
}

export interface ConnectionEntity extends Entity {
  map: IdKey;
  from: IdKey;
  to: IdKey;
  direction: Lww<Direction>;
  depth: Lww<number>; // 1..3; 1 when never set
  kind: Lww<ConnectionKind>;
  label: Lww<string>;
}

export interface ShapeEntity extends Entity {
  map: IdKey;
  geometry: Geometry;
  path: Lww<Point2[]>;
  type: Lww<BoundaryType>;
  label: Lww<string>;
  sphereOf: Lww<string>;
}

interface PerspectiveValue {
  value: number | undefined; // withdrawn values keep their stamp
  stamp: Stamp;
}

/** participant -> value, for one (target, aspect). */
type Participants = Map<string, PerspectiveValue>;

// Entity types as bits, so a reference can accept several.
const MAP = 1;
const ELEMENT = 2;
const CONNECTION = 4;
const SHAPE = 8;
const ANY = MAP | ELEMENT | CONNECTION | SHAPE;

function typeNames(types: number): string {
  switch (types) {
    case MAP:
      return "a map";
    case ELEMENT:
      return "an element";
    case CONNECTION:
      return "a connection";
    case SHAPE:
      return "a shape";
    case ELEMENT | CONNECTION:
      return "an element or connection";
    default:
      return "a map, element, connection or shape";
  }
}

function byId(a: Entity, b: Entity): number {
  return compareIds(a.id, b.id);
}

function point(p: { x: number; y: number }): Point2 {
  return { x: p.x, y: p.y };
}

/** A JSON object key set safely, whatever the key ("__proto__" included). */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Keys other modules add to the canonical JSON (the map's vocabulary). */
export interface JsonExtras {
  map(key: IdKey): Record<string, unknown>;
  element(e: ElementEntity): Record<string, unknown>;
  connection(key: IdKey): Record<string, unknown>;
}

const NO_EXTRAS: JsonExtras = { map: () => ({}), element: () => ({}), connection: () => ({}) };

export class Landscape {
  readonly maps = new Map<IdKey, MapEntity>();
  readonly elements = new Map<IdKey, ElementEntity>();
  readonly connections = new Map<IdKey, ConnectionEntity>();
  readonly shapes = new Map<IdKey, ShapeEntity>();
  /** target -> aspect -> participants. */
  private readonly perspectives = new Map<IdKey, Map<string, Participants>>();

  constructor(private readonly changes: ChangeLog) {}

  /**
   * True for ops this module applies: CreateMap, Create/Update Element,
   * Connection and Shape, SetPerspective; and Rename/Remove/Restore whose
   * target is one of this module's entities.
   */
  handles(op: Op): boolean {
    switch (op.body.case) {
      case "createMap":
      case "createElement":
      case "updateElement":
      case "createConnection":
      case "updateConnection":
      case "createShape":
      case "updateShape":
      case "setPerspective":
        return true;
      case "rename":
      case "remove":
      case "restore":
        return this.owns(keyOf(refOf(op.body.value.target)));
      default:
        return false;
    }
  }

  /** True if `key` names a map, element, connection or shape here. */
  owns(key: IdKey): boolean {
    return this.isA(key, ANY);
  }

  private isA(key: IdKey, types: number): boolean {
    return (
      ((types & ELEMENT) !== 0 && this.elements.has(key)) ||
      ((types & MAP) !== 0 && this.maps.has(key)) ||
      ((types & CONNECTION) !== 0 && this.connections.has(key)) ||
      ((types & SHAPE) !== 0 && this.shapes.has(key))
    );
  }

  /** The liveness of any entity here, or undefined. */
  liveness(key: IdKey): Liveness | undefined {
    return (
      this.maps.get(key)?.liveness ??
      this.elements.get(key)?.liveness ??
      this.connections.get(key)?.liveness ??
      this.shapes.get(key)?.liveness
    );
  }

  // ---- validation ------------------------------------------------------------

  /**
   * A referenced id that `applied` does not contain yet is a missing
   * dependency; one it contains that is not of the expected type is invalid.
   */
  private checkRef(ref: Ref, types: number, applied: VersionVector, where: string): Problem {
    const key = keyOf(ref);
    if (this.isA(key, types)) return null;
    if (!refValid(ref)) return invalid(`${where}: not set`);
    if (!this.owns(key) && !applied.contains(ref)) return missing(ref);
    return invalid(`${where}: ${key} is not ${typeNames(types)}`);
  }

  /** Validates an op's body (its id, counter and lamport are checked elsewhere). */
  validate(op: Op, applied: VersionVector): ApplyResult {
    return this.problemOf(op, applied) ?? OK;
  }

  private problemOf(op: Op, applied: VersionVector): Problem {
    const body = op.body;
    switch (body.case) {
      case "createMap":
        return checkText(body.value.name, limits.NAME_BYTES, "create_map", "name");
      case "rename":
        return (
          checkText(body.value.name, limits.NAME_BYTES, "rename", "name") ??
          this.checkRef(refOf(body.value.target), MAP, applied, "rename.target")
        );
      case "remove":
        return this.checkRef(refOf(body.value.target), ANY, applied, "remove.target");
      case "restore":
        return this.validateRestore(refOf(body.value.target), body.value.removals, applied);
      case "createElement":
        return (
          checkElementFields(fieldsOf(body.value.fields), "create_element.fields") ??
          this.checkRef(refOf(body.value.map), MAP, applied, "create_element.map")
        );
      case "updateElement":
        return (
          checkElementFields(fieldsOf(body.value.fields), "update_element.fields") ??
          this.checkRef(refOf(body.value.element), ELEMENT, applied, "update_element.element")
        );
      case "createConnection":
        return this.validateCreateConnection(body.value, applied);
      case "updateConnection":
        return (
          checkConnectionFields(fieldsOf(body.value.fields), "update_connection.fields") ??
          this.checkRef(
            refOf(body.value.connection),
            CONNECTION,
            applied,
            "update_connection.connection",
          )
        );
      case "createShape": {
        const geometry = body.value.geometry;
        if (!geometryOk(geometry)) {
          return invalid(`create_shape.geometry: must be polyline or polygon, not ${geometry}`);
        }
        return (
          checkShapeFields(fieldsOf(body.value.fields), geometry, "create_shape.fields") ??
          this.checkRef(refOf(body.value.map), MAP, applied, "create_shape.map")
        );
      }
      case "updateShape":
        return this.validateUpdateShape(body.value, applied);
      case "setPerspective": {
        const p = body.value;
        return (
          checkPerspective(p.aspect, p.participant, p.value, "set_perspective") ??
          this.checkRef(refOf(p.target), ELEMENT | CONNECTION, applied, "set_perspective.target")
        );
      }
      default:
        return invalid("not a landscape op");
    }
  }

  private validateRestore(target: Ref, removals: PbOpId[], applied: VersionVector): Problem {
    if (removals.length === 0) return invalid("restore.removals: empty"); // before the target
    const problem = this.checkRef(target, ANY, applied, "restore.target");
    if (problem) return problem;
    return checkRestoredRemovals(this.liveness(keyOf(target))!, target, removals, applied);
  }

  private validateCreateConnection(c: CreateConnection, applied: VersionVector): Problem {
    const problem =
      checkConnectionFields(fieldsOf(c.fields), "create_connection.fields") ??
      this.checkRef(refOf(c.map), MAP, applied, "create_connection.map") ??
      this.checkRef(refOf(c.from), ELEMENT, applied, "create_connection.from") ??
      this.checkRef(refOf(c.to), ELEMENT, applied, "create_connection.to");
    if (problem) return problem;
    // A connection never spans maps: both ends live on the connection's map.
    const map = keyOf(refOf(c.map));
    for (const end of [c.from, c.to]) {
      const e = this.elements.get(keyOf(refOf(end)))!;
      if (e.map !== map) {
        return invalid(`create_connection: element ${e.key} is on map ${e.map}, not on map ${map}`);
      }
    }
    return null;
  }

  private validateUpdateShape(u: UpdateShape, applied: VersionVector): Problem {
    const fields = fieldsOf(u.fields);
    // Body first (no geometry yet): an invalid op must not wait for its target.
    const problem =
      checkShapeFields(fields, Geometry.UNSPECIFIED, "update_shape.fields") ??
      this.checkRef(refOf(u.shape), SHAPE, applied, "update_shape.shape");
    if (problem || fields.path === undefined) return problem;
    const shape = this.shapes.get(keyOf(refOf(u.shape)))!;
    return checkPath(fields.path, shape.geometry, "update_shape.fields");
  }

  // ---- applying --------------------------------------------------------------

  /** Applies an op that passed validate(). */
  apply(op: Op): void {
    const id: Id = { replica: op.replica, counter: Number(op.counter) };
    const stamp: Stamp = { lamport: op.lamport, replica: op.replica };
    const body = op.body;
    switch (body.case) {
      case "createMap":
        this.createMap(id, body.value.name, stamp);
        break;
      case "rename": {
        const map = this.maps.get(keyOf(refOf(body.value.target)));
        if (map) {
          map.name.assign(body.value.name, stamp);
          this.changes.touchStructure(map.key);
        }
        break;
      }
      case "remove": {
        const key = keyOf(refOf(body.value.target));
        this.liveness(key)?.addRemoval(id);
        this.touchLiveness(key);
        break;
      }
      case "restore": {
        const key = keyOf(refOf(body.value.target));
        this.liveness(key)?.cancel(restoredRemovals(body.value.removals));
        this.touchLiveness(key);
        break;
      }
      case "createElement":
        this.createElement(id, keyOf(refOf(body.value.map)), fieldsOf(body.value.fields), stamp);
        break;
      case "updateElement": {
        const e = this.elements.get(keyOf(refOf(body.value.element)));
        if (e) {
          writeElementFields(e, fieldsOf(body.value.fields), stamp);
          this.touchElement(e);
        }
        break;
      }
      case "createConnection":
        this.createConnection(id, body.value, stamp);
        break;
      case "updateConnection": {
        const c = this.connections.get(keyOf(refOf(body.value.connection)));
        if (c) {
          writeConnectionFields(c, fieldsOf(body.value.fields), stamp);
          this.changes.touch(c.key);
        }
        break;
      }
      case "createShape":
        this.createShape(id, body.value, stamp);
        break;
      case "updateShape": {
        const s = this.shapes.get(keyOf(refOf(body.value.shape)));
        if (s) {
          writeShapeFields(s, fieldsOf(body.value.fields), stamp);
          this.changes.touch(s.key);
        }
        break;
      }
      case "setPerspective": {
        const p = body.value;
        this.setPerspective(keyOf(refOf(p.target)), p.aspect, p.participant, p.value, stamp);
        break;
      }
      default:
        break;
    }
  }

  /** What a removal or restoration of `key` may change on screen. */
  private touchLiveness(key: IdKey): void {
    const element = this.elements.get(key);
    if (element) this.touchElement(element);
    else if (this.maps.has(key)) this.changes.touchStructure(key);
    else this.changes.touch(key);
  }

  /** An element and the connections drawn from it. */
  private touchElement(e: ElementEntity): void {
    this.changes.touch(e.key);
    for (const c of e.connections) this.changes.touch(c);
  }

  // Creation is a no-op for an id that exists: a second delivery must not
  // reset the entity's liveness.
  private createMap(id: Id, name: string, stamp: Stamp): void {
    const key = keyOf(id);
    if (this.maps.has(key)) return;
    const map: MapEntity = {
      id,
      key,
      liveness: new Liveness(),
      name: new Lww(""),
      elements: new Set(),
      connections: new Set(),
      shapes: new Set(),
    };
    map.name.assign(name, stamp);
    this.maps.set(key, map);
    this.changes.touchStructure(key);
  }

  private createElement(id: Id, map: IdKey, fields: ElementFields, stamp: Stamp): void {
    const key = keyOf(id);
    if (this.elements.has(key)) return;
    const e: ElementEntity = {
      id,
      key,
      map,
      liveness: new Liveness(),
      kind: new Lww<ElementKind>(ElementKind.UNSPECIFIED),
      label: new Lww(""),
      notes: new Lww(""),
      position: new Lww<Point2>({ x: 0, y: 0 }),
      scale: new Lww<ScaleLevel>(ScaleLevel.UNSPECIFIED),
      color: new Lww(""),
      shape: new Lww(""),
      selfOf: new Lww(""),
      customKind: new Lww(""),
      pinned: new Lww(false),
      connections: new Set(),
    };
    writeElementFields(e, fields, stamp);
    this.elements.set(key, e);
    this.maps.get(map)?.elements.add(key);
    this.changes.touch(key);
  }

  private createConnection(id: Id, body: CreateConnection, stamp: Stamp): void {
    const key = keyOf(id);
    if (this.connections.has(key)) return;
    const c: ConnectionEntity = {
      id,
      key,
      map: keyOf(refOf(body.map)),
      from: keyOf(refOf(body.from)),
      to: keyOf(refOf(body.to)),
      liveness: new Liveness(),
      direction: new Lww<Direction>(Direction.NONE),
      depth: new Lww(1),
      kind: new Lww<ConnectionKind>(ConnectionKind.UNSPECIFIED),
      label: new Lww(""),
    };
    writeConnectionFields(c, fieldsOf(body.fields), stamp);
    this.connections.set(key, c);
    this.maps.get(c.map)?.connections.add(key);
    this.elements.get(c.from)?.connections.add(key);
    this.elements.get(c.to)?.connections.add(key);
    this.changes.touch(key);
  }

  private createShape(id: Id, body: CreateShape, stamp: Stamp): void {
    const key = keyOf(id);
    if (this.shapes.has(key)) return;
    const s: ShapeEntity = {
      id,
      key,
      map: keyOf(refOf(body.map)),
      geometry: body.geometry,
      liveness: new Liveness(),
      path: new Lww<Point2[]>([]),
      type: new Lww<BoundaryType>(BoundaryType.UNSPECIFIED),
      label: new Lww(""),
      sphereOf: new Lww(""),
    };
    writeShapeFields(s, fieldsOf(body.fields), stamp);
    this.shapes.set(key, s);
    this.maps.get(s.map)?.shapes.add(key);
    this.changes.touch(key);
  }

  private setPerspective(
    target: IdKey,
    aspect: string,
    participant: string,
    value: number | undefined,
    stamp: Stamp,
  ): void {
    let aspects = this.perspectives.get(target);
    if (!aspects) this.perspectives.set(target, (aspects = new Map()));
    let participants = aspects.get(aspect);
    if (!participants) aspects.set(aspect, (participants = new Map()));
    const current = participants.get(participant);
    if (current && compareStamps(stamp, current.stamp) <= 0) return;
    participants.set(participant, { value, stamp });
    this.changes.touch(target);
  }

  // ---- visibility and queries --------------------------------------------------

  mapVisible(key: IdKey): boolean {
    const m = this.maps.get(key);
    return m !== undefined && !m.liveness.removed;
  }

  elementVisible(key: IdKey): boolean {
    const e = this.elements.get(key);
    return e !== undefined && !e.liveness.removed && this.mapVisible(e.map);
  }

  connectionVisible(key: IdKey): boolean {
    const c = this.connections.get(key);
    return (
      c !== undefined &&
      !c.liveness.removed &&
      this.mapVisible(c.map) &&
      this.elementVisible(c.from) &&
      this.elementVisible(c.to)
    );
  }

  shapeVisible(key: IdKey): boolean {
    const s = this.shapes.get(key);
    return s !== undefined && !s.liveness.removed && this.mapVisible(s.map);
  }

  /** Live maps, sorted by id. */
  liveMaps(): MapEntity[] {
    return [...this.maps.values()].filter((m) => !m.liveness.removed).sort(byId);
  }

  /** Visible elements of a map, sorted by id. */
  elementsOf(map: IdKey): ElementEntity[] {
    const m = this.maps.get(map);
    if (!m || m.liveness.removed) return [];
    return [...m.elements]
      .map((k) => this.elements.get(k)!)
      .filter((e) => !e.liveness.removed)
      .sort(byId);
  }

  /** Visible connections of a map (both ends visible), sorted by id. */
  connectionsOf(map: IdKey): ConnectionEntity[] {
    const m = this.maps.get(map);
    if (!m || m.liveness.removed) return [];
    return [...m.connections]
      .filter((k) => this.connectionVisible(k))
      .map((k) => this.connections.get(k)!)
      .sort(byId);
  }

  /** Visible shapes of a map, sorted by id. */
  shapesOf(map: IdKey): ShapeEntity[] {
    const m = this.maps.get(map);
    if (!m || m.liveness.removed) return [];
    return [...m.shapes]
      .map((k) => this.shapes.get(k)!)
      .filter((s) => !s.liveness.removed)
      .sort(byId);
  }

  /** The value `participant` holds for (target, aspect), if any (for undo). */
  perspectiveOf(target: IdKey, aspect: string, participant: string): number | undefined {
    return this.perspectives.get(target)?.get(aspect)?.get(participant)?.value;
  }

  /** aspect -> summary, for aspects with at least one value, by aspect. */
  perspectiveSummaries(target: IdKey): Map<string, PerspectiveSummary> {
    const out = new Map<string, PerspectiveSummary>();
    const aspects = this.perspectives.get(target);
    if (!aspects) return out;
    for (const aspect of [...aspects.keys()].sort(compareCodePoints)) {
      const summary = summarise(aspects.get(aspect)!);
      if (summary.count > 0) out.set(aspect, summary);
    }
    return out;
  }

  // ---- canonical JSON ------------------------------------------------------------

  /** The "maps" list of the canonical JSON (docs/crdt.md). */
  toJSON(extras: JsonExtras = NO_EXTRAS): unknown[] {
    return this.liveMaps().map((m) => ({
      connections: this.connectionsOf(m.key).map((c) => ({
        ...this.connectionJson(c),
        ...extras.connection(c.key),
      })),
      elements: this.elementsOf(m.key).map((e) => ({
        ...this.elementJson(e),
        ...extras.element(e),
      })),
      id: m.key,
      name: m.name.value,
      shapes: this.shapesOf(m.key).map(shapeJson),
      ...extras.map(m.key),
    }));
  }

  private elementJson(e: ElementEntity): Record<string, unknown> {
    return {
      ...(e.pinned.value ? { pinned: true } : {}),
      color: e.color.value,
      id: e.key,
      kind: enumJson(ElementKind, e.kind.value),
      label: e.label.value,
      notes: e.notes.value,
      perspectives: this.perspectivesJson(e.key),
      position: { x: e.position.value.x, y: e.position.value.y },
      scale: enumJson(ScaleLevel, e.scale.value),
      self_of: e.selfOf.value,
      shape: e.shape.value,
    };
  }

  private connectionJson(c: ConnectionEntity): Record<string, unknown> {
    return {
      depth: c.depth.value,
      direction: enumJson(Direction, c.direction.value),
      from: c.from,
      id: c.key,
      kind: enumJson(ConnectionKind, c.kind.value),
      label: c.label.value,
      perspectives: this.perspectivesJson(c.key),
      to: c.to,
    };
  }

  /** Aspects with at least one value; withdrawn values are left out. */
  private perspectivesJson(target: IdKey): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [aspect, s] of this.perspectiveSummaries(target)) {
      const values: Record<string, unknown> = {};
      for (const [participant, value] of s.values) setKey(values, participant, value);
      setKey(out, aspect, {
        count: s.count,
        max: s.max,
        mean: s.mean,
        min: s.min,
        spread: s.spread,
        values,
      });
    }
    return out;
  }
}

function shapeJson(s: ShapeEntity): unknown {
  return {
    geometry: enumJson(Geometry, s.geometry),
    id: s.key,
    label: s.label.value,
    path: s.path.value.map((p) => [p.x, p.y]),
    sphere_of: s.sphereOf.value,
    type: enumJson(BoundaryType, s.type.value),
  };
}

/**
 * count, mean, min, max and spread (population standard deviation) of the
 * participants' values, summed in participant order (UTF-8 byte order, as
 * the C++ std::map) so the doubles match exactly.
 */
function summarise(participants: Participants): PerspectiveSummary {
  const values = new Map<string, number>();
  for (const participant of [...participants.keys()].sort(compareCodePoints)) {
    const v = participants.get(participant)!.value;
    if (v !== undefined) values.set(participant, v);
  }
  const summary: PerspectiveSummary = { values, count: 0, mean: 0, min: 0, max: 0, spread: 0 };
  let sum = 0;
  for (const x of values.values()) {
    // std::min / std::max keep the first of equal values (0 and -0 too).
    summary.min = summary.count === 0 || x < summary.min ? x : summary.min;
    summary.max = summary.count === 0 || summary.max < x ? x : summary.max;
    sum += x;
    summary.count++;
  }
  if (summary.count === 0) return summary;
  summary.mean = sum / summary.count;
  // Two passes: subtracting the mean first keeps the variance accurate.
  let squares = 0;
  for (const x of values.values()) squares += (x - summary.mean) * (x - summary.mean);
  summary.spread = Math.sqrt(squares / summary.count);
  return summary;
}

// ---- writing fields ------------------------------------------------------------

/** An absent fields message reads as one with no field set. */
function fieldsOf<T extends object>(fields: T | undefined): T {
  return fields ?? ({} as T);
}

function writeElementFields(e: ElementEntity, f: ElementFields, stamp: Stamp): void {
  if (f.kind !== undefined) e.kind.assign(f.kind, stamp);
  if (f.label !== undefined) e.label.assign(f.label, stamp);
  if (f.notes !== undefined) e.notes.assign(f.notes, stamp);
  if (f.position !== undefined) e.position.assign(point(f.position), stamp);
  if (f.scale !== undefined) e.scale.assign(f.scale, stamp);
  if (f.color !== undefined) e.color.assign(f.color, stamp);
  if (f.shape !== undefined) e.shape.assign(f.shape, stamp);
  if (f.selfOf !== undefined) e.selfOf.assign(f.selfOf, stamp);
  if (f.customKind !== undefined) {
    const kind = refOf(f.customKind);
    e.customKind.assign(refValid(kind) ? keyOf(kind) : "", stamp);
  }
  if (f.pinned !== undefined) e.pinned.assign(f.pinned, stamp);
}

function writeConnectionFields(c: ConnectionEntity, f: ConnectionFields, stamp: Stamp): void {
  if (f.direction !== undefined) c.direction.assign(f.direction, stamp);
  if (f.depth !== undefined) c.depth.assign(f.depth, stamp);
  if (f.kind !== undefined) c.kind.assign(f.kind, stamp);
  if (f.label !== undefined) c.label.assign(f.label, stamp);
}

function writeShapeFields(s: ShapeEntity, f: ShapeFields, stamp: Stamp): void {
  if (f.path !== undefined) s.path.assign(f.path.points.map(point), stamp);
  if (f.type !== undefined) s.type.assign(f.type, stamp);
  if (f.label !== undefined) s.label.assign(f.label, stamp);
  if (f.sphereOf !== undefined) s.sphereOf.assign(f.sphereOf, stamp);
}
