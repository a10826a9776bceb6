// Hostile vocabulary ops, as a browser receives them from the log: each
// malformed one is refused as invalid and changes nothing, names that are
// JavaScript's own keys stay plain data, and mutated bytes never throw.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import {
  OpSchema,
  type ElementKind,
  type FieldType,
  type Op,
  type ScaleLevel,
} from "../../../src/gen/convene/v1/ops_pb";
import { seeded } from "./helpers";

const ATTACKER = 99n;

type Body = MessageInitShape<typeof OpSchema>["body"];

function attackerOp(body: Body, counter = 1): Op {
  return create(OpSchema, { replica: ATTACKER, counter: BigInt(counter), lamport: 1n, body });
}

function id(key: string) {
  const [replica, counter] = key.split(":").map(BigInt);
  return { replica, counter };
}

/** The IdKey of an op's id. */
function key(k: { replica: bigint; counter: bigint }): string {
  return `${k.replica}:${k.counter}`;
}

/** A map with two elements, a connection, a field and a kind, known to two replicas. */
function setup() {
  const a = new Document(1n);
  const map = a.createMap("m");
  const e = a.createElement(map, {});
  const f = a.createElement(map, {});
  const c = a.createConnection(map, e, f, {});
  const field = a.createField(map, { name: "f" });
  const kind = a.createKind(map, { name: "k" });
  const other = a.createMap("other");
  const far = a.createElement(other, {});
  const ops = a.takeOutbox();
  return {
    a,
    ops,
    map: id(map),
    e: id(e),
    c: id(c),
    field: id(field),
    kind: id(kind),
    far: id(far),
  };
}

describe("malformed vocabulary ops are invalid and change nothing", () => {
  const { map, e, c, field, kind, far } = setup();
  const noCounter = { replica: 5n, counter: 0n };
  const cases: [string, Body][] = [
    ["tag with a newline", { case: "setTag", value: { target: e, tag: "a\nb", on: true } }],
    ["tag of 65 bytes", { case: "setTag", value: { target: e, tag: "x".repeat(65), on: true } }],
    ["tag on a map", { case: "setTag", value: { target: map, tag: "x", on: true } }],
    ["tag on a field", { case: "setTag", value: { target: field, tag: "x", on: true } }],
    ["value of a kind", { case: "setFieldValue", value: { target: e, field: kind, text: "v" } }],
    ["value across maps", { case: "setFieldValue", value: { target: far, field, number: 1 } }],
    ["value NaN", { case: "setFieldValue", value: { target: c, field, number: Number.NaN } }],
    ["value -Infinity", { case: "setFieldValue", value: { target: c, field, number: -Infinity } }],
    ["field type 99", { case: "createField", value: { map, fields: { type: 99 as FieldType } } }],
    ["kind base -1", { case: "createKind", value: { map, fields: { base: -1 as ElementKind } } }],
    ["field on an element", { case: "createField", value: { map: e, fields: {} } }],
    ["update a kind as a field", { case: "updateField", value: { field: kind, fields: {} } }],
    ["rule without a match", { case: "createStyleRule", value: { map, fields: { size: 1 } } }],
    [
      "rule match field without a counter",
      { case: "createStyleRule", value: { map, fields: { match: { field: noCounter } } } },
    ],
    [
      "rule size NaN",
      { case: "createStyleRule", value: { map, fields: { match: { tag: "t" }, size: NaN } } },
    ],
    [
      "rule match of a kind",
      { case: "createStyleRule", value: { map, fields: { match: { field: kind, value: "" } } } },
    ],
    [
      "view zoom Infinity",
      { case: "createView", value: { map, fields: { viewport: { zoom: Infinity } } } },
    ],
    [
      "view focus without a counter",
      { case: "createView", value: { map, fields: { filter: { focus: noCounter } } } },
    ],
    [
      "view highlight on another map",
      { case: "createView", value: { map, fields: { filter: { highlights: [far] } } } },
    ],
    [
      "view highlight unset",
      { case: "createView", value: { map, fields: { filter: { highlights: [{}] } } } },
    ],
    [
      "view scale 42",
      { case: "createView", value: { map, fields: { filter: { scales: [42 as ScaleLevel] } } } },
    ],
    [
      "view connection kinds 17",
      {
        case: "createView",
        value: { map, fields: { filter: { connectionKinds: Array(17).fill(1) } } },
      },
    ],
    [
      "view tags 257",
      { case: "createView", value: { map, fields: { filter: { tags: Array(257).fill("t") } } } },
    ],
    ["view order 1e10", { case: "createView", value: { map, fields: { order: 1e10 } } }],
    [
      "element custom kind a field",
      { case: "updateElement", value: { element: e, fields: { customKind: field } } },
    ],
    [
      "restore of a field listing nothing",
      { case: "restore", value: { target: field, removals: [] } },
    ],
  ];

  test.each(cases)("%s", (_, body) => {
    const { a } = setup();
    const before = a.toJSON();
    expect(a.apply(attackerOp(body)).status).toBe("invalid");
    expect(a.toJSON()).toEqual(before);
  });
});

