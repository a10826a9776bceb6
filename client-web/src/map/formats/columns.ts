// The column names of docs/formats.md "Columns" with the aliases readers
// accept, and the record every reader fills: one element, connection or shape
// as named cells (a spreadsheet row, a GraphML node's data, a Kumu object).

export type Cell = string | number | boolean | string[] | undefined;

export interface SourceRecord {
  /** Where it is, for errors: "Connections row 7", "GraphML node 'n3' (line 12)". */
  where: string;
  /** Normalised column name (trimmed, lower case) → the column as written and its value. */
  cells: Map<string, { column: string; value: Cell }>;
}

export function normaliseColumn(name: string): string {
  return name.trim().toLowerCase();
}

export function sourceRecord(where: string, entries: Iterable<[string, Cell]>): SourceRecord {
  const cells = new Map<string, { column: string; value: Cell }>();
  for (const [column, value] of entries) {
    const key = normaliseColumn(column);
    if (key !== "" && !cells.has(key)) cells.set(key, { column: column.trim(), value });
  }
  return { where, cells };
}

// Column names of docs/formats.md, with the aliases a reader accepts.
export const ELEMENT_COLUMNS = {
  label: ["label", "name"],
  type: ["type", "element type", "kind"],
  description: ["description", "notes"],
  tags: ["tags"],
  scale: ["scale", "level"],
  id: ["id"],
  x: ["x"],
  y: ["y"],
  color: ["color", "colour"],
  shape: ["shape"],
  pinned: ["pinned"],
  person: ["person"],
};
export const CONNECTION_COLUMNS = {
  from: ["from"],
  to: ["to"],
  type: ["type", "connection type"],
  direction: ["direction"],
  label: ["label"],
  id: ["id"],
  depth: ["depth"],
  tags: ["tags"],
};
export const SHAPE_COLUMNS = {
  label: ["label"],
  type: ["type"],
  geometry: ["geometry"],
  path: ["path"],
  sphereOf: ["sphere of"],
  id: ["id"],
};
