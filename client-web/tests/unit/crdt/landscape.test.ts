// Maps: last-writer-wins fields, remove-wins liveness with Restore, hidden
// (never dangling) connections, perspectives, and what validation refuses.
import { create } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import { Geometry, OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";
import { state, sync } from "./helpers";

/** Two replicas sharing a map with two elements. */
function twoReplicas() {
  const a = new Document(1n);
  const b = new Document(2n);
  const map = a.createMap("m");
  const e = a.createElement(map, { label: "e" });
  const f = a.createElement(map, { label: "f" });
  sync(a, b);
  return { a, b, map, e, f };
}

function op(init: object): Op {
  return create(OpSchema, init);
}

describe("last writer wins", () => {
  test("concurrent writes: the higher lamport wins, then the higher replica", () => {
    const { a, b, e } = twoReplicas();
    a.updateElement(e, { label: "from a" });
    b.updateElement(e, { label: "from b" }); // same lamport: replica 2 wins
    sync(a, b);
    sync(b, a);
    expect(a.element(e)!.fields.label).toBe("from b");
    expect(state(a)).toEqual(state(b));

    a.updateElement(e, { notes: "a1" });
    a.updateElement(e, { notes: "a2" }); // a's clock is now ahead
    b.updateElement(e, { notes: "b1" });
    sync(a, b);
    sync(b, a);
    expect(b.element(e)!.fields.notes).toBe("a2");
    expect(state(a)).toEqual(state(b));
  });

  test("fields are registers of their own: concurrent writes to different fields both stay", () => {
    const { a, b, e } = twoReplicas();
    a.updateElement(e, { position: { x: 5, y: 5 } });
    b.updateElement(e, { color: "#abcdef" });
    sync(a, b);
    sync(b, a);
    expect(a.element(e)!.fields).toMatchObject({ color: "#abcdef", position: { x: 5, y: 5 } });
  });
});

describe("remove wins", () => {
  test("a concurrent update does not bring a removed element back", () => {
    const { a, b, e } = twoReplicas();
    a.remove(e);
    b.updateElement(e, { label: "still here?" });
    sync(a, b);
    sync(b, a);
    expect(a.element(e)).toBeUndefined();
    expect(b.element(e)).toBeUndefined();
    // The hidden state converged too: a restore shows the latest label.
    a.restore(e);
    sync(a, b);
    expect(b.element(e)!.fields.label).toBe("still here?");
  });

  test("a restore cancels only the removals its author had seen", () => {
    const { a, b, e } = twoReplicas();
    a.remove(e);
    b.remove(e); // concurrently
    sync(a, b); // b has seen both removals, a only its own
    a.restore(e);
    sync(a, b);
    sync(b, a);
    expect(a.element(e)).toBeUndefined(); // b's removal still holds
    expect(state(a)).toEqual(state(b));
    b.restore(e); // b cancels both
    sync(b, a);
    expect(a.element(e)).toBeDefined();
  });

  test("connections hide with an end and come back with it", () => {
    const { a, b, map, e, f } = twoReplicas();
    const c = a.createConnection(map, e, f, { label: "funds" });
    sync(a, b);
    b.remove(f);
    a.updateConnection(c, { label: "funds more" }); // concurrently
    sync(b, a);
    sync(a, b); // the update applies although the connection is hidden
    expect(a.connections(map)).toEqual([]);
    expect((a.toJSON() as { maps: { connections: unknown[] }[] }).maps[0].connections).toEqual([]);
    b.restore(f);
    sync(b, a);
    expect(a.connection(c)!.fields.label).toBe("funds more");
    expect(state(a)).toEqual(state(b));
  });

  test("a removed map hides everything on it", () => {
    const { a, map, e } = twoReplicas();
    a.remove(map);
    expect(a.maps()).toEqual([]);
    expect(a.elements(map)).toEqual([]);
    expect(a.element(e)).toBeUndefined();
    a.restore(map);
    expect(a.elements(map)).toHaveLength(2);
  });
});

describe("perspectives", () => {
  test("values side by side: count, mean, min, max and population spread", () => {
    const { a, b, e } = twoReplicas();
    a.setPerspective(e, "strength", "ana", 1);
    b.setPerspective(e, "strength", "ben", 2);
    b.setPerspective(e, "strength", "cai", 6);
    sync(a, b);
    sync(b, a);
    const s = a.perspectives(e).get("strength")!;
    expect(s).toMatchObject({ count: 3, mean: 3, min: 1, max: 6 });
    expect(s.spread).toBeCloseTo(Math.sqrt(14 / 3), 12);
    b.setPerspective(e, "strength", "cai"); // withdrawn
    sync(b, a);
    expect(a.perspectives(e).get("strength")).toMatchObject({ count: 2, mean: 1.5 });
    a.setPerspective(e, "strength", "ana");
    a.setPerspective(e, "strength", "ben");
    expect(a.perspectives(e).size).toBe(0); // aspects with no value are left out
  });

  test("participants are summed in UTF-8 byte order, as in C++", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    const e = a.createElement(map, {});
    // U+FF5E sorts before U+1F600 in UTF-8 (and code points), after it in UTF-16.
    a.setPerspective(e, "x", "\u{1F600}", 0.1);
    a.setPerspective(e, "x", "\uFF5E", 0.2);
    a.setPerspective(e, "x", "a", 0.3);
    const s = a.perspectives(e).get("x")!;
    expect([...s.values.keys()]).toEqual(["a", "\uFF5E", "\u{1F600}"]);
    expect(s.mean).toBe((0.3 + 0.2 + 0.1) / 3);
  });
});

