// Write → read gives the same LandscapeData, up to what each format can
// hold (docs/formats.md "What each format cannot carry").
import { describe, expect, test } from "vitest";
import { readCsv, writeCsv } from "../../../../src/map/formats/csv";
import { readGraphml, writeGraphml } from "../../../../src/map/formats/graphml";
import { readXlsx, writeXlsx } from "../../../../src/map/formats/xlsx";
import { fullLandscape } from "./landscape-fixture";

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
});
