// The files someone picked or dropped, read as LandscapeData: one file of any
// format of docs/formats.md, or CSV files of one map picked together (which
// is which is told by their header: From and To make connections, Path makes
// shapes, anything else elements).
import {
  formatOfFile,
  ImportError,
  readCanvas,
  readCsv,
  readGexf,
  readGraphml,
  readKumu,
  readXlsx,
  type CsvFiles,
  type FormatName,
  type LandscapeData,
} from "../map/formats";
import { MAX_FILE_BYTES } from "../map/formats/checks";

/** What the file picker offers. */
export const ACCEPTED = ".csv,.tsv,.xlsx,.graphml,.xml,.gexf,.json,.canvas";

const FORMAT_NAMES: Record<FormatName, string> = {
  csv: "CSV",
  xlsx: "XLSX",
  graphml: "GraphML",
  gexf: "GEXF",
  kumu: "Kumu JSON",
  canvas: "JSON Canvas",
};

export interface ReadFiles {
  data: LandscapeData;
  /** "landscape.xlsx (XLSX)", "elements.csv + connections.csv (CSV)". */
  description: string;
  /** The first file's name without its extension: a name for a new map. */
  name: string;
}

/** The format of a file; .xml is GraphML unless it is GEXF. */
function formatOf(file: File, head: string): FormatName {
  const extension = file.name.toLowerCase().split(".").pop();
  if (extension === "xml") return /<gexf[\s>]/.test(head) ? "gexf" : "graphml";
  const format = formatOfFile(file.name, head);
  if (!format)
    throw new ImportError(
      `${file.name}: not a file Convene reads (CSV, XLSX, GraphML, GEXF, Kumu JSON, JSON Canvas)`,
    );
  return format;
}

/** Which table a CSV file holds, by the columns of its header. */
function csvTable(text: string): keyof CsvFiles {
  const header = text.slice(0, text.search(/\r?\n|$/)).toLowerCase();
  const columns = header.split(/[,;\t]/).map((c) => c.replace(/^\uFEFF|"/g, "").trim());
  if (columns.includes("from") && columns.includes("to")) return "connections";
  if (columns.includes("path")) return "shapes";
  return "elements";
}

function readCsvFiles(files: { name: string; text: string }[]): LandscapeData {
  const tables: Partial<CsvFiles> = {};
  const names: Partial<Record<keyof CsvFiles, string>> = {};
  for (const file of files) {
    const table = csvTable(file.text);
    if (names[table])
      throw new ImportError(
        `${names[table]} and ${file.name} both hold ${table}: pick one of them`,
      );
    names[table] = file.name;
    tables[table] = file.text;
  }
  if (tables.elements === undefined)
    throw new ImportError(
      "No elements file among the CSV files: pick the elements file (Label, Type, …) " +
        "together with the connections file",
    );
  return readCsv(tables as CsvFiles);
}

export async function readPickedFiles(files: File[]): Promise<ReadFiles> {
  if (files.length === 0) throw new ImportError("No file was picked");
  for (const file of files) {
    if (file.size > MAX_FILE_BYTES)
      throw new ImportError(`${file.name}: the file is larger than 20 MB (${file.size} bytes)`);
  }
  const heads = await Promise.all(files.map((f) => f.slice(0, 4096).text()));
  const formats = files.map((f, i) => formatOf(f, heads[i]));
  const description = `${files.map((f) => f.name).join(" + ")} (${FORMAT_NAMES[formats[0]]})`;
  const named = (data: LandscapeData) => ({
    data,
    description,
    name: files[0].name.replace(/\.[^.]*$/, ""),
  });
  if (formats.every((f) => f === "csv")) {
    if (files.length > 3)
      throw new ImportError("Pick at most three CSV files: elements, connections, shapes");
    const texts = await Promise.all(
      files.map(async (f) => ({ name: f.name, text: await f.text() })),
    );
    return named(readCsvFiles(texts));
  }
  if (files.length > 1)
    throw new ImportError("Pick one file, or the CSV files of one map (elements and connections)");
  const file = files[0];
  switch (formats[0]) {
    case "xlsx":
      return named(await readXlsx(new Uint8Array(await file.arrayBuffer())));
    case "graphml":
      return named(readGraphml(await file.text()));
    case "gexf":
      return named(readGexf(await file.text()));
    case "kumu":
      return named(readKumu(await file.text()));
    default:
      return named(readCanvas(await file.text()));
  }
}