describe("validation", () => {
  test("references of the wrong kind are invalid; unknown ones are missing", () => {
    const { a, map, e } = twoReplicas();
    const d = a.createDraft("d");
    const base = { replica: 9n, counter: 1n, lamport: 5n }; // replica 9's first op
    const ref = (key: string) => {
      const [replica, counter] = key.split(":").map(BigInt);
      return { replica, counter };
    };
    const check = (body: object) => a.apply(op({ ...base, body })).status;
    expect(check({ case: "updateElement", value: { element: ref(map), fields: {} } })).toBe(
      "invalid",
    );
    expect(check({ case: "createElement", value: { map: ref(d), fields: {} } })).toBe("invalid");
    expect(check({ case: "createElement", value: { map: ref("7:1"), fields: {} } })).toBe(
      "missing",
    );
    expect(check({ case: "createElement", value: { fields: {} } })).toBe("invalid"); // unset
    expect(check({ case: "rename", value: { target: ref(e), name: "x" } })).toBe("invalid");
    expect(check({ case: "restore", value: { target: ref(e), removals: [ref("1:1")] } })).toBe(
      "invalid",
    ); // an applied op, but not a removal of e
    expect(check({ case: "restore", value: { target: ref(e), removals: [] } })).toBe("invalid");
    expect(
      check({ case: "setPerspective", value: { target: ref(e), aspect: "", participant: "p" } }),
    ).toBe("invalid");
    expect(
      check({
        case: "setPerspective",
        value: { target: ref(e), aspect: "a", participant: "p", value: 2e6 },
      }),
    ).toBe("invalid");
  });

  test("connections stay on one map; shapes need enough points", () => {
    const { a, map, e } = twoReplicas();
    const other = a.createMap("other");
    const g = a.createElement(other, {});
    expect(() => a.createConnection(map, e, g, {})).toThrow(/not on map/);
    expect(() => a.createConnection(map, e, e, { depth: 4 })).toThrow(/outside 1..3/);
    expect(() =>
      a.createShape(map, Geometry.POLYGON, {
        path: {
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
      }),
    ).toThrow(/fewer than the geometry needs/);
    expect(() => a.createShape(map, Geometry.UNSPECIFIED, {})).toThrow(/polyline or polygon/);
    const line = a.createShape(map, Geometry.POLYLINE, {
      path: {
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
    });
    expect(() => a.updateShape(line, { path: { points: [{ x: 0, y: 0 }] } })).toThrow(/fewer/);
    expect(() => a.updateElement(e, { label: "é".repeat(251) })).toThrow(/500 bytes/);
  });
});
