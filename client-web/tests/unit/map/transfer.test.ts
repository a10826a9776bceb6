// Map data in and out as CRDT ops (src/map/transfer): a map as LandscapeData
// and back, one undo step per import, the map's own vocabulary reused by
// name, people by name, and nothing applied when anything is wrong.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { EditError, type ConveneDocument } from "../../../src/crdt/api";
import { Document } from "../../../src/crdt/document";
import { ElementKind, FieldType } from "../../../src/gen/convene/v1/ops_pb";
import { emptyLandscape, ImportError, readCsv, type LandscapeData } from "../../../src/map/formats";
import { defaultTicks } from "../../../src/map/layout";
import { placementTicks } from "../../../src/map/transfer/place";
import {
  importLandscape,
  landscapeOf,
  planImport,
  type ImportOptions,
  type Member,
} from "../../../src/map/transfer";
import { fullLandscape } from "./formats/landscape-fixture";

const ANA: Member = { id: "0000000000000001", name: "Ana" };
const BEN: Member = { id: "00000000000000b0", name: "Ben" };

function options(me: Member = ANA, more: Partial<ImportOptions> = {}): ImportOptions {
  return { canEdit: true, me, convener: false, members: [ANA, BEN], ...more };
}

const nameOf = (id: string) => [ANA, BEN].find((m) => m.id === id)?.name ?? id;

function newMap(replica = 1n): { doc: Document; map: string } {
  const doc = new Document(replica);
  const map = doc.createMap("Map");
  doc.undoCheckpoint();
  return { doc, map };
}

/** Ids as positions in the lists, so two maps' data compare. */
function withoutIds(data: LandscapeData): LandscapeData {
  const index = new Map(data.elements.map((e, i) => [e.id, `e${i}`]));
  return {
    ...data,
    elements: data.elements.map((e) => ({ ...e, id: index.get(e.id)! })),
    connections: data.connections.map((c) => ({
      ...c,
      id: undefined,
      from: index.get(c.from)!,
      to: index.get(c.to)!,
    })),
    shapes: data.shapes.map((s) => ({ ...s, id: undefined })),
  };
}

/** What a map looks like from outside: its canonical JSON and what is queued to send. */
function snapshot(doc: ConveneDocument) {
  return { state: JSON.stringify(doc.toJSON()), outbox: doc.outboxSize() };
}

