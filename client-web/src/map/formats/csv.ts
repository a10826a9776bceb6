// CSV, as Kumu and spreadsheets write it: one file for elements, one for
// connections, and one for shapes (docs/formats.md "Columns"). Parsed by
// papaparse, which handles quoting, embedded newlines and the delimiter
// (, ; tab |) whichever a spreadsheet chose.
import Papa from "papaparse";
import { checkFileSize, fail } from "./checks";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { recordsFromRows, sheetRows, type SheetName } from "./sheet";
import { tablesFromLandscape } from "./tables";

export interface CsvFiles {
  elements: string;
  connections?: string;
  shapes?: string;
}

/**
 * The delimiter the header row uses: , ; or tab. Told to papaparse rather
 * than guessed from the data, where `|` between tags would mislead a guess.
 */
function headerDelimiter(text: string): string {
  const body = text.replace(/^\s*\n/, "");
  const header = body.slice(0, body.search(/\r?\n|$/));
  const counts = [",", ";", "\t"].map((d) => [d, header.split(d).length] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

function parseRows(sheet: SheetName, text: string) {
  checkFileSize(text.length, sheet);
  const body = text.replace(/^\uFEFF/, "");
  const result = Papa.parse<string[]>(body, { delimiter: headerDelimiter(body) });
  const error = result.errors.find((e) => e.type !== "Delimiter");
  if (error) {
    const row = (error.row ?? 0) + 1;
    const problem =
      error.code === "MissingQuotes" ? "a quoted cell has no closing quote" : error.message;
    fail(`${sheet} row ${row}`, problem);
  }
  return result.data.map((cells, i) => ({ number: i + 1, cells }));
}

/** Reads the CSV files of one map; connections and shapes are optional. */
export function readCsv(files: CsvFiles): LandscapeData {
  const records = (sheet: SheetName, text: string | undefined) =>
    text === undefined ? [] : recordsFromRows(sheet, parseRows(sheet, text));
  return landscapeFromRecords({
    elements: records("Elements", files.elements),
    connections: records("Connections", files.connections),
    shapes: records("Shapes", files.shapes),
    numbersFromText: true,
  });
}

function toCsv(rows: (string | number | boolean | undefined)[][]): string {
  const text = rows.map((r) => r.map((c) => (c === undefined ? "" : String(c))));
  return Papa.unparse(text, { newline: "\r\n" }) + "\r\n";
}

export function writeCsv(data: LandscapeData): Required<CsvFiles> {
  const tables = tablesFromLandscape(data);
  return {
    elements: toCsv(sheetRows(tables.elements)),
    connections: toCsv(sheetRows(tables.connections)),
    shapes: toCsv(sheetRows(tables.shapes)),
  };
}
