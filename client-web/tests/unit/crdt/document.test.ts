// The Document: local edits and the ops they queue, the outbox coalescing of
// typing and backspacing, Unicode positions, refusals, queries, anchors and
// change tracking.
import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { EditError } from "../../../src/crdt/api";
import { Document } from "../../../src/crdt/document";
import {
  ElementKind,
  Geometry,
  OpSchema,
  ScaleLevel,
  type Op,
} from "../../../src/gen/convene/v1/ops_pb";
import { state, sync } from "./helpers";

function insertOf(op: Op) {
  if (op.body.case !== "textInsert") throw new Error(`not an insert: ${op.body.case}`);
  return op.body.value;
}

function deleteOf(op: Op) {
  if (op.body.case !== "textDelete") throw new Error(`not a delete: ${op.body.case}`);
  return op.body.value;
}

describe("drafts and variants", () => {
  test("variants copy text, rename and remove; another replica ends the same", () => {
    const a = new Document(1n);
    const draft = a.createDraft("Call to the river basin");
    a.insertText(draft, 0, "Join us");
    const funders = a.createVariant(draft, "for funders", draft);
    expect(a.text(funders)).toBe("Join us");
    a.insertText(funders, 7, ", funders");
    expect(a.text(draft)).toBe("Join us");
    expect(a.text(funders)).toBe("Join us, funders");
    expect(a.variants(draft)).toEqual([
      { id: draft, name: "base", draft, copiedFrom: "" },
      { id: funders, name: "for funders", draft, copiedFrom: draft },
    ]);
    a.rename(funders, "for the controllers");
    expect(a.variants(draft)[1].name).toBe("for the controllers");
    a.remove(funders);
    expect(a.variants(draft).map((v) => v.id)).toEqual([draft]);
    expect(() => a.insertText(funders, 0, "x")).toThrow(EditError);

    const b = new Document(2n);
    sync(a, b);
    expect(state(b)).toEqual(state(a));
    expect(b.drafts()).toEqual([{ id: draft, name: "Call to the river basin" }]);
  });

  test("a removed draft hides its variants; restore brings them back", () => {
    const a = new Document(1n);
    const draft = a.createDraft("d");
    a.createVariant(draft, "v");
    a.remove(draft);
    expect(a.drafts()).toEqual([]);
    expect(a.variants(draft)).toEqual([]);
    a.restore(draft);
    expect(a.variants(draft)).toHaveLength(2);
  });
});

describe("text edits and the outbox", () => {
  test("typing becomes one op and backspacing another", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    const b = new Document(2n);
    sync(a, b);
    for (let i = 0; i < 50; i++) a.insertText(d, i, "x");
    for (let i = 50; i > 40; i--) a.deleteText(d, i - 1, 1);
    expect(a.outboxSize()).toBe(2);
    const ops = a.takeOutbox();
    expect(insertOf(ops[0]).text).toBe("x".repeat(50));
    expect(deleteOf(ops[1]).ranges).toHaveLength(1);
    expect(deleteOf(ops[1]).ranges[0].length).toBe(10n);
    expect(ops[1].counter).toBe(ops[0].counter + 50n); // contiguous counters
    for (const op of ops) expect(b.apply(op).status).toBe("ok");
    expect(b.text(d)).toBe("x".repeat(40));
    expect(a.outboxSize()).toBe(0);
  });

  test("forward deletes at one place also become one op", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "abcdef");
    a.takeOutbox();
    for (let i = 0; i < 4; i++) a.deleteText(d, 1, 1);
    const ops = a.takeOutbox();
    expect(ops).toHaveLength(1);
    expect(deleteOf(ops[0]).ranges.map((r) => [r.counter, r.length])).toEqual([[3n, 4n]]);
    expect(a.text(d)).toBe("af");
  });

  test("typing elsewhere, or after another op, starts a new op", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.takeOutbox();
    a.insertText(d, 0, "ab");
    a.insertText(d, 0, "c"); // not after the last typed character
    a.createMap("m");
    a.insertText(d, 3, "d"); // after a map op
    expect(a.takeOutbox().map((op) => op.body.case)).toEqual([
      "textInsert",
      "textInsert",
      "createMap",
      "textInsert",
    ]);
  });

  test("a remote op that moves the clock stops typing from merging into the queued op", () => {
    const a = new Document(1n);
    const b = new Document(2n);
    const d = a.createDraft("d");
    sync(a, b);
    a.insertText(d, 0, "ab"); // lamports 2..3
    for (let i = 0; i < 4; i++) b.createMap(`m${i}`); // lamports 2..5
    sync(b, a); // raises a's clock past its queued insert
    a.insertText(d, 2, "c");
    const ops = a.takeOutbox();
    expect(ops.map((op) => insertOf(op).text)).toEqual(["ab", "c"]);
    expect(ops[1].lamport).toBeGreaterThan(ops[0].lamport + 1n);
  });

  test("positions count code points, surrogate pairs included", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    // "e" + combining acute, a family emoji made of 5 code points, CJK.
    const text = "e\u0301 👨\u200D👩\u200D👧 東京";
    a.insertText(d, 0, text);
    expect(a.textLength(d)).toBe(2 + 1 + 5 + 1 + 2);
    a.deleteText(d, 1, 1); // the combining mark alone
    a.insertText(d, 3, "🌍");
    expect(a.text(d)).toBe("e 👨🌍\u200D👩\u200D👧 東京");
    const ops = a.takeOutbox();
    const insert = ops.find((op) => op.body.case === "textInsert")!;
    expect(insert.counter).toBe(2n);
    const b = new Document(2n);
    for (const op of ops) expect(b.apply(op).status).toBe("ok");
    expect(b.text(d)).toBe(a.text(d));
  });

  test("text ops span one counter per code point", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "😀😀");
    a.createMap("m");
    const ops = a.takeOutbox();
    expect(ops.map((op) => op.counter)).toEqual([1n, 2n, 4n]);
    expect(ops.map((op) => op.lamport)).toEqual([1n, 2n, 4n]);
  });
});

