// Malformed and oversized files are refused whole, with an error that says
// where (docs/formats.md "Limits of an import").
import { describe, expect, test } from "vitest";
import {
  ImportError,
  readCsv,
  readGexf,
  readGraphml,
  readKumu,
  readXlsx,
  writeCsv,
} from "../../../../src/map/formats/index";
import { fixture, fullLandscape } from "./landscape-fixture";

function elementsCsv(rows: string[]): string {
  return ["Label,Type,Tags,X,Y", ...rows].join("\n");
}

describe("malformed files name the place", () => {
  test("a connection whose end is no element", () => {
    const read = () =>
      readCsv({
        elements: fixture("ends-elements.csv"),
        connections: fixture("missing-end-connections.csv"),
      });
    expect(read).toThrow(ImportError);
    expect(read).toThrow("Connections row 7: no element labelled 'Devon ICB'");
  });

  test("a number that is not a number", () => {
    expect(() => readCsv({ elements: fixture("bad-number-elements.csv") })).toThrow(
      "Elements row 3: X '12 px' is not a number",
    );
  });

  test("a quoted cell that never closes", () => {
    expect(() => readCsv({ elements: fixture("unterminated-elements.csv") })).toThrow(
      /^Elements row 3: a quoted cell has no closing quote/,
    );
  });

  test("broken XML names its line", () => {
    expect(() => readGraphml(fixture("broken.graphml"))).toThrow(/^GraphML line 6: /);
  });

  // .txt, so that a formatter does not mend it.
  test("broken JSON", () => {
    expect(() => readKumu(fixture("broken-kumu.json.txt"))).toThrow(/^Kumu JSON: not JSON/);
  });

  test("a workbook that is not one", async () => {
    await expect(
      readXlsx(new TextEncoder().encode("Label,Type\nA,B\n".repeat(10))),
    ).rejects.toThrow("XLSX: not an XLSX file (no zip directory)");
  });

  test("a GraphML edge's undeclared key, a GEXF node's bad number", () => {
    const graphml = `<graphml><graph><node id="a"><data key="k9">x</data></node></graph></graphml>`;
    expect(() => readGraphml(graphml)).toThrow(
      "GraphML node 'a' (line 1): data for an undeclared key 'k9'",
    );
    const gexf = `<gexf version="1.3"><graph><attributes class="node">
      <attribute id="0" title="members" type="integer"/></attributes>
      <nodes><node id="n1" label="A"><attvalues><attvalue for="0" value="many"/></attvalues></node></nodes>
      </graph></gexf>`;
    expect(() => readGexf(gexf)).toThrow("GEXF node 'n1' (line 3): members 'many' is not a number");
  });
});

describe("hostile XML", () => {
  test("a DTD with entities is refused before parsing", () => {
    expect(() => readGexf(fixture("entities.gexf"))).toThrow(/DOCTYPE is not accepted/);
  });

  test("nesting deeper than 64 is refused", () => {
    const deep = "<g>".repeat(200) + "</g>".repeat(200);
    expect(() => readGraphml(`<graphml><graph>${deep}</graph></graphml>`)).toThrow(ImportError);
  });

  test("character references are decoded once, never expanded further", () => {
    const xml = `<graphml><key id="l" for="node" attr.name="label" attr.type="string"/>
      <graph><node id="a"><data key="l">&amp;lt;b&amp;gt; &#233;&#x263A;</data></node></graph></graphml>`;
    expect(readGraphml(xml).elements[0].label).toBe("&lt;b&gt; é☺");
  });
});

describe("the CRDT's limits, checked per row", () => {
  test("a label over 500 bytes", () => {
    const long = "é".repeat(251); // 502 bytes
    expect(() => readCsv({ elements: elementsCsv(["A,,,,", `${long},,,,`]) })).toThrow(
      "Elements row 3: label is longer than 500 bytes (502)",
    );
  });

  test("tags: trimmed, at most 64 bytes, no control characters", () => {
    expect(readCsv({ elements: elementsCsv(["A,, one | two ,,"]) }).elements[0].tags).toEqual([
      "one",
      "two",
    ]);
    expect(() => readCsv({ elements: elementsCsv([`A,,${"t".repeat(65)},,`]) })).toThrow(
      /^Elements row 2: tag '.*' longer than 64 bytes/,
    );
    expect(() => readCsv({ elements: elementsCsv(["A,,bad\u0007tag,,"]) })).toThrow(
      "Elements row 2: tag 'bad\u0007tag' holds a control character",
    );
  });

  test("coordinates within ±10^7, given together", () => {
    expect(() => readCsv({ elements: elementsCsv(["A,,,1e8,0"]) })).toThrow(
      "Elements row 2: X 100000000 is beyond ±10,000,000",
    );
    expect(() => readCsv({ elements: elementsCsv(["A,,,5,"]) })).toThrow(
      "Elements row 2: X and Y come together",
    );
  });

  test("depth 1-3 and a known direction", () => {
    const elements = elementsCsv(["A,,,,", "B,,,,"]);
    expect(() => readCsv({ elements, connections: "From,To,Depth\nA,B,4\n" })).toThrow(
      "Connections row 2: depth 4 is not 1, 2 or 3",
    );
    expect(() => readCsv({ elements, connections: "From,To,Direction\nA,B,sideways\n" })).toThrow(
      "Connections row 2: direction 'sideways' is not directed, mutual or undirected",
    );
  });

  test("more rows than an import may hold", () => {
    const rows = Array.from({ length: 5001 }, (_, i) => `E${i},,,,`);
    expect(() => readCsv({ elements: elementsCsv(rows) })).toThrow(
      "Elements: more than 5,000 (5001)",
    );
  });
});

describe("formula injection", () => {
  test("cells that a spreadsheet would run are written with an apostrophe", () => {
    const csv = writeCsv(fullLandscape()).elements;
    expect(csv).toContain("'=Carers' forum");
    expect(csv).toContain("'-lived|@voice|plain");
    expect(readCsv({ elements: csv }).elements[1].label).toBe("=Carers' forum");
  });

  test("a leading apostrophe is escaped too, so it comes back", () => {
    const data = fullLandscape();
    data.elements[2].label = "'Ana' to friends";
    const csv = writeCsv(data).elements;
    expect(csv).toContain("''Ana' to friends");
    expect(readCsv({ elements: csv }).elements[2].label).toBe("'Ana' to friends");
    // A file written by hand keeps an apostrophe that guards nothing.
    expect(readCsv({ elements: "Label\n'tis\n" }).elements[0].label).toBe("'tis");
  });
});

describe("names a writer must make distinct", () => {
  test("a field named like a built-in column is written as '<name> (2)'", () => {
    const data = fullLandscape();
    data.fields.push({ name: "Type", type: "text", choices: [] });
    data.elements[0].fields.Type = "odd";
    const back = readCsv(writeCsv(data));
    expect(back.fields.at(-1)).toEqual({ name: "Type (2)", type: "text", choices: [] });
    expect(back.elements[0].fields["Type (2)"]).toBe("odd");
    expect(back.elements[0].customKind).toBe("NHS trust");
  });
});
