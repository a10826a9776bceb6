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

/** Rows under a header row → records; blank rows are skipped. */
export function recordsFromRows(sheet: SheetName, rows: NumberedRow[]): SourceRecord[] {
  const [header, ...body] = rows;
  if (!header) return [];
  const names = header.cells.map((c) => (c === undefined || c === null ? "" : String(c)));
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