describe("refusals", () => {
  test("bad local input throws EditError and changes nothing", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    const map = a.createMap("m");
    a.insertText(d, 0, "ok");
    a.takeOutbox();
    const before = state(a);
    expect(() => a.insertText(d, 5, "x")).toThrow(EditError);
    expect(() => a.insertText(d, 0, "\uD800")).toThrow(/UTF-8/);
    expect(() => a.deleteText(d, 1, 2)).toThrow(EditError);
    expect(() => a.insertText("9:9", 0, "x")).toThrow(/unknown variant/);
    expect(() => a.insertText("nonsense", 0, "x")).toThrow(/not an id/);
    expect(() => a.createDraft("n".repeat(201))).toThrow(/longer than 200 bytes/);
    expect(() => a.createMap("é".repeat(101))).toThrow(EditError); // 202 bytes
    expect(() => a.createElement(map, { kind: 99 as ElementKind })).toThrow(/enum/);
    expect(() => a.createElement(map, { position: { x: 1e8, y: 0 } })).toThrow(/1e7/);
    expect(() => a.createElement("1:1", {})).toThrow(/not a map/); // the draft
    expect(() => a.createElement("1:99", {})).toThrow(/unknown entity/);
    expect(() => a.setPerspective(map, "strength", "me", 1)).toThrow(/element or connection/);
    expect(() => a.restore("7:7")).toThrow(/unknown entity/);
    expect(state(a)).toEqual(before);
    expect(a.outboxSize()).toBe(0);
  });

  test("local edits of removed or hidden entities are refused", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    const e = a.createElement(map, {});
    const f = a.createElement(map, {});
    const c = a.createConnection(map, e, f, {});
    a.remove(e);
    expect(() => a.updateElement(e, { label: "x" })).toThrow(/is removed/);
    expect(() => a.remove(e)).toThrow(/is removed/);
    expect(() => a.updateConnection(c, { label: "x" })).toThrow(/is removed/); // hidden with e
    expect(() => a.createConnection(map, e, f, {})).toThrow(/is removed/);
    expect(() => a.setPerspective(e, "strength", "me", 1)).toThrow(/is removed/);
    a.remove(map);
    expect(() => a.createElement(map, {})).toThrow(/is removed/);
    expect(() => a.rename(map, "n")).toThrow(/is removed/);
    a.restore(map);
    a.restore(e);
    a.updateConnection(c, { label: "back" });
    expect(a.connection(c)!.fields.label).toBe("back");
  });

  test("empty inserts and deletes are no-ops", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.takeOutbox();
    a.insertText(d, 0, "");
    a.deleteText(d, 0, 0);
    expect(a.outboxSize()).toBe(0);
  });

  test("a replica without an id cannot edit", () => {
    const observer = new Document(0n);
    expect(() => observer.createMap("m")).toThrow(/replica id/);
  });

  test("apply reports duplicate, missing and invalid, changing nothing", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "abc");
    a.undoCheckpoint();
    a.deleteText(d, 1, 1);
    const ops = a.takeOutbox();
    const b = new Document(2n);
    expect(b.apply(ops[2])).toEqual({ status: "missing", message: "missing dependency 1:1" });
    expect(b.apply(ops[0]).status).toBe("ok");
    expect(b.apply(ops[0]).status).toBe("duplicate");
    expect(b.apply(ops[1]).status).toBe("ok");
    expect(b.apply(ops[2]).status).toBe("ok");
    expect(b.text(d)).toBe("ac");

    const bad = (init: object) => b.apply(create(OpSchema, init));
    const next = { replica: 1n, counter: 6n, lamport: 6n };
    const variant = { replica: 1n, counter: 1n };
    const before = state(b);
    // Origin-left names the draft op, which is not a character.
    expect(
      bad({
        ...next,
        body: { case: "textInsert", value: { variant, originLeft: variant, text: "x" } },
      }).status,
    ).toBe("invalid");
    expect(bad({ ...next, body: { case: "textInsert", value: { variant, text: "" } } })).toEqual({
      status: "invalid",
      message: "inserted text is empty",
    });
    expect(bad({ ...next }).status).toBe("invalid"); // no body
    expect(bad({ ...next, replica: 0n, body: { case: "createMap", value: {} } }).status).toBe(
      "invalid",
    );
    expect(bad({ ...next, counter: 3n, body: { case: "createMap", value: {} } }).status).toBe(
      "duplicate",
    );
    // Overlaps applied counters: an insert of 3 starting at the last one.
    const overlapping = { ...next, counter: 5n };
    expect(
      bad({ ...overlapping, body: { case: "textInsert", value: { variant, text: "xyz" } } }).status,
    ).toBe("invalid");
    expect(bad({ ...next, counter: 9n, body: { case: "createMap", value: {} } })).toEqual({
      status: "missing",
      message: "missing dependency 1:6",
    });
    expect(state(b)).toEqual(before);
  });
});

