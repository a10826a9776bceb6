// Files in the shapes other tools write, all with our own data (each fixture
// says which published shape it mirrors; the JSON and CSV ones here):
// - kumu-blueprint.json: Kumu's documented blueprint (flat objects, custom
//   keys, ids where labels repeat); kumu-project.json: Kumu's project export
//   ("_id", "attributes" with "element type", positions under "maps").
// - kumu-elements.csv / kumu-connections.csv: Kumu's spreadsheet import
//   (Label, Type, Description, Tags with |, From/To by label).
// - sample.canvas: the JSON Canvas 1.0 spec's node and edge shapes.
import { describe, expect, test } from "vitest";
import {
  readCanvas,
  readCsv,
  readGexf,
  readGraphml,
  readKumu,
} from "../../../../src/map/formats/index";
import { fixture } from "./landscape-fixture";

describe("GraphML", () => {
  test("the primer's shape: typed keys, defaults, undirected edges", () => {
    const data = readGraphml(fixture("primer.graphml"));
    expect(data.elements.map((e) => [e.id, e.label, e.color])).toEqual([
      ["n0", "Library", "#2e8b57"],
      ["n1", "Reading group", "#dddddd"],
      ["n2", "Town hall", "#4169e1"],
      ["n3", "", "#dddddd"],
    ]);
    expect(data.fields).toEqual([{ name: "weight", type: "number", choices: [] }]);
    expect(data.connections.map((c) => [c.from, c.to, c.direction, c.fields])).toEqual([
      ["n0", "n1", "none", { weight: 1.5 }],
      ["n1", "n2", "forward", {}],
      ["n2", "n3", "none", { weight: 0.25 }],
    ]);
  });

  test("yEd's node labels, geometry (centred), fill, edge labels and arrows", () => {
    const data = readGraphml(fixture("yed.graphml"));
    const [clinic, pharmacy, home] = data.elements;
    expect(clinic).toMatchObject({
      label: "Health centre",
      description: "Runs the weekly clinic",
      x: 140,
      y: 215,
      color: "#FFCC00",
    });
    expect(pharmacy).toMatchObject({
      label: "Pharmacy",
      x: 0,
      y: 20,
      color: "#99CCFF",
      fields: { url: "https://example.org/pharmacy" },
    });
    expect(home).toMatchObject({ label: "Care home", x: 315, y: 315 });
    expect(data.connections.map((c) => [c.label, c.direction])).toEqual([
      ["prescriptions", "forward"],
      ["", "both"],
      ["", "none"],
    ]);
  });
});

describe("GEXF", () => {
  test("Gephi's 1.2 shape: attributes by title, viz colour and position, mutual edges", () => {
    const data = readGexf(fixture("gephi-1.2.gexf"));
    expect(data.elements[0]).toMatchObject({
      id: "0",
      label: "Food bank",
      kind: "institution",
      customKind: "charity",
      x: 15.5,
      y: -40.25,
      color: "#efad42",
      fields: { members: 40, active: "true" },
    });
    expect(data.elements[1]).toMatchObject({ kind: "community", fields: { active: "false" } });
    expect(data.elements[2]).toMatchObject({ label: "City council", fields: { active: "true" } });
    expect(data.fields.map((f) => [f.name, f.type])).toEqual([
      ["members", "number"],
      ["active", "text"],
      ["since", "text"],
      ["weight", "number"],
    ]);
    // GEXF's own edge weight is a number field.
    expect(
      data.connections.map((c) => [c.from, c.to, c.direction, c.label, c.fields.weight]),
    ).toEqual([
      ["0", "1", "both", "", 2],
      ["2", "0", "forward", "grant", undefined],
    ]);
  });

  test("GEXF 1.1: attvalues by id, undirected by default", () => {
    const data = readGexf(fixture("gexf-1.1.gexf"));
    expect(data.elements[0].fields).toEqual({ Region: "North" });
    expect(data.connections[0].direction).toBe("none");
  });
});

