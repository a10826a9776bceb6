// A map's own vocabulary (docs/crdt.md, "Vocabulary"): tags, custom fields
// and values, custom kinds, style rules, saved views; their canonical JSON,
// change notifications, undo, and what validation refuses.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { EditError } from "../../../src/crdt/api";
import { Document } from "../../../src/crdt/document";
import {
  ConnectionKind,
  ElementKind,
  FieldType,
  OpSchema,
  ScaleLevel,
  type Op,
} from "../../../src/gen/convene/v1/ops_pb";
import { EMPTY_FILTER } from "../../../src/crdt/vocabulary-defs";
import { state, sync } from "./helpers";

type Body = MessageInitShape<typeof OpSchema>["body"];

/** Two replicas sharing a map with two elements joined by a connection. */
function shared() {
  const a = new Document(1n);
  const b = new Document(2n);
  const map = a.createMap("m");
  const e = a.createElement(map, { label: "e" });
  const f = a.createElement(map, { label: "f" });
  const c = a.createConnection(map, e, f, {});
  const ops = sync(a, b);
  return { a, b, map, e, f, c, ops };
}

/** Exchanges both replicas' ops; both must end in the same state. */
function exchange(a: Document, b: Document): void {
  const fromA = a.takeOutbox();
  sync(b, a);
  for (const op of fromA) expect(b.apply(op).status).toBe("ok");
  expect(state(a)).toEqual(state(b));
}

function idOf(key: string) {
  const [replica, counter] = key.split(":").map(BigInt);
  return { replica, counter };
}

/** Replica 9's op number `counter` (lamport far ahead, so it wins). */
function remoteOp(counter: number, body: Body, replica = 9n, lamport = 100n): Op {
  return create(OpSchema, { replica, counter: BigInt(counter), lamport, body });
}

/** The canonical JSON of the first map. */
function mapJson(doc: Document): Record<string, unknown> {
  return (doc.toJSON() as { maps: Record<string, unknown>[] }).maps[0];
}

function elementJson(doc: Document, id: string): Record<string, unknown> {
  const elements = mapJson(doc).elements as Record<string, unknown>[];
  return elements.find((e) => e.id === id)!;
}

describe("tags", () => {
  test("on and off, last writer wins per (target, tag)", () => {
    const { a, b, e, c } = shared();
    a.setTag(e, "health", true);
    a.setTag(e, "Équipe", true);
    a.setTag(c, "funding", true);
    b.setTag(e, "health", false); // same lamport as a's first: replica 2 wins
    exchange(a, b);
    expect(a.tagsOf(e)).toEqual(["Équipe"]);
    expect(a.tagsOf(c)).toEqual(["funding"]);
    a.setTag(e, "health", true);
    exchange(a, b);
    expect(b.tagsOf(e)).toEqual(["health", "Équipe"]); // by code point
  });

  test("a tag taken away keeps its stamp: a late, older SetTag does not bring it back", () => {
    const { a, b, e } = shared();
    const target = idOf(e);
    const on = remoteOp(1, { case: "setTag", value: { target, tag: "t", on: true } }, 9n, 100n);
    const off = remoteOp(1, { case: "setTag", value: { target, tag: "t", on: false } }, 8n, 200n);
    expect(a.apply(on).status).toBe("ok");
    expect(a.apply(off).status).toBe("ok");
    expect(b.apply(off).status).toBe("ok");
    expect(b.apply(on).status).toBe("ok"); // late and older
    expect(b.tagsOf(e)).toEqual([]);
    expect(state(b)).toEqual(state(a));
  });

  test("tagsInMap counts visible elements and connections with each tag", () => {
    const { a, map, e, f, c } = shared();
    a.setTag(e, "x", true);
    a.setTag(f, "x", true);
    a.setTag(c, "x", true);
    a.setTag(f, "b", true);
    expect(a.tagsInMap(map)).toEqual([
      { tag: "b", count: 1 },
      { tag: "x", count: 3 },
    ]);
    a.remove(f); // hides f and the connection
    expect(a.tagsInMap(map)).toEqual([{ tag: "x", count: 1 }]);
    expect(a.tagsOf(f)).toEqual([]);
  });

  test("appear in the JSON only when some are on", () => {
    const { a, e, f } = shared();
    a.setTag(e, "x", true);
    a.setTag(f, "y", true);
    a.setTag(f, "y", false);
    expect(elementJson(a, e).tags).toEqual(["x"]);
    expect(elementJson(a, f)).not.toHaveProperty("tags");
  });

  test("malformed tags are refused", () => {
    const { a, e, map } = shared();
    for (const tag of ["", " x", "x ", "x\u00a0", "a\nb", "\u0085", "é".repeat(33)]) {
      expect(() => a.setTag(e, tag, true), JSON.stringify(tag)).toThrow(EditError);
    }
    a.setTag(e, "é".repeat(32), true); // 64 bytes
    expect(() => a.setTag(map, "x", true)).toThrow(/not an element or connection/);
  });

  test("a 65th tag on one target is refused locally, as the server would", () => {
    const { a, e } = shared();
    for (let i = 0; i < 64; i++) a.setTag(e, `t${i}`, true);
    expect(() => a.setTag(e, "one more", true)).toThrow(/64 tags/);
    a.setTag(e, "t0", true); // already on: no more tags
    a.setTag(e, "t0", false);
    a.setTag(e, "one more", true);
  });
});

