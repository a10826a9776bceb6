// What CSV and XLSX share: a header row naming the columns, one row per
// entity, and cells guarded against formula injection. Spreadsheet programs
// run a cell that begins with = + - @ (or a tab or carriage return) as a
// formula, so exports prefix such text with an apostrophe, as OWASP's "CSV
// Injection" advises, and imports take it off again.
import { sourceRecord, type Cell, type SourceRecord } from "./columns";
import type { Table } from "./tables";
import { joinTags } from "./vocabulary";

/** A row as read, with its number as the spreadsheet shows it (header = 1). */
export interface NumberedRow {
  number: number;
  cells: Cell[];
}

export type SheetName = "Elements" | "Connections" | "Shapes";

// A leading apostrophe is escaped too, so "'=x" and "'abc" survive the round
// trip; the REST export does the same (docs/formats.md, "CSV").
const FORMULA_START = /^[=+\-@\t\r']/;

export function escapeFormula(s: string): string {
  return FORMULA_START.test(s) ? "'" + s : s;
}

export function unescapeFormula(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s.slice(1)) ? s.slice(1) : s;
}

function unescapeCell(value: Cell): Cell {
  return typeof value === "string" ? unescapeFormula(value) : value;
}

const isBlank = (cells: Cell[]) =>
  cells.every((c) => c === undefined || c === null || String(c).trim() === "");

const EDGE_TYPES = new Set(["directed", "undirected", "mutual"]);

/**
 * Gephi's edge table as a Connections sheet: "Source" and "Target" are the
 * ends where no "From" or "To" column is, and a "Type" column holding only
 * directed, undirected or mutual is the direction where no "Direction" column
 * is. Only the header is read so, not the column list (columns.ts), so an
 * exported field named "Source" stays a field.
 */
function gephiEdgeColumns(names: string[], body: NumberedRow[]): string[] {
  const normal = names.map((n) => n.trim().toLowerCase());
  const renamed = [...names];
  const rename = (from: string, to: string) => {
    const i = normal.indexOf(from);
    if (i >= 0 && !normal.includes(to.toLowerCase())) renamed[i] = to;
  };
  rename("source", "From");
  rename("target", "To");
  const type = normal.indexOf("type");
  const values = body
    .map((row) =>
      String(row.cells[type] ?? "")
        .trim()
        .toLowerCase(),
    )
    .filter((v) => v !== "");
  if (type >= 0 && values.length > 0 && values.every((v) => EDGE_TYPES.has(v)))
    rename("type", "Direction");
  return renamed;
}

/** Rows under a header row (the first that is not blank) → records; blank rows are skipped. */
export function recordsFromRows(sheet: SheetName, rows: NumberedRow[]): SourceRecord[] {
  const start = rows.findIndex((row) => !isBlank(row.cells));
  if (start < 0) return [];
  const [header, ...body] = rows.slice(start);
  const cells = header.cells.map((c) => (c === undefined || c === null ? "" : String(c)));
  const names = sheet === "Connections" ? gephiEdgeColumns(cells, body) : cells;
  return body
    .filter((row) => !isBlank(row.cells))
    .map((row) =>
      sourceRecord(
        `${sheet} row ${row.number}`,
        names.map((name, i) => [name, unescapeCell(row.cells[i])]),
      ),
    );
}

/** A cell as a spreadsheet holds it: tags joined, text guarded, numbers as numbers. */
function sheetCell(value: Cell): string | number | boolean | undefined {
  if (Array.isArray(value)) return value.length ? escapeFormula(joinTags(value)) : undefined;
  if (typeof value === "string") return escapeFormula(value);
  return value;
}

/** The header row and one row per entity. */
export function sheetRows(table: Table): (string | number | boolean | undefined)[][] {
  return [
    table.columns.map((c) => escapeFormula(c.name)),
    ...table.rows.map((r) => r.map(sheetCell)),
  ];
}