describe("queries", () => {
  test("views of elements, connections, shapes and perspectives", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    const e = a.createElement(map, {
      kind: ElementKind.PERSON,
      label: "Ana",
      position: { x: 1, y: 2 },
    });
    const f = a.createElement(map, { label: "Ben" });
    const c = a.createConnection(map, e, f, {});
    const s = a.createShape(map, Geometry.POLYGON, {
      path: {
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
          { x: 0, y: 1 },
        ],
      },
    });
    a.setPerspective(c, "strength", "ana", 4);
    a.setPerspective(c, "strength", "ben", 1.5);

    expect(a.maps()).toEqual([{ id: map, name: "m" }]);
    const view = a.element(e)!;
    expect(view.map).toBe(map);
    expect(view.fields.kind).toBe(ElementKind.PERSON);
    expect(view.fields.scale).toBe(ScaleLevel.UNSPECIFIED); // every field present
    expect(view.fields.position).toMatchObject({ x: 1, y: 2 });
    expect(a.elements(map).map((x) => x.id)).toEqual([e, f]);
    expect(a.connection(c)).toMatchObject({ from: e, to: f });
    expect(a.connection(c)!.fields.depth).toBe(1);
    expect(a.shape(s)!.geometry).toBe(Geometry.POLYGON);
    expect(a.shapes(map)[0].fields.path!.points).toHaveLength(3);
    const strength = a.perspectives(c).get("strength")!;
    expect(strength).toMatchObject({ count: 2, mean: 2.75, min: 1.5, max: 4, spread: 1.25 });
    expect([...strength.values]).toEqual([
      ["ana", 4],
      ["ben", 1.5],
    ]);

    a.remove(f); // the connection is hidden with its end, never dangling
    expect(a.connections(map)).toEqual([]);
    expect(a.connection(c)).toBeUndefined();
    expect(a.perspectives(c).size).toBe(0);
    a.restore(f);
    expect(a.connections(map).map((x) => x.id)).toEqual([c]);
  });

  test("lists are sorted numerically by replica, then counter", () => {
    const a = new Document(10n);
    const b = new Document(9n);
    a.createMap("a1");
    for (let i = 0; i < 10; i++) b.createMap(`b${i}`);
    sync(a, b);
    sync(b, a);
    expect(a.maps().map((m) => m.id)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `9:${i + 1}`),
      "10:1",
    ]);
  });
});

describe("anchors", () => {
  test("a caret follows its character through remote edits", () => {
    const a = new Document(1n);
    const b = new Document(2n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "hello world");
    sync(a, b);
    const caret = b.anchorAt(d, 5); // after "hello"
    expect(b.positionOf(d, caret)).toBe(5);
    a.insertText(d, 0, ">> ");
    sync(a, b);
    expect(b.positionOf(d, caret)).toBe(8);
    a.deleteText(d, 5, 4); // deletes "llo " including the anchor "o"
    sync(a, b);
    expect(b.text(d)).toBe(">> hewo" + "rld");
    expect(b.positionOf(d, caret)).toBe(5); // where the deleted anchor stood
    expect(b.anchorAt(d, 0)).toBeNull();
    expect(b.positionOf(d, null)).toBe(0);
    // Past the end: the last character, so the caret stays at the end.
    expect(b.positionOf(d, b.anchorAt(d, 1000))).toBe(b.textLength(d));
    expect(b.anchorAt("9:9", 3)).toBeNull(); // unknown variant
  });
});

describe("changes", () => {
  test("list touched entities, texts and structure, then reset", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    const d = a.createDraft("d");
    let changes = a.takeChanges();
    expect(changes.structure).toBe(true);
    expect([...changes.entities].sort()).toEqual([map, d].sort());

    const e = a.createElement(map, {});
    const f = a.createElement(map, {});
    const c = a.createConnection(map, e, f, {});
    a.takeChanges();
    a.updateElement(e, { label: "moved" });
    changes = a.takeChanges();
    expect(changes.structure).toBe(false);
    expect(changes.entities).toEqual(new Set([e, c])); // its connection redraws too
    expect(changes.texts.size).toBe(0);

    const b = new Document(2n);
    sync(a, b);
    b.takeChanges();
    a.insertText(d, 0, "hi");
    sync(a, b);
    changes = b.takeChanges();
    expect(changes.texts).toEqual(new Set([d]));
    expect(b.takeChanges().entities.size).toBe(0);
  });
});