describe("custom fields", () => {
  test("values by type, cleared by empty text or undefined, shown only for visible fields", () => {
    const { a, b, map, e, c } = shared();
    const owner = a.createField(map, { name: "Owner", type: FieldType.TEXT });
    const budget = a.createField(map, { name: "Budget", type: FieldType.NUMBER });
    a.setFieldValue(e, owner, "Ana");
    a.setFieldValue(e, budget, 0.5);
    a.setFieldValue(c, budget, -3);
    exchange(a, b);
    expect(b.fieldValue(e, owner)).toBe("Ana");
    expect(elementJson(b, e).fields).toEqual({ [owner]: "Ana", [budget]: 0.5 });
    b.setFieldValue(e, owner, "");
    b.remove(budget);
    exchange(a, b);
    expect(a.fieldValue(e, owner)).toBeUndefined();
    expect(a.fieldValue(e, budget)).toBeUndefined();
    expect(elementJson(a, e)).not.toHaveProperty("fields");
    a.restore(budget);
    expect(a.fieldValue(c, budget)).toBe(-3);
  });

  test("definitions: listed by id, updated per field, choices replaced whole", () => {
    const { a, b, map } = shared();
    const stage = a.createField(map, { name: "Stage", type: FieldType.CHOICE, choices: ["a"] });
    sync(a, b);
    a.updateField(stage, { choices: ["early", "late"] });
    b.updateField(stage, { name: "Phase" }); // concurrent, another register
    exchange(a, b);
    expect(b.fieldsOf(map)).toEqual([
      { id: stage, map, name: "Phase", type: FieldType.CHOICE, choices: ["early", "late"] },
    ]);
    expect(mapJson(b).fields).toEqual([
      { id: stage, name: "Phase", type: "choice", choices: ["early", "late"] },
    ]);
  });

  test("a value is not checked against the field's type", () => {
    const { a, map, e } = shared();
    const n = a.createField(map, { name: "n", type: FieldType.NUMBER });
    a.setFieldValue(e, n, "not a number");
    expect(a.fieldValue(e, n)).toBe("not a number");
  });

  test("limits on definitions and values", () => {
    const { a, map, e } = shared();
    const bad = [
      { choices: Array.from({ length: 101 }, (_, i) => `c${i}`) },
      { choices: ["same", "same"] },
      { choices: [""] },
      { choices: ["x".repeat(201)] },
      { name: "x".repeat(201) },
      { type: 7 as FieldType },
    ];
    for (const init of bad) expect(() => a.createField(map, init)).toThrow(EditError);
    const f = a.createField(map, { choices: ["x".repeat(200)] });
    expect(() => a.setFieldValue(e, f, "x".repeat(2001))).toThrow(EditError);
    expect(() => a.setFieldValue(e, f, 1e16)).toThrow(EditError);
    expect(() => a.setFieldValue(e, f, Number.NaN)).toThrow(EditError);
    a.setFieldValue(e, f, -1e15);
    const both = remoteOp(1, {
      case: "setFieldValue",
      value: { target: idOf(e), field: idOf(f), text: "a", number: 1 },
    });
    expect(a.apply(both).status).toBe("invalid");
  });

  test("target and field must be of the same map", () => {
    const { a, map, e } = shared();
    const other = a.createMap("other");
    const there = a.createField(other, { name: "x" });
    expect(() => a.setFieldValue(e, there, "v")).toThrow(/on map/);
    const ok = a.createField(map, { name: "x" });
    expect(() => a.setFieldValue(map, ok, "v")).toThrow(EditError);
  });
});

