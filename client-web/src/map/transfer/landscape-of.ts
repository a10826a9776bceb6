// One map of the document as LandscapeData (formats/model.ts), for the
// writers: every visible element, connection and shape with all its fields,
// tags, custom field values and perspectives, and the map's fields and
// custom kinds. Ids are Convene's ("replica:counter"); participants are
// written by name.
import type { ConveneDocument, IdKey } from "../../crdt/api";
import { Geometry } from "../../gen/convene/v1/ops_pb";
import type {
  ConnectionData,
  ElementData,
  FieldDef,
  FieldValue,
  KindDef,
  LandscapeData,
  Perspectives,
  ShapeData,
} from "../formats";
import { positionOf, shapePoints } from "../scene";
import * as keys from "./keys";

/** A member's display name by member id (the id itself when nobody knows it). */
export type NameOf = (memberId: string) => string;

/**
 * Names made distinct without regard to case ("Budget", "budget (2)"): the
 * model keys fields and kinds by name, and an import matches names so.
 */
function distinctNames<T extends { id: IdKey; name: string }>(
  items: T[],
  fallback: string,
): Map<IdKey, string> {
  const taken = new Set<string>();
  const names = new Map<IdKey, string>();
  for (const item of items) {
    const base = item.name.trim() === "" ? fallback : item.name;
    let name = base;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${base} (${n})`;
    taken.add(name.toLowerCase());
    names.set(item.id, name);
  }
  return names;
}

export function landscapeOf(doc: ConveneDocument, map: IdKey, nameOf: NameOf): LandscapeData {
  const fieldDefs = doc.fieldsOf(map);
  const fieldNames = distinctNames(fieldDefs, "Field");
  const kindDefs = doc.kindsOf(map);
  const kindNames = distinctNames(kindDefs, "Kind");

  const valuesOf = (target: IdKey): Record<string, FieldValue> => {
    const values: Record<string, FieldValue> = {};
    for (const def of fieldDefs) {
      const value = doc.fieldValue(target, def.id);
      if (value !== undefined) values[fieldNames.get(def.id)!] = value;
    }
    return values;
  };
  const perspectivesOf = (target: IdKey): Perspectives | undefined => {
    const aspects = doc.perspectives(target);
    if (aspects.size === 0) return undefined;
    const result: Perspectives = {};
    for (const [aspect, summary] of aspects) {
      result[aspect] = {};
      for (const [participant, value] of summary.values)
        result[aspect][nameOf(participant)] = value;
    }
    return result;
  };

  const elements = doc.elements(map).map((e): ElementData => {
    const f = e.fields;
    const element: ElementData = {
      id: e.id,
      label: f.label ?? "",
      kind: keys.elementKinds.keyOf(f.kind) ?? "",
      description: f.notes ?? "",
      tags: doc.tagsOf(e.id),
      ...positionOf(e),
      fields: valuesOf(e.id),
    };
    const customKind = doc.customKindOf(e.id);
    if (customKind !== undefined && kindNames.has(customKind))
      element.customKind = kindNames.get(customKind);
    const scale = keys.scales.keyOf(f.scale);
    if (scale) element.scale = scale;
    if (f.color) element.color = f.color;
    if (f.shape) element.shape = f.shape;
    if (f.pinned) element.pinned = true;
    if (f.selfOf) element.person = nameOf(f.selfOf);
    const perspectives = perspectivesOf(e.id);
    if (perspectives) element.perspectives = perspectives;
    return element;
  });

  const connections = doc.connections(map).map((c): ConnectionData => {
    const f = c.fields;
    const connection: ConnectionData = {
      id: c.id,
      from: c.from,
      to: c.to,
      direction: keys.directions.keyOf(f.direction) ?? "none",
      label: f.label ?? "",
      tags: doc.tagsOf(c.id),
      fields: valuesOf(c.id),
    };
    const kind = keys.connectionKinds.keyOf(f.kind);
    if (kind) connection.kind = kind;
    if (f.depth) connection.depth = f.depth;
    const perspectives = perspectivesOf(c.id);
    if (perspectives) connection.perspectives = perspectives;
    return connection;
  });

  const shapes = doc.shapes(map).map((s): ShapeData => {
    const shape: ShapeData = {
      id: s.id,
      label: s.fields.label ?? "",
      geometry: s.geometry === Geometry.POLYGON ? "polygon" : "polyline",
      path: shapePoints(s),
    };
    const type = keys.boundaryTypes.keyOf(s.fields.type);
    if (type) shape.type = type;
    if (s.fields.sphereOf) shape.sphereOf = nameOf(s.fields.sphereOf);
    return shape;
  });

  const fields = fieldDefs.map((def): FieldDef => ({
    name: fieldNames.get(def.id)!,
    type: keys.fieldTypes.keyOf(def.type) ?? "text",
    choices: def.type === keys.fieldTypes.valueOf("choice") ? [...def.choices] : [],
  }));
  const kinds = kindDefs.map((def): KindDef => ({
    name: kindNames.get(def.id)!,
    base: keys.elementKinds.keyOf(def.base) ?? "note",
  }));
  return { elements, connections, shapes, fields, kinds };
}
