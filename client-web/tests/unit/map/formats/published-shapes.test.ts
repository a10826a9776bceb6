// Shapes met in published example files (docs/formats.md "Checked against
// published files"), each with our own data; the XML fixtures say in a
// comment which file they mirror, the JSON and CSV ones here:
// - kumu-project-maps.json: the project exports in kumu/docs
//   (images/kumu-changelabs-template.json, content/snap-to-tutorial-project.json):
//   declared "attributes" with formats, number attributes written as text,
//   two maps with the default one not first, pins, "delayed"/"reversed".
// - gephi-nodes.csv / gephi-edges.csv: Gephi's spreadsheet import tests
//   (nodes_table_types_test.csv, edges_table_types_test.csv): a blank first
//   line, Id and Label, cells of spaces, a number past 10^15, and edges by
//   Source and Target with Type directed/undirected and a Weight.
import { describe, expect, test } from "vitest";
import {
  readCsv,
  readGexf,
  readGraphml,
  readKumu,
  writeGraphml,
} from "../../../../src/map/formats/index";
import { fixture } from "./landscape-fixture";

describe("GraphML as Gephi, igraph and yEd Live write it", () => {
  test("keys inside <graph>, one key id for nodes and edges, <desc>, another domain's data", () => {
    const data = readGraphml(fixture("graph-keys.graphml"));
    expect(data.elements.map((e) => [e.id, e.label, e.description])).toEqual([
      ["a", "Allotment society", "Plots by the railway"],
      ["b", "Seed library", ""],
      ["c", "", "No name, only a description"],
    ]);
    expect(data.elements[1].fields).toEqual({});
    expect(data.fields).toEqual([{ name: "weight", type: "number", choices: [] }]);
    expect(data.connections.map((c) => [c.id, c.from, c.to, c.label, c.fields])).toEqual([
      ["ab", "a", "b", "swaps seeds", { weight: 3 }],
      [undefined, "b", "c", "", {}],
    ]);
  });

  test("yEd Live: labels, geometry (centred) and fill from its graphics keys, which are no fields", () => {
    const data = readGraphml(fixture("yed-live.graphml"));
    expect(data.elements).toEqual([
      {
        id: "n0",
        label: "Repair café",
        kind: "",
        description: "Open Tuesdays",
        tags: [],
        x: 130,
        y: 55,
        color: "#2E8B57",
        fields: {},
      },
      {
        id: "n1",
        label: "Tool library",
        kind: "",
        description: "",
        tags: [],
        x: 30,
        y: 230,
        fields: {},
      },
    ]);
    // Only the edge's own description key (Convene's connections have none) is a field.
    expect(data.fields).toEqual([{ name: "description", type: "text", choices: [] }]);
    expect(data.connections.map((c) => [c.from, c.to, c.label, c.direction, c.fields])).toEqual([
      ["n0", "n1", "borrows from", "forward", { description: "lends drills" }],
    ]);
  });

  test("an edge without an id is named by its place in an error", () => {
    const graphml = `<graphml><graph><node id="a"/><edge source="a" target="a"/>
      <edge source="a" target="zz"/></graph></graphml>`;
    expect(() => readGraphml(graphml)).toThrow("GraphML edge 2 (line 2): no element labelled 'zz'");
  });

  test("our own GraphML still reads back the same after these rules", () => {
    const data = readGraphml(fixture("graph-keys.graphml"));
    expect(readGraphml(writeGraphml(data))).toEqual(data);
  });
});

describe("GEXF as Gephi writes it", () => {
  test("edge weights, int attributes, null and INF as empty, a long past 10^15 as text", () => {
    const data = readGexf(fixture("gephi-weights.gexf"));
    expect(data.elements.map((e) => [e.label, e.fields])).toEqual([
      ["Food bank", { Households: 120, Account: "1234567890123456789" }],
      ["Community fridge", { Households: 45, Account: "42" }],
      ["School kitchen", { Reach: 0.75 }],
    ]);
    expect(data.fields).toEqual([
      { name: "Households", type: "number", choices: [] },
      { name: "Reach", type: "number", choices: [] },
      { name: "Account", type: "text", choices: [] },
      { name: "weight", type: "number", choices: [] },
    ]);
    expect(data.connections.map((c) => [c.from, c.to, c.direction, c.fields])).toEqual([
      ["1", "0", "none", {}],
      ["2", "0", "none", { weight: 8 }],
      ["2", "1", "none", { weight: 0 }],
    ]);
  });
});

describe("Kumu's project export", () => {
  test("the default map's positions and pins, declared names and number formats, no drawing flags", () => {
    const data = readKumu(fixture("kumu-project-maps.json"));
    expect(data.elements.map((e) => [e.label, e.x, e.y, e.pinned, e.fields])).toEqual([
      ["Parish council", -40.5, 12, true, { "Power Score": 7, "Key Quotes": "We own the hall" }],
      ["Youth club", 60, -8.25, undefined, { "Power Score": 2.5 }],
      ["Not on the default map", undefined, undefined, undefined, {}],
    ]);
    expect(data.fields).toEqual([
      { name: "Power Score", type: "number", choices: [] },
      { name: "Key Quotes", type: "text", choices: [] },
    ]);
    expect(data.connections.map((c) => [c.id, c.kind, c.direction, c.fields])).toEqual([
      ["conn-1", "funding", "forward", { "Power Score": 3 }],
      ["conn-2", undefined, "none", {}],
    ]);
  });
});

describe("Gephi's spreadsheet tables as CSV", () => {
  test("a blank first line, cells of spaces, Source/Target and Type as the direction", () => {
    const data = readCsv({
      elements: fixture("gephi-nodes.csv"),
      connections: fixture("gephi-edges.csv"),
    });
    expect(data.elements.map((e) => [e.id, e.label, e.description, e.fields])).toEqual([
      ["1", "Food bank", "weekly", { Volunteers: 12, "Charity number": "1234567890123456789" }],
      ["2", "Community fridge", "", { "Charity number": "42" }],
      ["3", "", "", {}],
    ]);
    expect(data.fields).toEqual([
      { name: "Volunteers", type: "number", choices: [] },
      { name: "Charity number", type: "text", choices: [] },
      { name: "Weight", type: "number", choices: [] },
    ]);
    expect(
      data.connections.map((c) => [c.id, c.from, c.to, c.direction, c.label, c.tags, c.fields]),
    ).toEqual([
      ["e1", "1", "2", "forward", "supplies", [], { Weight: 2.5 }],
      ["e2", "2", "3", "none", "", [], { Weight: 1 }],
    ]);
  });

  test("a Type of other words stays a connection type, and From/To win over Source/Target", () => {
    const data = readCsv({
      elements: "Label\nA\nB\n",
      connections: "From,To,Source,Type\nA,B,elsewhere,Directed\nB,A,,Funding\n",
    });
    expect(
      data.connections.map((c) => [c.from, c.to, c.kind, c.direction, c.tags, c.fields]),
    ).toEqual([
      ["#1", "#2", undefined, "forward", ["Directed"], { Source: "elsewhere" }],
      ["#2", "#1", "funding", "forward", [], {}],
    ]);
  });
});