describe("custom kinds and pinned elements", () => {
  test("an element's custom kind, shown while the kind is visible", () => {
    const { a, b, map, e } = shared();
    const trust = a.createKind(map, { name: "NHS trust", base: ElementKind.INSTITUTION });
    a.setCustomKind(e, trust);
    exchange(a, b);
    expect(b.customKindOf(e)).toBe(trust);
    expect(b.element(e)!.fields.customKind).toMatchObject(idOf(trust));
    expect(elementJson(b, e).custom_kind).toBe(trust);
    expect(mapJson(b).kinds).toEqual([
      { id: trust, name: "NHS trust", base: "institution", color: "", shape: "" },
    ]);
    b.remove(trust);
    expect(b.customKindOf(e)).toBeUndefined();
    expect(b.element(e)!.fields.customKind).toBeUndefined();
    expect(elementJson(b, e)).not.toHaveProperty("custom_kind");
    b.restore(trust);
    b.setCustomKind(e, undefined); // the zero id clears
    expect(b.customKindOf(e)).toBeUndefined();
  });

  test("a custom kind of another map, or not a kind, is invalid", () => {
    const { a, map, e, f } = shared();
    const other = a.createMap("other");
    const there = a.createKind(other, { name: "k" });
    expect(() => a.setCustomKind(e, there)).toThrow(/on map/);
    expect(() => a.createElement(map, { customKind: idOf(there) })).toThrow(/on map/);
    expect(() => a.updateElement(e, { customKind: idOf(f) })).toThrow(/right type/);
    expect(() => a.updateElement(e, { customKind: { replica: 5n, counter: 0n } })).toThrow(
      /no counter/,
    );
  });

  test("pinned shows in the JSON only when true", () => {
    const { a, e, f } = shared();
    a.setPinned(e, true);
    a.setPinned(f, true);
    a.setPinned(f, false);
    expect(elementJson(a, e).pinned).toBe(true);
    expect(elementJson(a, f)).not.toHaveProperty("pinned");
    expect(a.element(e)!.fields.pinned).toBe(true);
  });
});

