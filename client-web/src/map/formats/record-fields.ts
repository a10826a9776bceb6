// One record → one element, connection or shape: each column read, mapped and
// checked (docs/formats.md "Columns", docs/crdt.md "Limits").
import * as limits from "../../crdt/limits";
import {
  checkAspect,
  checkCoordinate,
  checkCount,
  checkDepth,
  checkFieldNumber,
  checkLabel,
  checkName,
  checkNotes,
  checkPathLength,
  checkPerspectiveValue,
  checkStyle,
  checkText,
  fail,
  FIELD_TEXT_BYTES,
  MAX_KINDS,
  PERSON_NAME_BYTES,
  TAGS_PER_TARGET,
  VOCABULARY_NAME_BYTES,
} from "./checks";
import type {
  ConnectionData,
  ElementData,
  FieldDef,
  FieldValue,
  KindDef,
  Perspectives,
  Point,
  ShapeData,
} from "./model";
import {
  CONNECTION_COLUMNS,
  ELEMENT_COLUMNS,
  SHAPE_COLUMNS,
  type Cell,
  type SourceRecord,
} from "./columns";
import {
  boundaryType,
  builtInKind,
  connectionKind,
  direction,
  nearestKind,
  parseNumber,
  parsePinned,
  scaleKey,
  splitTags,
} from "./vocabulary";

/** A table's columns beyond the built-in ones (records.ts). */
export interface Columns {
  fields: string[]; // normalised names of custom field columns
  aspects: Map<string, string>; // normalised "<aspect> by participant" → aspect
}

/** What earlier records established, that later ones refer to. */
export interface Vocabulary {
  fields: Map<string, FieldDef>; // by normalised column name
  kinds: KindDef[];
  byId: Map<string, string>; // element id → id
  byLabel: Map<string, string>; // label → id of the first element with it
}

function cell(r: SourceRecord, aliases: string[]): { column: string; value: Cell } | undefined {
  for (const a of aliases) {
    const c = r.cells.get(a);
    if (c !== undefined && c.value !== undefined && c.value !== "") return c;
  }
  return undefined;
}

/** Text of a cell, trimmed; "" when absent. */
function text(r: SourceRecord, aliases: string[]): string {
  const c = cell(r, aliases);
  if (c === undefined) return "";
  return (Array.isArray(c.value) ? c.value.join("|") : String(c.value)).trim();
}

function number(r: SourceRecord, aliases: string[]): number | undefined {
  const c = cell(r, aliases);
  if (c === undefined) return undefined;
  if (typeof c.value === "number") return c.value;
  const s = String(c.value).trim();
  if (s === "") return undefined;
  const n = parseNumber(s);
  if (n === undefined) fail(r.where, `${c.column} '${s}' is not a number`);
  return n;
}

function tags(r: SourceRecord, aliases: string[]): string[] {
  const c = cell(r, aliases);
  if (c === undefined) return [];
  const value = Array.isArray(c.value) ? c.value : String(c.value);
  const result = splitTags(r.where, value);
  checkCount(result.length, TAGS_PER_TARGET, `${r.where}: tags`);
  return result;
}

/** "Ana: 4; Ben: 2.5" → { Ana: 4, Ben: 2.5 }. */
function participantValues(where: string, column: string, s: string): Record<string, number> {
  const values: Record<string, number> = {};
  for (const part of s.split(";")) {
    if (part.trim() === "") continue;
    const colon = part.lastIndexOf(":");
    const name = part.slice(0, colon).trim();
    const value = colon < 0 ? undefined : parseNumber(part.slice(colon + 1));
    if (colon < 0 || value === undefined)
      fail(where, `${column} '${part.trim()}' is not 'Name: number'`);
    checkName(where, `${column} name`, name, PERSON_NAME_BYTES);
    values[name] = checkPerspectiveValue(where, column, value);
  }
  return values;
}

