// Map exports that need more than the map view's SVG: a PNG rendered from it,
// and the map's part of the canonical JSON (docs/crdt.md).
import type { ConveneDocument, IdKey } from "../crdt/api";
import type { MapView } from "../map/map-view";
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