describe("style rules", () => {
  test("listed by (order, id), with defaults, matches by tag or field value", () => {
    const { a, b, map } = shared();
    const field = a.createField(map, { name: "stage" });
    const r1 = a.createStyleRule(map, { match: { tag: "urgent" }, color: "#f00", order: 2 });
    const r2 = a.createStyleRule(map, { match: { field, value: "3" }, size: 2 });
    const r3 = b.createStyleRule(map, { match: { tag: "x" }, order: 2 });
    exchange(a, b);
    expect(a.styleRulesOf(map).map((r) => r.id)).toEqual([r2, r1, r3]);
    expect(a.styleRulesOf(map)[0]).toEqual({
      id: r2,
      map,
      match: { field, value: "3" },
      color: "",
      shape: "",
      size: 2,
      order: 0,
    });
    const json = mapJson(a).style_rules as Record<string, unknown>[];
    expect(json.map((r) => r.id)).toEqual([r1, r2, r3]); // the JSON lists by id
    expect(json[0]).toEqual({
      id: r1,
      match: { tag: "urgent" },
      color: "#f00",
      shape: "",
      size: 1,
      order: 2,
    });
    a.updateStyleRule(r1, { match: { field, value: "" }, order: -1 });
    expect(a.styleRulesOf(map)[0]).toMatchObject({ id: r1, match: { field, value: "" } });
  });

  test("what a rule may not be", () => {
    const { a, map, e } = shared();
    const other = a.createMap("o");
    const foreign = a.createField(other, {});
    const bad: object[] = [
      { match: { tag: "" } },
      { match: { tag: " t" } },
      { match: { tag: "t" }, size: 0.2 },
      { match: { tag: "t" }, size: 4.5 },
      { match: { tag: "t" }, order: 2e9 },
      { match: { tag: "t" }, order: Number.POSITIVE_INFINITY },
      { match: { tag: "t" }, color: "x".repeat(65) },
      { match: { field: foreign, value: "v" } },
      { match: { field: e, value: "v" } },
      { match: { field: foreign, value: "x".repeat(501) } },
    ];
    for (const init of bad) {
      expect(() => a.createStyleRule(map, init as never), JSON.stringify(init)).toThrow(EditError);
    }
    const noMatch = remoteOp(1, { case: "createStyleRule", value: { map: idOf(map) } });
    expect(a.apply(noMatch).status).toBe("invalid");
    const both = remoteOp(1, {
      case: "createStyleRule",
      value: { map: idOf(map), fields: { match: { tag: "t", field: idOf(foreign) } } },
    });
    expect(a.apply(both).status).toBe("invalid");
  });
});

describe("saved views", () => {
  test("viewport and filter, each replaced whole; listed by (order, id)", () => {
    const { a, b, map, e, c } = shared();
    const kind = a.createKind(map, { name: "k" });
    const v1 = a.createView(map, { name: "Overview", order: 1 });
    const v2 = a.createView(map, {
      name: "Funding",
      viewport: { x: 10, y: -5, zoom: 2 },
      filter: {
        kinds: [ElementKind.PROJECT, ElementKind.UNSPECIFIED],
        customKinds: [kind],
        scales: [ScaleLevel.LOCAL],
        tags: ["money"],
        connectionKinds: [ConnectionKind.FUNDING],
        authors: ["member-1"],
        focus: e,
        focusDepth: 2,
        highlights: [c, e],
        search: "fund",
      },
    });
    sync(a, b);
    b.updateView(v2, { filter: { search: "other" } });
    exchange(a, b);
    expect(a.viewsOf(map).map((v) => v.id)).toEqual([v2, v1]);
    const [funding, overview] = a.viewsOf(map);
    expect(overview.viewport).toEqual({ x: 0, y: 0, zoom: 1 });
    // b's update is newer (a higher lamport than a's create): its filter wins whole.
    expect(funding.filter).toEqual({ ...EMPTY_FILTER, search: "other" });
    a.updateView(v2, { filter: { kinds: [ElementKind.NOTE], focus: e, focusDepth: 3 } });
    const json = mapJson(a).views as Record<string, unknown>[];
    expect(json[1]).toEqual({
      id: v2,
      name: "Funding",
      viewport: { x: 10, y: -5, zoom: 2 },
      filter: {
        kinds: ["note"],
        custom_kinds: [],
        scales: [],
        tags: [],
        connection_kinds: [],
        authors: [],
        focus: e,
        focus_depth: 3,
        highlights: [],
        search: "",
      },
      order: 0,
    });
  });

  test("what a view may not be", () => {
    const { a, map, e, c } = shared();
    const other = a.createMap("o");
    const far = a.createElement(other, {});
    const bad: object[] = [
      { viewport: { x: 0, y: 0, zoom: 0 } },
      { viewport: { x: 0, y: 0, zoom: 1001 } },
      { viewport: { x: 2e7, y: 0, zoom: 1 } },
      { name: "x".repeat(201) },
      { filter: { focus: e } }, // depth 0 with a focus
      { filter: { focusDepth: 1 } }, // a depth without a focus
      { filter: { focus: c, focusDepth: 1 } }, // a connection is no focus
      { filter: { highlights: [far] } },
      { filter: { customKinds: [e] } },
      { filter: { kinds: Array(17).fill(ElementKind.NOTE) } },
      { filter: { scales: [9] } },
      { filter: { tags: ["ok", ""] } },
      { filter: { authors: [""] } },
      { filter: { search: "x".repeat(201) } },
      { filter: { highlights: Array(1001).fill(e) } },
    ];
    for (const init of bad) {
      expect(() => a.createView(map, init), JSON.stringify(init)).toThrow(EditError);
    }
    a.createView(map, { filter: { highlights: Array(1000).fill(e), focus: e, focusDepth: 1 } });
  });
});

