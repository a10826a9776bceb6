// XLSX: one workbook with the sheets Elements, Connections and Shapes
// (docs/formats.md "Columns"); a workbook whose sheet names differ is read
// with its first sheet as the elements. Read and written with exceljs,
// loaded on first use so its megabyte stays out of the main bundle.
import type { Cell as ExcelCell, CellValue, Workbook, Worksheet } from "exceljs";
import { checkFileSize, fail, MAX_CONNECTIONS, MAX_ELEMENTS, MAX_SHAPES } from "./checks";
import type { Cell } from "./columns";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { recordsFromRows, sheetRows, type NumberedRow, type SheetName } from "./sheet";
import { tablesFromLandscape, type Table } from "./tables";
import { checkZip } from "./zip-guard";

async function newWorkbook(): Promise<Workbook> {
  const mod = await import("exceljs");
  // CommonJS in Node, a UMD bundle in the browser: the classes sit on the
  // default export in one and on the namespace in the other.
  const excel = (mod as unknown as { default?: typeof mod }).default ?? mod;
  return new excel.Workbook();
}

/** A cell as plain data; formulas give their saved result and are never run. */
function plainCell(value: CellValue): Cell {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return value;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("result" in value) return plainCell(value.result as CellValue);
  if ("hyperlink" in value) return value.text;
  return undefined; // errors (#N/A) and anything else
}

const LIMITS: Record<SheetName, number> = {
  Elements: MAX_ELEMENTS,
  Connections: MAX_CONNECTIONS,
  Shapes: MAX_SHAPES,
};

function sheetRowsOf(sheet: SheetName, ws: Worksheet | undefined): NumberedRow[] {
  if (!ws) return [];
  // The header and up to the limit; counted before any row is converted.
  if (ws.actualRowCount > LIMITS[sheet] + 1)
    fail(sheet, `more than ${LIMITS[sheet].toLocaleString("en")} rows (${ws.actualRowCount - 1})`);
  const rows: NumberedRow[] = [];
  ws.eachRow((row, number) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: false }, (c: ExcelCell, col: number) => {
      cells[col - 1] = plainCell(c.value);
    });
    rows.push({ number, cells: Array.from(cells) });
  });
  return rows;
}

function findSheet(wb: Workbook, name: SheetName): Worksheet | undefined {
  return wb.worksheets.find((ws) => ws.name.trim().toLowerCase() === name.toLowerCase());
}

export async function readXlsx(bytes: Uint8Array): Promise<LandscapeData> {
  checkFileSize(bytes.byteLength, "XLSX");
  checkZip(bytes);
  const wb = await newWorkbook();
  try {
    await wb.xlsx.load(bytes as unknown as Parameters<Workbook["xlsx"]["load"]>[0]);
  } catch (e) {
    fail("XLSX", `not a readable workbook (${(e as Error).message})`);
  }
  const elements = findSheet(wb, "Elements") ?? wb.worksheets[0];
  const records = (sheet: SheetName, ws: Worksheet | undefined) =>
    recordsFromRows(sheet, sheetRowsOf(sheet, ws));
  return landscapeFromRecords({
    elements: records("Elements", elements),
    connections: records("Connections", findSheet(wb, "Connections")),
    shapes: records("Shapes", findSheet(wb, "Shapes")),
    numbersFromText: false,
  });
}

function addSheet(wb: Workbook, name: SheetName, table: Table): void {
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  const rows = sheetRows(table);
  ws.addRows(rows.map((r) => r.map((c) => c ?? null)));
  ws.getRow(1).font = { bold: true };
  ws.columns.forEach((column, i) => {
    const widest = rows.reduce((w, r) => Math.max(w, String(r[i] ?? "").length), 0);
    column.width = Math.min(40, Math.max(10, widest + 2));
  });
}

/** One workbook, three sheets, as the bytes of an .xlsx file. */
export async function writeXlsx(data: LandscapeData): Promise<Uint8Array> {
  const tables = tablesFromLandscape(data);
  const wb = await newWorkbook();
  addSheet(wb, "Elements", tables.elements);
  addSheet(wb, "Connections", tables.connections);
  addSheet(wb, "Shapes", tables.shapes);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