describe("landscapeOf and importLandscape", () => {
  test("a map as data, imported into a new map, gives the same data", () => {
    const a = newMap(1n);
    importLandscape(a.doc, a.map, fullLandscape(), options());
    const first = landscapeOf(a.doc, a.map, nameOf);
    const b = newMap(2n);
    // The same person in another browser: another member id, the same name.
    const anaElsewhere = { id: "0000000000000002", name: "Ana" };
    importLandscape(b.doc, b.map, first, options(anaElsewhere, { members: [anaElsewhere] }));
    const second = landscapeOf(b.doc, b.map, (id) => (id === anaElsewhere.id ? "Ana" : id));
    expect(withoutIds(second)).toEqual(withoutIds(first));
  });

  test("the data holds every field, tag, custom field and kind, person and sphere", () => {
    const { doc, map } = newMap();
    const summary = importLandscape(doc, map, fullLandscape(), options());
    const data = landscapeOf(doc, map, nameOf);
    const source = fullLandscape();
    expect(data.fields).toEqual(source.fields);
    expect(data.kinds).toEqual(source.kinds);
    expect(data.elements.map((e) => e.label)).toEqual(source.elements.map((e) => e.label));
    // Tags come back by code point; Ben's value is his to give: only Ana's own comes in.
    const { perspectives: _, ...icb } = source.elements[0];
    expect(data.elements[0]).toEqual({
      ...icb,
      id: expect.any(String),
      tags: [...icb.tags].sort(),
      perspectives: { influence: { Ana: 4 } },
    });
    expect(data.elements[1].person).toBe("Ana");
    expect(data.connections[0]).toEqual({
      ...source.connections[0],
      id: expect.any(String),
      from: data.elements[0].id,
      to: data.elements[3].id,
      perspectives: { strength: { Ana: 5 } },
    });
    expect(data.connections.map((c) => c.direction)).toEqual(["forward", "both", "none"]);
    expect(data.shapes).toEqual(source.shapes.map((s) => ({ ...s, id: expect.any(String) })));
    expect(summary).toMatchObject({
      elements: 6,
      connections: 3,
      shapes: 2,
      fields: { added: 3, reused: 0 },
      kinds: { added: 1, reused: 0 },
      placed: 3,
    });
    expect(summary.dropped).toEqual([
      { count: 2, what: "perspective values of others", why: expect.any(String) },
    ]);
  });

  test("an import is one undo step, after the edits before it", () => {
    const { doc, map } = newMap();
    const mine = doc.createElement(map, { label: "Before" });
    doc.undoCheckpoint();
    importLandscape(doc, map, fullLandscape(), options());
    expect(doc.elements(map)).toHaveLength(7);
    doc.undo();
    expect(doc.elements(map).map((e) => e.id)).toEqual([mine]);
    expect(doc.fieldsOf(map)).toEqual([]);
    expect(doc.kindsOf(map)).toEqual([]);
    expect(doc.shapes(map)).toEqual([]);
    doc.redo();
    expect(doc.elements(map)).toHaveLength(7);
  });

  test("the map's fields, kinds and tags are reused by name, in the map's spelling", () => {
    const { doc, map } = newMap();
    const budget = doc.createField(map, { name: "Budget", type: FieldType.NUMBER });
    const trust = doc.createKind(map, { name: "NHS Trust", base: ElementKind.INSTITUTION });
    const e = doc.createElement(map, { label: "Old" });
    doc.setTag(e, "NHS", true);
    const data: LandscapeData = {
      elements: [
        {
          id: "a",
          label: "New",
          kind: "institution",
          customKind: "nhs trust",
          description: "",
          tags: ["nhs", "fresh"],
          fields: { " budget ": 5 },
        },
      ],
      connections: [],
      shapes: [],
      fields: [{ name: " budget ", type: "number", choices: [] }],
      kinds: [{ name: "nhs trust", base: "institution" }],
    };
    const summary = importLandscape(doc, map, data, options());
    expect(doc.fieldsOf(map).map((f) => f.name)).toEqual(["Budget"]);
    expect(doc.kindsOf(map).map((k) => k.name)).toEqual(["NHS Trust"]);
    const added = doc.elements(map).find((x) => x.fields.label === "New")!;
    expect(doc.customKindOf(added.id)).toBe(trust);
    expect(doc.fieldValue(added.id, budget)).toBe(5);
    expect(doc.tagsOf(added.id)).toEqual(["NHS", "fresh"]);
    expect(summary).toMatchObject({
      fields: { added: 0, reused: 1 },
      kinds: { added: 0, reused: 1 },
      tags: { added: 1, reused: 1 },
    });
  });

  test("people are members by name; others' markers only from a convener", () => {
    const data: LandscapeData = {
      elements: [
        {
          id: "1",
          label: "Ben",
          kind: "person",
          description: "",
          tags: [],
          fields: {},
          person: "ben",
        },
        {
          id: "2",
          label: "Zed",
          kind: "person",
          description: "",
          tags: [],
          fields: {},
          person: "Zed",
        },
        {
          id: "3",
          label: "Me",
          kind: "person",
          description: "",
          tags: [],
          fields: {},
          person: "Ana",
        },
      ],
      connections: [],
      shapes: [
        {
          label: "Ben's reach",
          geometry: "polygon",
          path: [
            { x: 0, y: 0 },
            { x: 10, y: 0 },
            { x: 0, y: 10 },
          ],
          sphereOf: "Ben",
        },
      ],
      fields: [],
      kinds: [],
    };
    const asConvener = newMap();
    const summary = importLandscape(
      asConvener.doc,
      asConvener.map,
      data,
      options(ANA, { convener: true }),
    );
    const selfOf = asConvener.doc.elements(asConvener.map).map((e) => e.fields.selfOf ?? "");
    expect(selfOf).toEqual([BEN.id, "", ANA.id]);
    expect(asConvener.doc.shapes(asConvener.map)[0].fields.sphereOf).toBe(BEN.id);
    expect(summary.dropped).toEqual([
      {
        count: 1,
        what: "people named in Person or Sphere of",
        why: "no member of the convening has that name",
      },
    ]);

    const asParticipant = newMap();
    const dropped = importLandscape(asParticipant.doc, asParticipant.map, data, options()).dropped;
    expect(asParticipant.doc.elements(asParticipant.map).map((e) => e.fields.selfOf ?? "")).toEqual(
      ["", "", ANA.id],
    );
    expect(asParticipant.doc.shapes(asParticipant.map)[0].fields.sphereOf ?? "").toBe("");
    expect(dropped.map((d) => [d.count, d.why])).toEqual([
      [1, "no member of the convening has that name"],
      [2, "only a convener can mark someone else"],
    ]);
  });

  test("elements without a position are laid out round the centre, apart", () => {
    const { doc, map } = newMap();
    const data = fullLandscape();
    for (const e of data.elements) (delete e.x, delete e.y);
    importLandscape(doc, map, data, options(ANA, { centre: { x: 5000, y: -3000 } }));
    const points = doc.elements(map).map((e) => e.fields.position!);
    for (const p of points) expect(Math.hypot(p.x - 5000, p.y + 3000)).toBeLessThan(600);
    for (let i = 0; i < points.length; i++)
      for (let j = i + 1; j < points.length; j++)
        expect(Math.hypot(points[i].x - points[j].x, points[i].y - points[j].y)).toBeGreaterThan(
          40,
        );
  });

  test("a large import without positions puts connected elements near each other", () => {
    const { doc, map } = newMap();
    const data = emptyLandscape();
    // Twenty chains of 40, each chain's links in shuffled order.
    for (let chain = 0; chain < 20; chain++)
      for (let i = 0; i < 40; i++) {
        data.elements.push({
          id: `c${chain}-${i}`,
          label: `C${chain} ${i}`,
          kind: "project",
          description: "",
          tags: [],
          fields: {},
        });
        if (i > 0)
          data.connections.push({
            from: `c${chain}-${(i * 17) % 40}`,
            to: `c${chain}-${((i - 1) * 17) % 40}`,
            direction: "none",
            label: "",
            tags: [],
            fields: {},
          });
      }
    expect(placementTicks(data.elements.length)).toBeLessThan(defaultTicks(data.elements.length));
    importLandscape(doc, map, data, options(ANA));
    const at = new Map(doc.elements(map).map((e) => [e.fields.label!, e.fields.position!]));
    const gap = (a: string, b: string) => {
      const p = at.get(a)!;
      const q = at.get(b)!;
      return Math.hypot(p.x - q.x, p.y - q.y);
    };
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const linked = data.connections.map((c) =>
      gap(`C${c.from.slice(1).replace("-", " ")}`, `C${c.to.slice(1).replace("-", " ")}`),
    );
    const apart = Array.from({ length: 200 }, (_, k) =>
      gap(`C${k % 20} ${k % 40}`, `C${(k + 7) % 20} ${(k * 3) % 40}`),
    );
    // 4.7 with the map layout's 120 steps, 4.1 with 60; unconnected pairs would be 1.
    expect(mean(apart) / mean(linked)).toBeGreaterThan(3.5);
  });

  test("the sample landscape's CSV files import whole", () => {
    const sample = (name: string) =>
      readFileSync(new URL(`../../../../docs/samples/${name}`, import.meta.url), "utf8");
    const data = readCsv({
      elements: sample("landscape-elements.csv"),
      connections: sample("landscape-connections.csv"),
    });
    const { doc, map } = newMap();
    const summary = importLandscape(doc, map, data, options());
    expect(summary).toMatchObject({ elements: 31, connections: 46 });
    expect(doc.elements(map)).toHaveLength(31);
    expect(doc.connections(map)).toHaveLength(46);
  });
});

