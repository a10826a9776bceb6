// Write → read gives the same LandscapeData, up to what each format can
// hold (docs/formats.md "What each format cannot carry").
import { describe, expect, test } from "vitest";
import { readCsv, writeCsv } from "../../../../src/map/formats/csv";
import { readGraphml, writeGraphml } from "../../../../src/map/formats/graphml";
import { readXlsx, writeXlsx } from "../../../../src/map/formats/xlsx";
import { readGexf, writeGexf } from "../../../../src/map/formats/gexf";
import { readKumu, writeKumu } from "../../../../src/map/formats/kumu";
import { readCanvas, writeCanvas } from "../../../../src/map/formats/canvas";
import type { LandscapeData } from "../../../../src/map/formats/model";
import { fullLandscape } from "./landscape-fixture";

/** The landscape with a choice field, which only GEXF declares. */
function withChoice(): LandscapeData {
  const data = fullLandscape();
  data.fields[2] = { name: "stage", type: "choice", choices: ["Scoping", "Running", "Done"] };
  return data;
}

/** What a canvas holds: cards (label, description, position, hex colour), rectangles, edges. */
function canvasPart(data: LandscapeData): LandscapeData {
  return {
    elements: data.elements.map((e, i) => ({
      id: e.id,
      label: e.label,
      kind: "",
      description: e.description,
      tags: [],
      x: e.x ?? (i % 8) * 300,
      y: e.y ?? Math.floor(i / 8) * 120,
      ...(e.color ? { color: e.color } : {}),
      fields: {},
    })),
    connections: data.connections.map((c) => ({
      id: c.id,
      from: c.from,
      to: c.to,
      direction: c.direction,
      label: c.label,
      tags: [],
      fields: {},
    })),
    shapes: data.shapes
      .filter((s) => s.geometry === "polygon")
      .map((s) => ({ id: s.id, label: s.label, geometry: s.geometry, path: s.path })),
    fields: [],
    kinds: [],
  };
}

describe("round trips", () => {
  test("CSV carries everything but field types other than text and number", () => {
    const data = fullLandscape();
    expect(readCsv(writeCsv(data))).toEqual(data);
  });

  test("XLSX carries everything CSV does", async () => {
    const data = fullLandscape();
    expect(await readXlsx(await writeXlsx(data))).toEqual(data);
  });

  test("GraphML carries everything CSV does", () => {
    const data = fullLandscape();
    expect(readGraphml(writeGraphml(data))).toEqual(data);
  });

  test("GEXF carries everything but shapes, and declares choice fields", () => {
    const data = withChoice();
    expect(readGexf(writeGexf(data))).toEqual({ ...data, shapes: [] });
  });

  test("Kumu JSON carries everything but shapes", () => {
    const data = fullLandscape();
    expect(readKumu(writeKumu(data))).toEqual({ ...data, shapes: [] });
  });

  test("JSON Canvas carries cards, rectangular regions and edges", () => {
    const data = fullLandscape();
    expect(readCanvas(writeCanvas(data))).toEqual(canvasPart(data));
  });
});