describe("definitions as entities", () => {
  test("remove wins over a concurrent update; restore brings back; hidden with their map", () => {
    const { a, b, map } = shared();
    const kind = a.createKind(map, { name: "k" });
    sync(a, b);
    a.remove(kind);
    b.updateKind(kind, { name: "renamed" });
    exchange(a, b);
    expect(b.kindsOf(map)).toEqual([]);
    a.restore(kind);
    exchange(a, b);
    expect(b.kindsOf(map)).toMatchObject([{ id: kind, name: "renamed" }]);
    a.remove(map);
    expect(a.kindsOf(map)).toEqual([]);
    expect(() => a.updateKind(kind, { name: "x" })).toThrow(/removed/);
  });

  test("ops that name what is not here yet wait; wrong types are invalid", () => {
    const { a, map, e } = shared();
    const field = { replica: 9n, counter: 1n };
    const value = remoteOp(2, {
      case: "setFieldValue",
      value: { target: idOf(e), field, text: "v" },
    });
    expect(a.apply(value).status).toBe("missing");
    const create1 = remoteOp(1, { case: "createField", value: { map: idOf(map), fields: {} } });
    expect(a.apply(create1).status).toBe("ok");
    expect(a.apply(value).status).toBe("ok");
    const wrong = remoteOp(3, { case: "updateKind", value: { kind: field, fields: {} } });
    expect(a.apply(wrong).status).toBe("invalid");
    const rename = remoteOp(3, { case: "rename", value: { target: field, name: "x" } });
    expect(a.apply(rename).status).toBe("invalid");
  });

  test("a map's bound on definitions is kept locally, removed ones counted", () => {
    const { a, map } = shared();
    for (let i = 0; i < 200; i++) a.remove(a.createKind(map, {}));
    expect(() => a.createKind(map, {})).toThrow(/200/);
    a.createField(map, {}); // each sort has its own bound
  });

  test("observers cannot edit", () => {
    const { map, e, ops } = shared();
    const observer = new Document(0n);
    for (const op of ops) observer.apply(op);
    expect(() => observer.setTag(e, "x", true)).toThrow(/replica/);
    expect(() => observer.createField(map, {})).toThrow(/replica/);
  });
});

