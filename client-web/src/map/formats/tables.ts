// LandscapeData → the three tables of docs/formats.md "Columns", the one step
// every writer shares: CSV and XLSX write them as they are, GraphML, GEXF
// and Kumu JSON use each column's `key` as an attribute name.
import { CONNECTION_COLUMNS, ELEMENT_COLUMNS, normaliseColumn, type Cell } from "./columns";
import type { ConnectionData, ElementData, FieldDef, LandscapeData, Perspectives } from "./model";
import {
  boundaryTypeLabel,
  connectionKindLabel,
  directionName,
  joinTags,
  kindLabel,
  scaleLabel,
} from "./vocabulary";

export type ColumnType = "text" | "number" | "integer" | "boolean" | "tags";

export interface Column {
  /** As in a spreadsheet header: "Label", "Sphere of", a field's name. */
  name: string;
  /** As an XML or JSON key: built-in columns in lower case, others as named. */
  key: string;
  type: ColumnType;
  /** GraphML key id and GEXF attribute id, after "node."/"edge.": "label", "field.0", "aspect.0.by". */
  id: string;
}

export interface Table {
  columns: Column[];
  /** One array per entity, a cell per column; undefined = empty. */
  rows: Cell[][];
}

export interface Tables {
  elements: Table;
  connections: Table;
  shapes: Table;
}

const builtIn = (name: string, type: ColumnType = "text"): Column => ({
  name,
  key: name.toLowerCase(),
  type,
  id: name.toLowerCase(),
});

const ELEMENT_HEAD: Column[] = [
  builtIn("Label"),
  builtIn("Type"),
  builtIn("Description"),
  builtIn("Tags", "tags"),
  builtIn("Scale"),
  builtIn("ID"),
  builtIn("X", "number"),
  builtIn("Y", "number"),
  builtIn("Color"),
  builtIn("Shape"),
  builtIn("Pinned", "boolean"),
  builtIn("Person"),
];

const CONNECTION_HEAD: Column[] = [
  builtIn("From"),
  builtIn("To"),
  builtIn("Type"),
  builtIn("Direction"),
  builtIn("Label"),
  builtIn("ID"),
  builtIn("Depth", "integer"),
  builtIn("Tags", "tags"),
];

const SHAPE_HEAD: Column[] = ["Label", "Type", "Geometry", "Path", "Sphere of", "ID"].map((n) =>
  builtIn(n),
);

const BY_PARTICIPANT = " by participant";

function aspectsOf(entities: { perspectives?: Perspectives }[]): string[] {
  const aspects = new Set<string>();
  for (const e of entities) for (const a of Object.keys(e.perspectives ?? {})) aspects.add(a);
  // By code point, as the REST export orders them.
  return [...aspects].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A field's column, named "<name> (2)", "<name> (3)", … where its name would
 * be read as another column (docs/formats.md "Distinct names").
 */
function fieldColumn(def: FieldDef, index: number, taken: Set<string>): Column {
  let name = def.name === "" ? "Field" : def.name;
  for (let n = 2; taken.has(normaliseColumn(name)) || name.endsWith(BY_PARTICIPANT); n++)
    name = `${def.name} (${n})`;
  taken.add(normaliseColumn(name));
  return { name, key: name, type: def.type === "number" ? "number" : "text", id: `field.${index}` };
}

function extraColumns(fields: FieldDef[], aspects: string[], aliases: string[][]): Column[] {
  const taken = new Set([...aliases.flat(), ...aspects.map(normaliseColumn)]);
  return [
    ...fields.map((f, i) => fieldColumn(f, i, taken)),
    ...aspects.flatMap((a, i) => [
      { name: a, key: a, type: "number" as const, id: `aspect.${i}` },
      {
        name: a + BY_PARTICIPANT,
        key: a + BY_PARTICIPANT,
        type: "text" as const,
        id: `aspect.${i}.by`,
      },
    ]),
  ];
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Per aspect: the mean, then "Name: value; Name: value". */
function perspectiveCells(aspects: string[], p: Perspectives | undefined): Cell[] {
  return aspects.flatMap((a) => {
    const values = Object.entries(p?.[a] ?? {});
    if (values.length === 0) return [undefined, undefined];
    const mean = values.reduce((sum, [, v]) => sum + v, 0) / values.length;
    // A ";" in a name would split the list: written as ",".
    const list = values.map(([name, v]) => `${name.replace(/;/g, ",")}: ${v}`);
    return [round2(mean), list.join("; ")];
  });
}

const orEmpty = (s: string | undefined) => (s === undefined || s === "" ? undefined : s);

function elementRow(e: ElementData, fields: FieldDef[], aspects: string[]): Cell[] {
  return [
    orEmpty(e.label),
    orEmpty(e.customKind ?? kindLabel(e.kind)),
    orEmpty(e.description),
    e.tags,
    e.scale ? scaleLabel(e.scale) : undefined,
    e.id,
    e.x,
    e.y,
    orEmpty(e.color),
    orEmpty(e.shape),
    e.pinned ? true : undefined,
    orEmpty(e.person),
    ...fields.map((f) => e.fields[f.name]),
    ...perspectiveCells(aspects, e.perspectives),
  ];
}

function connectionRow(c: ConnectionData, fields: FieldDef[], aspects: string[]): Cell[] {
  return [
    c.from,
    c.to,
    c.kind ? connectionKindLabel(c.kind) : undefined,
    directionName(c.direction),
    orEmpty(c.label),
    orEmpty(c.id),
    c.depth,
    c.tags,
    ...fields.map((f) => c.fields[f.name]),
    ...perspectiveCells(aspects, c.perspectives),
  ];
}

export function tablesFromLandscape(data: LandscapeData): Tables {
  const elementAspects = aspectsOf(data.elements);
  const connectionAspects = aspectsOf(data.connections);
  // Every field is a column of Elements, so fields nothing uses still come
  // back; Connections has those its connections use.
  const connectionFields = data.fields.filter((f) =>
    data.connections.some((c) => c.fields[f.name] !== undefined),
  );
  return {
    elements: {
      columns: [
        ...ELEMENT_HEAD,
        ...extraColumns(data.fields, elementAspects, Object.values(ELEMENT_COLUMNS)),
      ],
      rows: data.elements.map((e) => elementRow(e, data.fields, elementAspects)),
    },
    connections: {
      columns: [
        ...CONNECTION_HEAD,
        ...extraColumns(connectionFields, connectionAspects, Object.values(CONNECTION_COLUMNS)),
      ],
      rows: data.connections.map((c) => connectionRow(c, connectionFields, connectionAspects)),
    },
    shapes: {
      columns: SHAPE_HEAD,
      rows: data.shapes.map((s) => [
        orEmpty(s.label),
        s.type ? boundaryTypeLabel(s.type) : undefined,
        s.geometry,
        s.path.map((p) => `${p.x} ${p.y}`).join("; "),
        orEmpty(s.sphereOf),
        orEmpty(s.id),
      ]),
    },
  };
}

const isEmptyCell = (v: Cell) =>
  v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

/** The filled cells of one row, with their columns. */
export function filledCells(table: Table, row: Cell[]): [Column, Cell][] {
  return table.columns
    .map((c, i) => [c, row[i]] as [Column, Cell])
    .filter(([, v]) => !isEmptyCell(v));
}

/** A cell as XML text: tags joined with `|`, the rest spelled out. */
export function cellText(value: Cell): string {
  return Array.isArray(value) ? joinTags(value) : String(value);
}