function perspectives(r: SourceRecord, aspects: Map<string, string>): Perspectives | undefined {
  const result: Perspectives = {};
  for (const [key, aspect] of aspects) {
    const c = r.cells.get(key);
    if (c === undefined || c.value === undefined || String(c.value).trim() === "") continue;
    checkAspect(r.where, aspect);
    const values = participantValues(r.where, c.column, String(c.value));
    if (Object.keys(values).length > 0) result[aspect] = values;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function fieldValue(where: string, def: FieldDef, value: Cell): FieldValue | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  if (typeof value === "string" && value.trim() === "") return undefined;
  if (def.type === "number") {
    const n = typeof value === "number" ? value : parseNumber(String(value));
    if (n === undefined) fail(where, `${def.name} '${String(value)}' is not a number`);
    return checkFieldNumber(where, def.name, n);
  }
  const s = (Array.isArray(value) ? value.join("|") : String(value)).trim();
  return s === "" ? undefined : checkText(where, def.name, s, FIELD_TEXT_BYTES);
}

function fieldValues(
  r: SourceRecord,
  columns: Columns,
  vocabulary: Vocabulary,
): Record<string, FieldValue> {
  const values: Record<string, FieldValue> = {};
  for (const key of columns.fields) {
    const c = r.cells.get(key);
    const def = vocabulary.fields.get(key);
    if (!c || !def) continue;
    const v = fieldValue(r.where, def, c.value);
    if (v !== undefined) values[def.name] = v;
  }
  return values;
}

/** Type → built-in kind, or a custom kind (made on first use) and its base. */
function elementKind(
  r: SourceRecord,
  vocabulary: Vocabulary,
): Pick<ElementData, "kind" | "customKind"> {
  const type = text(r, ELEMENT_COLUMNS.type);
  if (type === "") return { kind: "" };
  const builtIn = builtInKind(type);
  if (builtIn) return { kind: builtIn };
  const known = vocabulary.kinds.find((k) => k.name === type);
  if (known) return { kind: known.base, customKind: known.name };
  checkName(r.where, "Type", type, VOCABULARY_NAME_BYTES);
  const kind: KindDef = { name: type, base: nearestKind(type) };
  vocabulary.kinds.push(kind);
  checkCount(vocabulary.kinds.length, MAX_KINDS, "Custom kinds");
  return { kind: kind.base, customKind: kind.name };
}

function elementId(r: SourceRecord, index: number, vocabulary: Vocabulary): string {
  let id = text(r, ELEMENT_COLUMNS.id);
  if (id !== "" && vocabulary.byId.has(id)) fail(r.where, `ID '${id}' is used twice`);
  // Made-up ids cannot meet a file's own: those never begin with "#" and a digit.
  for (let n = index + 1; id === "" || vocabulary.byId.has(id); n++) id = `#${n}`;
  return id;
}

function position(r: SourceRecord): Pick<ElementData, "x" | "y"> {
  const x = number(r, ELEMENT_COLUMNS.x);
  const y = number(r, ELEMENT_COLUMNS.y);
  if ((x === undefined) !== (y === undefined)) fail(r.where, "X and Y come together");
  if (x === undefined || y === undefined) return {};
  return { x: checkCoordinate(r.where, "X", x), y: checkCoordinate(r.where, "Y", y) };
}

/** Optional text: set only when the cell holds something. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value === "" ? {} : { [key]: value }) as { [P in K]?: string };
}

export function readElement(
  r: SourceRecord,
  index: number,
  columns: Columns,
  vocabulary: Vocabulary,
): ElementData {
  const id = elementId(r, index, vocabulary);
  const label = checkLabel(r.where, text(r, ELEMENT_COLUMNS.label));
  const scaleText = text(r, ELEMENT_COLUMNS.scale);
  const scale = scaleKey(scaleText);
  const tagList = tags(r, ELEMENT_COLUMNS.tags);
  // An unknown scale is kept as a tag rather than lost.
  if (scaleText !== "" && !scale) tagList.push(...splitTags(r.where, [`scale:${scaleText}`]));
  const person = text(r, ELEMENT_COLUMNS.person);
  if (person) checkName(r.where, "Person", person, PERSON_NAME_BYTES);
  const pinnedCell = cell(r, ELEMENT_COLUMNS.pinned)?.value;
  const element: ElementData = {
    id,
    label,
    ...elementKind(r, vocabulary),
    description: checkNotes(r.where, text(r, ELEMENT_COLUMNS.description)),
    tags: [...new Set(tagList)],
    ...(scale ? { scale } : {}),
    ...position(r),
    ...optional("color", checkStyle(r.where, "Color", text(r, ELEMENT_COLUMNS.color))),
    ...optional("shape", checkStyle(r.where, "Shape", text(r, ELEMENT_COLUMNS.shape))),
    ...(pinnedCell !== undefined && parsePinned(r.where, pinnedCell as string | boolean)
      ? { pinned: true as const }
      : {}),
    ...optional("person", person),
    fields: fieldValues(r, columns, vocabulary),
  };
  const p = perspectives(r, columns.aspects);
  if (p) element.perspectives = p;
  vocabulary.byId.set(id, id);
  if (!vocabulary.byLabel.has(label)) vocabulary.byLabel.set(label, id);
  return element;
}

/** An end by ID, else by label (the first element with it). */
function end(r: SourceRecord, column: "From" | "To", vocabulary: Vocabulary): string {
  const name = text(r, column === "From" ? CONNECTION_COLUMNS.from : CONNECTION_COLUMNS.to);
  if (name === "") fail(r.where, `no ${column}`);
  const id = vocabulary.byId.get(name) ?? vocabulary.byLabel.get(name);
  if (id === undefined) fail(r.where, `no element labelled '${name}'`);
  return id;
}

export function readConnection(
  r: SourceRecord,
  columns: Columns,
  vocabulary: Vocabulary,
): ConnectionData {
  const from = end(r, "From", vocabulary);
  const to = end(r, "To", vocabulary);
  const tagList = tags(r, CONNECTION_COLUMNS.tags);
  const typeText = text(r, CONNECTION_COLUMNS.type);
  const kind = typeText === "" ? undefined : connectionKind(typeText);
  // Another type is kept as a tag (docs/formats.md).
  if (typeText !== "" && !kind) tagList.push(...splitTags(r.where, [typeText]));
  const depth = number(r, CONNECTION_COLUMNS.depth);
  const id = text(r, CONNECTION_COLUMNS.id);
  const connection: ConnectionData = {
    ...(id ? { id } : {}),
    from,
    to,
    ...(kind ? { kind } : {}),
    direction: direction(r.where, text(r, CONNECTION_COLUMNS.direction)),
    label: checkLabel(r.where, text(r, CONNECTION_COLUMNS.label)),
    ...(depth === undefined ? {} : { depth: checkDepth(r.where, depth) }),
    tags: [...new Set(tagList)],
    fields: fieldValues(r, columns, vocabulary),
  };
  checkCount(connection.tags.length, TAGS_PER_TARGET, `${r.where}: tags`);
  const p = perspectives(r, columns.aspects);
  if (p) connection.perspectives = p;
  return connection;
}

/** "x y; x y; …" */
function parsePath(where: string, s: string): Point[] {
  const points = s
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (points.length > limits.PATH_POINTS) fail(where, `more than ${limits.PATH_POINTS} points`);
  return points.map((p) => {
    const [x, y, extra] = p.split(/\s+/).map(parseNumber);
    if (x === undefined || y === undefined || extra !== undefined)
      fail(where, `Path point '${p}' is not 'x y'`);
    return { x: checkCoordinate(where, "Path x", x), y: checkCoordinate(where, "Path y", y) };
  });
}

export function readShape(r: SourceRecord): ShapeData {
  const geometry = text(r, SHAPE_COLUMNS.geometry).toLowerCase();
  if (geometry !== "polyline" && geometry !== "polygon")
    fail(r.where, `Geometry '${geometry}' is not polyline or polygon`);
  const path = parsePath(r.where, text(r, SHAPE_COLUMNS.path));
  checkPathLength(r.where, path.length, geometry);
  const typeText = text(r, SHAPE_COLUMNS.type);
  const type = typeText === "" ? undefined : boundaryType(typeText);
  if (typeText !== "" && !type) fail(r.where, `Type '${typeText}' is not a boundary type`);
  const sphereOf = text(r, SHAPE_COLUMNS.sphereOf);
  if (sphereOf) checkName(r.where, "Sphere of", sphereOf, PERSON_NAME_BYTES);
  const id = text(r, SHAPE_COLUMNS.id);
  return {
    ...(id ? { id } : {}),
    label: checkLabel(r.where, text(r, SHAPE_COLUMNS.label)),
    ...(type ? { type } : {}),
    geometry,
    path,
    ...optional("sphereOf", sphereOf),
  };
}
