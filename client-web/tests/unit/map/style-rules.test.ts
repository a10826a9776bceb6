// How a map's custom kinds and style rules resolve into what is drawn
// (style-rules.ts), with plain views and with the CRDT document.
import { describe, expect, it } from "vitest";
import type { FieldValue, KindView, StyleRuleView } from "../../../src/crdt/api";
import { Document } from "../../../src/crdt/document";
import { ElementKind, FieldType } from "../../../src/gen/convene/v1/ops_pb";
import {
  describeEffect,
  describeMatch,
  entityStyle,
  indexStyles,
  mapStyles,
  matchValue,
  resolveStyle,
  type StyleFacts,
} from "../../../src/map/style-rules";

const kind = (id: string, color: string, shape = ""): KindView => ({
  id,
  map: "1:1",
  name: id,
  base: ElementKind.INSTITUTION,
  color,
  shape,
});

let nextRule = 0;
function rule(match: StyleRuleView["match"], set: Partial<StyleRuleView> = {}): StyleRuleView {
  return {
    id: `9:${++nextRule}`,
    map: "1:1",
    match,
    color: "",
    shape: "",
    size: 1,
    order: 0,
    ...set,
  };
}

function facts(
  init: Partial<StyleFacts> & { values?: Record<string, FieldValue> } = {},
): StyleFacts {
  const values = init.values ?? {};
  return { tags: [], value: (field) => values[field], ...init };
}