test("JavaScript's own keys are plain tags, authors and values", () => {
  const { a, ops, map, e, field } = setup();
  const tags = ["__proto__", "constructor", "hasOwnProperty"];
  tags.forEach((tag, i) => {
    const op = attackerOp({ case: "setTag", value: { target: e, tag, on: true } }, i + 1);
    expect(a.apply(op).status).toBe("ok");
  });
  const b = new Document(2n);
  for (const op of ops) b.apply(op);
  const authors = ["__proto__", "toString"];
  const view = attackerOp({ case: "createView", value: { map, fields: { filter: { authors } } } });
  const value = attackerOp({ case: "setFieldValue", value: { target: e, field, number: -0 } }, 2);
  expect(b.apply(view).status).toBe("ok");
  expect(b.apply(value).status).toBe("ok");
  expect(b.viewsOf(key(map))[0].filter.authors).toEqual(authors);
  expect(Object.is(b.fieldValue(key(e), key(field)), -0)).toBe(true);
  expect(a.tagsOf(key(e))).toEqual(["__proto__", "constructor", "hasOwnProperty"]);
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

test("an empty text from elsewhere clears a value, as neither text nor number does", () => {
  const { a, e, field } = setup();
  a.setFieldValue(key(e), key(field), "set");
  const empty = attackerOp({ case: "setFieldValue", value: { target: e, field, text: "" } });
  empty.lamport = 100n;
  expect(a.apply(empty).status).toBe("ok");
  expect(a.fieldValue(key(e), key(field))).toBeUndefined();
});

test("mutated vocabulary ops never throw, and replicas that applied the same ones agree", () => {
  const { a, ops } = setup();
  const b = new Document(2n);
  for (const op of ops) b.apply(op);
  const source = new Document(3n);
  for (const op of ops) source.apply(op);
  const keyOf = (doc: Document) => (doc.toJSON() as { maps: { id: string }[] }).maps[0].id;
  const map = keyOf(source);
  const [e, f] = source.elements(map).map((x) => x.id);
  source.setTag(e, "t", true);
  source.setFieldValue(f, source.fieldsOf(map)[0].id, "v");
  source.createStyleRule(map, { match: { tag: "t" }, size: 2 });
  source.createView(map, { filter: { highlights: [e], focus: f, focusDepth: 1 } });
  source.setCustomKind(e, source.kindsOf(map)[0].id);
  const templates = source.takeOutbox().map((op) => toBinary(OpSchema, op));
  const rnd = seeded(7);
  let applied = 0;
  for (let i = 0; i < 3000; i++) {
    const bytes = templates[rnd(templates.length)].slice();
    for (let k = 0; k <= rnd(3); k++) bytes[rnd(bytes.length)] = rnd(256);
    let op: Op;
    try {
      op = fromBinary(OpSchema, bytes);
    } catch {
      continue; // protobuf refused the bytes
    }
    op.replica = ATTACKER;
    op.counter = BigInt(applied + 1);
    const status = a.apply(op).status;
    expect(["ok", "invalid", "missing"]).toContain(status);
    if (status === "ok") {
      expect(b.apply(op).status).toBe("ok");
      applied++;
    }
  }
  expect(applied).toBeGreaterThan(10);
  expect(a.toJSON()).toEqual(b.toJSON());
});
