// Kumu JSON (docs/formats.md "Kumu JSON"): the blueprint Kumu imports, flat
// ({"label", "type", "tags": [], …}), and the form its project export writes
// ({"_id", "attributes": {…}}, its declared "attributes", positions and pins
// in "maps"), read alike. Written flat,
// with the columns' keys in lower case, so Kumu keeps the extra ones as fields.
import { fail } from "./checks";
import { sourceRecord, type Cell, type SourceRecord } from "./columns";
import { isObject, jsonCell, listAt, parseJson } from "./json-file";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { filledCells, tablesFromLandscape, type Table } from "./tables";
import { parseNumber } from "./vocabulary";

type Json = Record<string, unknown>;

interface Placement {
  x: unknown;
  y: unknown;
  pinned: unknown;
}

/** Element id → position (and pin), from the project's default map, else its first. */
function placements(doc: Json): Map<string, Placement> {
  const result = new Map<string, Placement>();
  const maps = Array.isArray(doc.maps) ? doc.maps : [];
  const map = maps.find((m) => isObject(m) && m._id === doc.defaultMap) ?? maps[0];
  if (!isObject(map) || !Array.isArray(map.elements)) return result;
  for (const e of map.elements) {
    if (isObject(e) && isObject(e.position) && typeof e.element === "string")
      result.set(e.element, { x: e.position.x, y: e.position.y, pinned: e.pinned });
  }
  return result;
}

/** A project export's declared attributes by lower-case name: the name as Kumu shows it, and its format. */
type Declared = Map<string, { name: string; format: string }>;

function declaredAttributes(doc: Json): Declared {
  const result: Declared = new Map();
  for (const a of Array.isArray(doc.attributes) ? doc.attributes : []) {
    if (isObject(a) && typeof a.name === "string")
      result.set(a.name.trim().toLowerCase(), {
        name: a.name,
        format: typeof a.format === "string" ? a.format : "",
      });
  }
  return result;
}

// A project export's own keys of a connection beside its "attributes" (its
// id, ends and direction are read; "delayed", "reversed" and the like are
// Kumu's drawing, not the map's data).
const PROJECT_KEYS = new Set(["from", "to", "direction"]);

/**
 * The object's own keys and those of its `attributes`, `_id` as the id. An
 * attribute the project declares takes its declared name ("Power Score", not
 * "power score") and, when its format is number, a number written as text
 * is read as one.
 */
function flatten(o: Json, declared: Declared): [string, Cell][] {
  const entries: [string, Cell][] = [];
  const project = isObject(o.attributes);
  if (o._id !== undefined) entries.push(["id", jsonCell(o._id)]);
  for (const [k, v] of Object.entries(o))
    if (k !== "attributes" && k !== "_id" && (!project || PROJECT_KEYS.has(k)))
      entries.push([k, jsonCell(v)]);
  if (isObject(o.attributes))
    for (const [k, v] of Object.entries(o.attributes)) {
      const d = declared.get(k.trim().toLowerCase());
      const n = d?.format === "number" && typeof v === "string" ? parseNumber(v) : undefined;
      entries.push([d?.name ?? k, n ?? jsonCell(v)]);
    }
  return entries;
}

function records(
  list: unknown[],
  what: string,
  declared: Declared,
  extra?: (o: Json) => [string, Cell][],
): SourceRecord[] {
  return list.map((o, i) => {
    const where = `Kumu ${what} ${i + 1}`;
    if (!isObject(o)) fail(where, "is not an object");
    return sourceRecord(where, [...flatten(o, declared), ...(extra?.(o) ?? [])]);
  });
}

export function readKumu(text: string): LandscapeData {
  const doc = parseJson(text, "Kumu JSON");
  if (!isObject(doc)) fail("Kumu JSON", "not an object with elements and connections");
  const placed = placements(doc);
  const declared = declaredAttributes(doc);
  const position = (o: Json): [string, Cell][] => {
    const p = placed.get(String(o._id ?? o.id));
    return p
      ? [
          ["x", jsonCell(p.x)],
          ["y", jsonCell(p.y)],
          ["pinned", p.pinned === true ? true : undefined],
        ]
      : [];
  };
  return landscapeFromRecords({
    elements: records(listAt(doc, "elements", "Kumu JSON"), "element", declared, position),
    connections: records(listAt(doc, "connections", "Kumu JSON"), "connection", declared),
    shapes: [],
    numbersFromText: false,
  });
}

function objects(table: Table): Json[] {
  return table.rows.map((row) =>
    Object.fromEntries(filledCells(table, row).map(([c, v]) => [c.key, v])),
  );
}

export function writeKumu(data: LandscapeData): string {
  const tables = tablesFromLandscape(data);
  return JSON.stringify(
    { elements: objects(tables.elements), connections: objects(tables.connections) },
    null,
    2,
  );
}
