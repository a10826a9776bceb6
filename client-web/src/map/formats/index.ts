// Reading and writing the map files of docs/formats.md. Each reader returns a
// LandscapeData (model.ts) or throws an ImportError naming the row, line or
// element at fault; each writer takes a LandscapeData. XLSX is asynchronous
// because its library is loaded on first use.
export { ImportError } from "./checks";
export type * from "./model";
export { emptyLandscape } from "./model";
export { readCsv, writeCsv, type CsvFiles } from "./csv";
export { readXlsx, writeXlsx } from "./xlsx";
export { readGraphml, writeGraphml } from "./graphml";
export { readGexf, writeGexf } from "./gexf";
export { readKumu, writeKumu } from "./kumu";
export { readCanvas, writeCanvas } from "./canvas";

export type FormatName = "csv" | "xlsx" | "graphml" | "gexf" | "kumu" | "canvas";

/**
 * The format of a file by its name; a .json file is a canvas when it has
 * "nodes" (give its start as `head`), else Kumu JSON.
 */
export function formatOfFile(name: string, head = ""): FormatName | undefined {
  const extension = name.toLowerCase().split(".").pop() ?? "";
  const byExtension: Record<string, FormatName> = {
    csv: "csv",
    tsv: "csv",
    xlsx: "xlsx",
    graphml: "graphml",
    gexf: "gexf",
    canvas: "canvas",
  };
  if (extension === "json") return /"nodes"\s*:/.test(head) ? "canvas" : "kumu";
  return byExtension[extension];
}