describe("Kumu JSON", () => {
  test("the blueprint: labels or ids as ends, custom keys as fields, other types", () => {
    const data = readKumu(fixture("kumu-blueprint.json"));
    expect(data.elements.map((e) => [e.id, e.label, e.kind, e.customKind])).toEqual([
      ["#1", "Youth council", "network", undefined],
      ["#2", "Skate park trust", "institution", "Charity"],
      ["p1", "Sam", "person", undefined],
      ["p2", "Sam", "person", undefined],
    ]);
    expect(data.elements[0].tags).toEqual(["youth", "civic"]);
    expect(data.fields.map((f) => [f.name, f.type])).toEqual([
      ["Founded", "number"],
      ["Favourite place", "text"],
    ]);
    expect(data.connections.map((c) => [c.from, c.to, c.kind, c.direction, c.tags])).toEqual([
      ["#1", "#2", "collaboration", "both", []],
      ["p1", "#1", undefined, "forward", ["member of"]],
      ["p2", "p1", undefined, "none", []],
    ]);
  });

  test("the project export: attributes objects and positions from its map", () => {
    const data = readKumu(fixture("kumu-project.json"));
    expect(data.elements[0]).toMatchObject({
      id: "elem-a1",
      label: "Harbour board",
      kind: "institution",
      customKind: "Organization",
      tags: ["port", "statutory"],
      x: -150.5,
      y: 20,
    });
    expect(data.kinds).toEqual([
      { name: "Organization", base: "institution" },
      { name: "Cooperative", base: "institution" },
    ]);
    expect(data.connections[0]).toMatchObject({
      id: "conn-c3",
      from: "elem-b2",
      to: "elem-a1",
      kind: "accountability",
      direction: "forward",
      tags: ["licences"],
    });
  });
});

describe("JSON Canvas", () => {
  test("cards, presets, groups as regions, edge ends; edges to groups are left out", () => {
    const data = readCanvas(fixture("sample.canvas"));
    expect(data.elements.map((e) => [e.id, e.label, e.x, e.y, e.color ?? ""])).toEqual([
      ["t1", "Tenants' association", 125, 60, "#3f9a59"],
      ["t2", "Housing office", 460, 50, "#A0522D"],
      ["f1", "Notes/repairs-log.md", 460, 200, ""],
      ["l1", "https://example.org/estate", 125, 430, ""],
    ]);
    expect(data.elements[0].description).toBe("Meets monthly in the **library**.\nOpen to all.");
    expect(data.shapes).toEqual([
      {
        id: "grp1",
        label: "Neighbourhood",
        geometry: "polygon",
        path: [
          { x: -40, y: -40 },
          { x: 660, y: -40 },
          { x: 660, y: 280 },
          { x: -40, y: 280 },
        ],
      },
    ]);
    expect(data.connections.map((c) => [c.from, c.to, c.direction, c.label])).toEqual([
      ["t1", "t2", "forward", "complaints"],
      ["t2", "f1", "both", ""],
      ["f1", "t1", "none", ""],
      ["t1", "l1", "forward", ""],
    ]);
  });
});

describe("CSV", () => {
  test("Kumu's spreadsheet columns, aliases, tag separators, ends by label", () => {
    const data = readCsv({
      elements: fixture("kumu-elements.csv"),
      connections: fixture("kumu-connections.csv"),
    });
    expect(data.elements.map((e) => [e.label, e.kind, e.customKind, e.scale, e.tags])).toEqual([
      ["Healthwatch", "institution", "Charity", "regional", ["watchdog", "patients"]],
      ["GP federation", "network", undefined, "organisational", ["primary care"]],
      ["Dr Okafor", "person", "GP", "local", ["clinician", "frailty"]],
      ["Community nurses", "community", "Team", "local", []],
    ]);
    expect(data.elements[0].description).toBe("Patients' voice, independent");
    expect(data.elements[2].description).toBe('Leads the "frailty" work');
    expect(data.fields).toEqual([
      { name: "Budget", type: "number", choices: [] },
      { name: "Strength", type: "number", choices: [] },
    ]);
    expect(data.elements[3].fields).toEqual({ Budget: 45000.5 });
    expect(data.connections.map((c) => [c.kind, c.direction, c.tags, c.fields])).toEqual([
      ["information", "forward", [], { Strength: 3 }],
      [undefined, "forward", [], { Strength: 5 }],
      ["collaboration", "both", [], { Strength: 4 }],
      [undefined, "none", ["referrals"], {}],
    ]);
  });

  test("a semicolon-separated file with Name and Notes", () => {
    const data = readCsv({ elements: fixture("semicolon-elements.csv") });
    expect(data.elements.map((e) => [e.label, e.kind, e.description])).toEqual([
      ["A", "project", "first"],
      ["B", "practice", "second"],
    ]);
  });
});