describe("resolving styles", () => {
  it("applies rules in order, a later rule's property over an earlier one's", () => {
    const styles = indexStyles(
      [],
      [
        rule({ tag: "funder" }, { color: "#d4a017", shape: "diamond", size: 2 }),
        rule({ field: "5:1", value: "high" }, { color: "#c9473f" }),
        rule({ tag: "local" }, { size: 0.5 }),
      ],
    );
    expect(resolveStyle(styles, facts({ tags: ["funder"] }))).toEqual({
      color: "#d4a017",
      shape: "diamond",
      size: 2,
    });
    // The field rule comes later: its colour wins, the earlier shape and size stay.
    expect(resolveStyle(styles, facts({ tags: ["funder"], values: { "5:1": "high" } }))).toEqual({
      color: "#c9473f",
      shape: "diamond",
      size: 2,
    });
    expect(resolveStyle(styles, facts({ tags: ["funder", "local"] })).size).toBe(0.5);
    // A rule that leaves a property unset (size 1, "") does not undo an earlier one.
    expect(resolveStyle(styles, facts({ tags: ["local", "funder"] })).size).toBe(0.5);
    expect(resolveStyle(styles, facts({ tags: ["other"] }))).toEqual({ size: 1 });
  });

  it("puts the custom kind first and the element's own override over every rule", () => {
    const styles = indexStyles(
      [kind("4:1", "#3f9a4a", "hexagon")],
      [rule({ tag: "funder" }, { color: "#d4a017" })],
    );
    expect(resolveStyle(styles, facts({ customKind: "4:1" }))).toEqual({
      color: "#3f9a4a",
      shape: "hexagon",
      size: 1,
    });
    expect(resolveStyle(styles, facts({ customKind: "4:1", tags: ["funder"] }))).toEqual({
      color: "#d4a017",
      shape: "hexagon",
      size: 1,
    });
    expect(
      resolveStyle(styles, facts({ customKind: "4:1", tags: ["funder"], color: "#000000" })),
    ).toEqual({ color: "#000000", shape: "hexagon", size: 1 });
    expect(resolveStyle(styles, facts({ customKind: "4:1", shape: "square" })).shape).toBe(
      "square",
    );
    // A kind that is gone is no kind.
    expect(resolveStyle(styles, facts({ customKind: "4:99" }))).toEqual({ size: 1 });
  });

  it("matches numbers by their shortest decimal and text exactly", () => {
    const styles = indexStyles(
      [],
      [
        rule({ field: "5:1", value: "3" }, { size: 1.5 }),
        rule({ field: "5:1", value: "0.5" }, { size: 0.75 }),
        rule({ field: "5:2", value: "High" }, { shape: "square" }),
      ],
    );
    expect(matchValue(3)).toBe("3");
    expect(matchValue(0.5)).toBe("0.5");
    expect(resolveStyle(styles, facts({ values: { "5:1": 3 } })).size).toBe(1.5);
    expect(resolveStyle(styles, facts({ values: { "5:1": 0.5 } })).size).toBe(0.75);
    expect(resolveStyle(styles, facts({ values: { "5:1": "3" } })).size).toBe(1.5);
    expect(resolveStyle(styles, facts({ values: { "5:2": "high" } })).shape).toBeUndefined();
    expect(resolveStyle(styles, facts({ values: { "5:2": "High" } })).shape).toBe("square");
  });

  it("says what a rule does in words", () => {
    const fields = [{ id: "5:1", map: "1:1", name: "Budget", type: FieldType.CHOICE, choices: [] }];
    expect(describeMatch(rule({ tag: "funder" }), fields)).toBe("tag: funder");
    expect(describeMatch(rule({ field: "5:1", value: "high" }), fields)).toBe("Budget = high");
    expect(describeEffect({ color: "#D4A017", shape: "", size: 1 })).toBe("gold");
    expect(describeEffect({ color: "", shape: "", size: 1.5 })).toBe("large");
    expect(describeEffect({ color: "#123456", shape: "diamond", size: 2.5 })).toBe(
      "#123456, diamond, ×2.5",
    );
    expect(describeEffect({ color: "", shape: "", size: 1 })).toBe("no change");
  });

  it("resolves through the document: (order, id), tags, values and custom kinds", () => {
    const doc = new Document(5n);
    const map = doc.createMap("Vocabulary");
    const budget = doc.createField(map, { name: "Budget", type: FieldType.NUMBER });
    const funder = doc.createKind(map, {
      name: "Funder",
      base: ElementKind.INSTITUTION,
      color: "#3f9a4a",
    });
    doc.createStyleRule(map, { match: { tag: "funder" }, color: "#d4a017", order: 2 });
    doc.createStyleRule(map, {
      match: { field: budget, value: "100" },
      color: "#c9473f",
      size: 2,
      order: 1,
    });
    const a = doc.createElement(map, { label: "A" });
    doc.setCustomKind(a, funder);
    const styles = mapStyles(doc, map);
    const styleOf = () => entityStyle(doc, styles, a, { isElement: true });
    expect(styleOf()).toEqual({ color: "#3f9a4a", shape: undefined, size: 1 });
    doc.setFieldValue(a, budget, 100);
    expect(styleOf()).toEqual({ color: "#c9473f", shape: undefined, size: 2 });
    // The tag's rule has the higher order: it applies later and its colour wins.
    doc.setTag(a, "funder", true);
    expect(styleOf()).toEqual({ color: "#d4a017", shape: undefined, size: 2 });
    expect(entityStyle(doc, styles, a, { isElement: true, color: "#101010" }).color).toBe(
      "#101010",
    );
  });

  it("resolves 2,000 elements against 50 rules in a few milliseconds", () => {
    const rules = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? rule({ tag: `tag ${i}` }, { color: "#d4a017" })
        : rule({ field: "5:1", value: String(i) }, { size: 1.5 }),
    );
    const styles = indexStyles([kind("4:1", "#3f9a4a")], rules);
    const entities = Array.from({ length: 2000 }, (_, i) =>
      facts({
        customKind: i % 3 ? "4:1" : undefined,
        tags: [`tag ${i % 60}`, "x"],
        values: { "5:1": i % 60 },
      }),
    );
    for (const e of entities) resolveStyle(styles, e);
    const start = performance.now();
    let large = 0;
    for (const e of entities) if (resolveStyle(styles, e).size > 1) large++;
    const elapsed = performance.now() - start;
    expect(large).toBeGreaterThan(0);
    expect(elapsed).toBeLessThan(50);
  });
});
