// Map exports that need more than the map view's SVG: a PNG rendered from it,
// the map's part of the canonical JSON (docs/crdt.md), and the map as the
// files of docs/formats.md (map/formats, from map/transfer's LandscapeData).
import type { ConveneDocument, IdKey } from "../crdt/api";
import {
  writeCanvas,
  writeCsv,
  writeGexf,
  writeGraphml,
  writeKumu,
  writeXlsx,
  type FormatName,
  type LandscapeData,
} from "../map/formats";
import type { MapView } from "../map/map-view";
import { landscapeOf, type Member } from "../map/transfer";
import { pastMembers } from "./api-client";
import type { AppContext } from "./context";
import { download, safeFileName } from "./dom";

/** The largest PNG side: big enough to print, small enough for any canvas. */
const MAX_PNG_SIDE = 4096;

export async function exportMapPng(view: MapView, name: string): Promise<void> {
  if (!view.currentMap()) throw new Error("There is no map to export yet.");
  const png = await svgToPng(view.exportSVG());
  download(safeFileName(name, "png"), png);
}

/** Rasterises a standalone SVG at twice its size (bounded), on white. */
export async function svgToPng(svg: string): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  try {
    const image = new Image();
    image.decoding = "async";
    image.src = url;
    await image.decode();
    const natural = Math.max(image.naturalWidth, image.naturalHeight, 1);
    const scale = Math.min(2, MAX_PNG_SIDE / natural);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    const context = canvas.getContext("2d");
    if (!context) throw new Error("This browser cannot draw the PNG.");
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error("PNG encoding failed"))),
        "image/png",
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The canonical JSON of one map (the export format), or of every map. */
export function mapJson(doc: ConveneDocument, map: IdKey | undefined): unknown {
  const state = doc.toJSON() as { maps: { id: string }[] };
  const maps = map ? state.maps.filter((m) => m.id === map) : state.maps;
  return { format: 1, maps };
}

export function exportMapJson(doc: ConveneDocument, map: IdKey | undefined, name: string): void {
  if (!map) throw new Error("There is no map to export yet.");
  const text = JSON.stringify(mapJson(doc, map), null, 2) + "\n";
  download(safeFileName(name, "json"), new Blob([text], { type: "application/json" }));
}

// ---- map data files (docs/formats.md) ----------------------------------------

export type DataFormat =
  Exclude<FormatName, "csv"> | "csv-elements" | "csv-connections" | "csv-shapes";

/**
 * Every member the convening knows (GET …/members) and whoever is online,
 * by member id: files name people, and an import finds them by name. Offline,
 * the members list cannot load: those online are all it knows.
 */
export async function knownMembers(
  ctx: AppContext,
  convening: string,
  token: string,
): Promise<Member[]> {
  const members = new Map<string, string>();
  try {
    for (const m of await pastMembers(convening, token)) members.set(m.id, m.name);
  } catch {
    // Offline: the names of who is here will do.
  }
  for (const p of ctx.participants()) members.set(p.id, p.name);
  members.set(ctx.me.id, ctx.me.name);
  return [...members].map(([id, name]) => ({ id, name }));
}

const MIME = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xml: "application/xml",
  json: "application/json",
  csv: "text/csv;charset=utf-8",
};

/** The file of one format: its name (from the map's) and its bytes. */
export async function mapDataFile(
  data: LandscapeData,
  format: DataFormat,
  mapName: string,
): Promise<{ filename: string; blob: Blob }> {
  const file = (suffix: string, extension: string, body: BlobPart, type: string) => ({
    filename: safeFileName(suffix ? `${mapName} ${suffix}` : mapName, extension),
    blob: new Blob([body], { type }),
  });
  switch (format) {
    case "xlsx":
      return file("", "xlsx", (await writeXlsx(data)) as Uint8Array<ArrayBuffer>, MIME.xlsx);
    case "graphml":
      return file("", "graphml", writeGraphml(data), MIME.xml);
    case "gexf":
      return file("", "gexf", writeGexf(data), MIME.xml);
    case "kumu":
      return file("kumu", "json", writeKumu(data), MIME.json);
    case "canvas":
      return file("", "canvas", writeCanvas(data), MIME.json);
    case "csv-elements":
    case "csv-connections":
    case "csv-shapes": {
      const table = format.slice(4) as keyof ReturnType<typeof writeCsv>;
      return file(table, "csv", writeCsv(data)[table], MIME.csv);
    }
  }
}

/** Downloads the current map in one of the file formats. */
export async function exportMapData(
  ctx: AppContext,
  map: IdKey | undefined,
  format: DataFormat,
  names: { map: string; convening: string; token: string },
): Promise<void> {
  if (!map) throw new Error("There is no map to export yet.");
  const members = new Map(
    (await knownMembers(ctx, names.convening, names.token)).map((m) => [m.id, m.name]),
  );
  const data = landscapeOf(ctx.doc, map, (id) => members.get(id) ?? id);
  const { filename, blob } = await mapDataFile(data, format, names.map);
  download(filename, blob);
}
