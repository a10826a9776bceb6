// Records (columns.ts) → LandscapeData: the one step every reader shares.
// Readers turn their file into records and call
// `landscapeFromRecords`, which matches column names and aliases, maps the
// vocabulary, resolves connection ends and checks every limit; writers take
// the tables of `tablesFromLandscape` and spell them in their own syntax.
import {
  checkCount,
  FIELD_NUMBER,
  MAX_CONNECTIONS,
  MAX_ELEMENTS,
  MAX_FIELDS,
  MAX_SHAPES,
} from "./checks";
import {
  readConnection,
  readElement,
  readShape,
  type Columns,
  type Vocabulary,
} from "./record-fields";
import { CONNECTION_COLUMNS, ELEMENT_COLUMNS, type Cell, type SourceRecord } from "./columns";
import type { FieldDef, LandscapeData } from "./model";
import { parseNumber } from "./vocabulary";

export interface SourceTables {
  elements: SourceRecord[];
  connections: SourceRecord[];
  shapes: SourceRecord[];
  /** True where every cell is text (CSV): numbers are recognised by their spelling. */
  numbersFromText: boolean;
  /** Choice fields the file declares (GEXF options): field name → choices. */
  choices?: Map<string, string[]>;
}

const BY_PARTICIPANT = " by participant";

/** Columns that are neither built in nor perspectives are custom fields. */
function extraColumns(records: SourceRecord[], known: Record<string, string[]>): Columns {
  const builtIn = new Set(Object.values(known).flat());
  const seen = new Map<string, string>();
  for (const r of records) for (const [k, c] of r.cells) if (!seen.has(k)) seen.set(k, c.column);
  const aspects = new Map<string, string>();
  for (const [k, column] of seen) {
    if (k.endsWith(BY_PARTICIPANT))
      aspects.set(k, column.slice(0, column.length - BY_PARTICIPANT.length).trim());
  }
  const means = new Set([...aspects.keys()].map((k) => k.slice(0, -BY_PARTICIPANT.length)));
  const fields = [...seen.keys()].filter(
    (k) => !builtIn.has(k) && !aspects.has(k) && !means.has(k),
  );
  return { fields, aspects };
}

function isEmpty(value: Cell): boolean {
  // Cells are trimmed: a cell of spaces is empty, and says nothing of the column's type.
  if (typeof value === "string") return value.trim() === "";
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/**
 * Number when every value is one (typed, or spelled as one in text files)
 * that the CRDT can hold; a column with a larger one (a 19-digit id, Gephi's
 * "bigint") is text, kept as written, rather than a refused file.
 */
function fieldType(values: Cell[], numbersFromText: boolean): FieldDef["type"] {
  const asNumber = (v: Cell) =>
    typeof v === "number"
      ? v
      : numbersFromText && typeof v === "string"
        ? parseNumber(v)
        : undefined;
  const isNumber = (v: Cell) => {
    const n = asNumber(v);
    return n !== undefined && Number.isFinite(n) && Math.abs(n) <= FIELD_NUMBER;
  };
  return values.length > 0 && values.every(isNumber) ? "number" : "text";
}

function fieldDefs(src: SourceTables, names: Map<string, string>): FieldDef[] {
  checkCount(names.size, MAX_FIELDS, "Custom fields");
  const all = [...src.elements, ...src.connections];
  return [...names].map(([key, name]) => {
    const choices = src.choices?.get(name);
    if (choices) return { name, type: "choice", choices };
    const values = all.map((r) => r.cells.get(key)?.value).filter((v) => !isEmpty(v));
    return { name, type: fieldType(values, src.numbersFromText), choices: [] };
  });
}

function fieldNames(records: SourceRecord[], extras: Columns, into: Map<string, string>) {
  for (const key of extras.fields) {
    if (into.has(key)) continue;
    const column = records.find((r) => r.cells.has(key))!.cells.get(key)!.column;
    into.set(key, column);
  }
}

export function landscapeFromRecords(src: SourceTables): LandscapeData {
  checkCount(src.elements.length, MAX_ELEMENTS, "Elements");
  checkCount(src.connections.length, MAX_CONNECTIONS, "Connections");
  checkCount(src.shapes.length, MAX_SHAPES, "Shapes");
  const elementExtras = extraColumns(src.elements, ELEMENT_COLUMNS);
  const connectionExtras = extraColumns(src.connections, CONNECTION_COLUMNS);
  const names = new Map<string, string>();
  fieldNames(src.elements, elementExtras, names);
  fieldNames(src.connections, connectionExtras, names);
  const fields = fieldDefs(src, names);
  const vocabulary: Vocabulary = {
    fields: new Map([...names.keys()].map((k, i) => [k, fields[i]])),
    kinds: [],
    byId: new Map(),
    byLabel: new Map(),
  };
  const elements = src.elements.map((r, i) => readElement(r, i, elementExtras, vocabulary));
  const connections = src.connections.map((r) => readConnection(r, connectionExtras, vocabulary));
  const shapes = src.shapes.map(readShape);
  return { elements, connections, shapes, fields, kinds: vocabulary.kinds };
}