describe("changes", () => {
  test("tags and values touch their target; a definition touches itself and its map", () => {
    const { a, map, e } = shared();
    a.takeChanges();
    a.setTag(e, "x", true);
    expect([...a.takeChanges().entities]).toEqual([e]);
    const kind = a.createKind(map, {});
    expect(a.takeChanges().entities).toEqual(new Set([kind, map]));
    a.updateKind(kind, { color: "#fff" });
    expect(a.takeChanges().entities).toEqual(new Set([kind, map]));
    a.remove(kind);
    expect(a.takeChanges().entities).toEqual(new Set([kind, map]));
    const field = a.createField(map, {});
    a.takeChanges();
    a.setFieldValue(e, field, 1);
    expect([...a.takeChanges().entities]).toEqual([e]);
  });
});

describe("undo", () => {
  test("tags and values return to their previous state", () => {
    const { a, b, map, e } = shared();
    const field = a.createField(map, {});
    a.setTag(e, "kept", true);
    a.setFieldValue(e, field, "before");
    a.undoCheckpoint();
    a.setTag(e, "kept", false);
    a.setTag(e, "new", true);
    a.setFieldValue(e, field, 2);
    a.undoCheckpoint();
    a.undo();
    expect(a.tagsOf(e)).toEqual(["kept"]);
    expect(a.fieldValue(e, field)).toBe("before");
    a.undo();
    expect(a.tagsOf(e)).toEqual([]);
    expect(a.fieldValue(e, field)).toBeUndefined();
    a.redo();
    a.redo();
    expect(a.tagsOf(e)).toEqual(["new"]);
    expect(a.fieldValue(e, field)).toBe(2);
    exchange(a, b);
  });

  test("updates of definitions, custom kind and pinned go back to what they were", () => {
    const { a, map, e } = shared();
    const field = a.createField(map, { name: "f", choices: ["x"] });
    const kind = a.createKind(map, { name: "k" });
    const rule = a.createStyleRule(map, { match: { tag: "t" } });
    const view = a.createView(map, { name: "v" });
    a.undoCheckpoint();
    a.updateField(field, { name: "g", choices: [] });
    a.updateKind(kind, { base: ElementKind.NOTE });
    a.updateStyleRule(rule, { match: { field, value: "1" }, size: 3 });
    a.updateView(view, { viewport: { x: 1, y: 2, zoom: 3 }, filter: { search: "s" } });
    a.setCustomKind(e, kind);
    a.setPinned(e, true);
    a.undoCheckpoint();
    const changed = a.toJSON();
    a.undo();
    expect(a.fieldsOf(map)[0]).toMatchObject({ name: "f", choices: ["x"] });
    expect(a.kindsOf(map)[0].base).toBe(ElementKind.UNSPECIFIED);
    expect(a.styleRulesOf(map)[0]).toMatchObject({ match: { tag: "t" }, size: 1 });
    expect(a.viewsOf(map)[0]).toMatchObject({ viewport: { x: 0, y: 0, zoom: 1 } });
    expect(a.viewsOf(map)[0].filter.search).toBe("");
    expect(a.customKindOf(e)).toBeUndefined();
    expect(a.element(e)!.fields.pinned).toBe(false);
    a.redo();
    expect(a.toJSON()).toEqual(changed);
  });

  test("a batch of vocabulary edits between checkpoints is one step", () => {
    const { a, map, e, f } = shared();
    const before = a.toJSON();
    a.undoCheckpoint();
    const kind = a.createKind(map, { name: "k" });
    a.setCustomKind(e, kind);
    a.setTag(e, "x", true);
    a.setTag(f, "x", true);
    a.createView(map, { name: "v" });
    a.undoCheckpoint();
    a.undo();
    expect(a.toJSON()).toEqual(before);
    expect(a.canUndo()).toBe(true); // the setup's own steps remain
  });
});

test("a map without vocabulary keeps the JSON it always had", () => {
  const { a, map } = shared();
  const keys = Object.keys(mapJson(a)).sort();
  expect(keys).toEqual(["connections", "elements", "id", "name", "shapes"]);
  a.remove(a.createField(map, {}));
  expect(Object.keys(mapJson(a)).sort()).toEqual(keys);
});
