// A 2,000-row spreadsheet is read in one go (docs/formats.md: an import is
// read whole before anything is applied). The time is the bench's concern;
// this checks that the whole of it arrives.
import { expect, test } from "vitest";
import type { LandscapeData } from "../../../../src/map/formats/model";
import { readCsv, readXlsx, writeCsv, writeXlsx } from "../../../../src/map/formats/index";

function landscapeOf(count: number): LandscapeData {
  const kinds = ["institution", "project", "person", "network"] as const;
  return {
    elements: Array.from({ length: count }, (_, i) => ({
      id: `e${i}`,
      label: `Element ${i}`,
      kind: kinds[i % kinds.length],
      description: i % 10 === 0 ? `Notes for element ${i}` : "",
      tags: i % 3 === 0 ? ["tagged", `group ${i % 7}`] : [],
      scale: "regional",
      x: i * 3,
      y: -i,
      fields: { size: i },
    })),
    connections: Array.from({ length: count }, (_, i) => ({
      from: `e${i}`,
      to: `e${(i * 7 + 1) % count}`,
      kind: "collaboration",
      direction: "forward",
      label: "",
      tags: [],
      fields: {},
    })),
    shapes: [],
    fields: [{ name: "size", type: "number", choices: [] }],
    kinds: [],
  };
}

test("a 2,000-row workbook imports whole", async () => {
  const data = landscapeOf(2000);
  const read = await readXlsx(await writeXlsx(data));
  expect(read.elements).toHaveLength(2000);
  expect(read.connections).toHaveLength(2000);
  expect(read.elements[1999]).toMatchObject({
    label: "Element 1999",
    x: 5997,
    fields: { size: 1999 },
  });
  // Writing and reading 4,000 rows on a loaded two-core machine: a generous bound.
}, 30_000);

test("2,000 rows of CSV import whole", () => {
  const read = readCsv(writeCsv(landscapeOf(2000)));
  expect(read.elements).toHaveLength(2000);
  expect(read.connections).toHaveLength(2000);
});
