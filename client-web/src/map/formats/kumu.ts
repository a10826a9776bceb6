// Kumu JSON (docs/formats.md "Kumu JSON"): the blueprint Kumu imports, flat
// ({"label", "type", "tags": [], …}), and the form its project export writes
// ({"_id", "attributes": {…}}, positions in "maps"), read alike. Written flat,
// with the columns' keys in lower case, so Kumu keeps the extra ones as fields.
import { fail } from "./checks";
import { sourceRecord, type Cell, type SourceRecord } from "./columns";
import { isObject, jsonCell, listAt, parseJson } from "./json-file";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { filledCells, tablesFromLandscape, type Table } from "./tables";

type Json = Record<string, unknown>;

/** Element id → position, from the first map of a Kumu project export. */
function positions(doc: Json): Map<string, { x: unknown; y: unknown }> {
  const result = new Map<string, { x: unknown; y: unknown }>();
  const map = Array.isArray(doc.maps) ? doc.maps[0] : undefined;
  if (!isObject(map) || !Array.isArray(map.elements)) return result;
  for (const e of map.elements) {
    if (isObject(e) && isObject(e.position) && typeof e.element === "string")
      result.set(e.element, { x: e.position.x, y: e.position.y });
  }
  return result;
}

/** The object's own keys and those of its `attributes`, `_id` as the id. */
function flatten(o: Json): [string, Cell][] {
  const entries: [string, Cell][] = [];
  if (o._id !== undefined) entries.push(["id", jsonCell(o._id)]);
  for (const [k, v] of Object.entries(o))
    if (k !== "attributes" && k !== "_id") entries.push([k, jsonCell(v)]);
  if (isObject(o.attributes))
    for (const [k, v] of Object.entries(o.attributes)) entries.push([k, jsonCell(v)]);
  return entries;
}

function records(
  list: unknown[],
  what: string,
  extra?: (o: Json) => [string, Cell][],
): SourceRecord[] {
  return list.map((o, i) => {
    const where = `Kumu ${what} ${i + 1}`;
    if (!isObject(o)) fail(where, "is not an object");
    return sourceRecord(where, [...flatten(o), ...(extra?.(o) ?? [])]);
  });
}

export function readKumu(text: string): LandscapeData {
  const doc = parseJson(text, "Kumu JSON");
  if (!isObject(doc)) fail("Kumu JSON", "not an object with elements and connections");
  const placed = positions(doc);
  const position = (o: Json): [string, Cell][] => {
    const p = placed.get(String(o._id ?? o.id));
    return p
      ? [
          ["x", jsonCell(p.x)],
          ["y", jsonCell(p.y)],
        ]
      : [];
  };
  return landscapeFromRecords({
    elements: records(listAt(doc, "elements", "Kumu JSON"), "element", position),
    connections: records(listAt(doc, "connections", "Kumu JSON"), "connection"),
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