describe("an import that cannot be applied applies nothing", () => {
  function refused(
    data: LandscapeData,
    opts = options(),
    prepare?: (doc: Document, map: string) => void,
  ) {
    const { doc, map } = newMap();
    prepare?.(doc, map);
    const before = snapshot(doc);
    let error: unknown;
    try {
      importLandscape(doc, map, data, opts);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect(snapshot(doc)).toEqual(before);
    return (error as Error).message;
  }

  test("a connection to an element that is not there", () => {
    const data = fullLandscape();
    data.connections[1].to = "nowhere";
    expect(refused(data)).toBe("Connection 2 ('3:2'): no element 'nowhere' to connect");
  });

  test("values beyond the CRDT's limits, bad tags, unknown kinds", () => {
    const bad = (change: (d: LandscapeData) => void) => {
      const data = fullLandscape();
      change(data);
      return refused(data);
    };
    expect(bad((d) => (d.elements[2].x = 2e7))).toMatch(/^Element 3 \('1:3'\): x .* beyond/);
    expect(bad((d) => (d.elements[0].tags = [" padded"]))).toMatch(/^Element 1 .*tag ' padded'/);
    expect(bad((d) => (d.elements[0].customKind = "Unknown"))).toMatch(/custom kind 'Unknown'/);
    expect(bad((d) => (d.connections[0].depth = 4))).toMatch(/^Connection 1 .*depth 4/);
    expect(bad((d) => (d.elements[1].fields = { nope: 1 }))).toMatch(
      /'nope', which is not a field/,
    );
    expect(bad((d) => (d.shapes[0].path = d.shapes[0].path.slice(0, 2)))).toMatch(
      /^Shape 1 .*at least 3 points/,
    );
  });

  test("more than an import may hold, naming the limits", () => {
    const data = fullLandscape();
    const one = data.elements[5];
    data.elements = Array.from({ length: 5001 }, (_, i) => ({ ...one, id: `x${i}` }));
    data.connections = [];
    expect(refused(data)).toMatch(/5,001 elements: too many .*docs\/formats\.md/);
  });

  test("more custom fields than the map has room for", () => {
    const message = refused(fullLandscape(), options(), (doc, map) => {
      for (let i = 0; i < 199; i++) doc.createField(map, { name: `f${i}`, type: FieldType.TEXT });
    });
    expect(message).toMatch(/199 custom fields; 3 more would pass the limit of 200/);
  });

  test("an observer", () => {
    expect(refused(fullLandscape(), options(ANA, { canEdit: false }))).toMatch(
      /^Observers cannot import/,
    );
  });

  test("planImport applies nothing", () => {
    const { doc, map } = newMap();
    const before = snapshot(doc);
    expect(planImport(doc, map, fullLandscape(), options()).summary.elements).toBe(6);
    expect(snapshot(doc)).toEqual(before);
  });

  test("an edit refused half-way is undone at once", () => {
    const { doc, map } = newMap();
    const mine = doc.createElement(map, { label: "Before" });
    doc.undoCheckpoint();
    const before = JSON.stringify(doc.toJSON());
    let connections = 0;
    const failing = new Proxy(doc, {
      get(target, key) {
        if (key === "createConnection" && ++connections === 2)
          return () => {
            throw new EditError("refused");
          };
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    expect(() => importLandscape(failing, map, fullLandscape(), options())).toThrow("refused");
    expect(JSON.stringify(doc.toJSON())).toBe(before);
    // The step before the import is still the one Undo takes back.
    doc.undo();
    expect(doc.elements(map).map((e) => e.id)).not.toContain(mine);
  });
});
