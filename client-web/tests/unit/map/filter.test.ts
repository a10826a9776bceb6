import { describe, expect, it } from "vitest";
import { ConnectionKind, ElementKind, ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import {
  activeCount,
  authorOf,
  clearCategories,
  emptyFilter,
  evaluateFilter,
  fromViewFilter,
  levelsLeftOut,
  matchesElement,
  toggled,
  toggleScaleShown,
  toViewFilter,
  type ConnectionFacts,
  type ElementFacts,
  type MapFilter,
} from "../../../src/map/filter";

const ANA = "0000000000000001";
const BO = "00000000000000ff";

function el(id: string, over: Partial<ElementFacts> = {}): ElementFacts {
  return {
    id,
    kind: ElementKind.PROJECT,
    scale: ScaleLevel.LOCAL,
    tags: [],
    author: ANA,
    ...over,
  };
}

const conn = (
  id: string,
  from: string,
  to: string,
  kind = ConnectionKind.COLLABORATION,
  own: Partial<Pick<ConnectionFacts, "tags" | "author">> = {},
) => ({ id, from, to, kind, tags: [], author: ANA, ...own }) satisfies ConnectionFacts;

const filter = (over: Partial<MapFilter>): MapFilter => ({ ...emptyFilter(), ...over });

describe("matching elements", () => {
  it("lets everything through an empty filter", () => {
    expect(matchesElement(emptyFilter(), el("a"))).toBe(true);
    expect(activeCount(emptyFilter())).toBe(0);
  });

  it("ORs within a category and ANDs across them", () => {
    const f = filter({
      kinds: [ElementKind.PROJECT, ElementKind.PERSON],
      scales: [ScaleLevel.GLOBAL],
    });
    expect(matchesElement(f, el("a", { scale: ScaleLevel.GLOBAL }))).toBe(true);
    expect(matchesElement(f, el("b", { kind: ElementKind.PERSON, scale: ScaleLevel.GLOBAL }))).toBe(
      true,
    );
    expect(matchesElement(f, el("c", { scale: ScaleLevel.LOCAL }))).toBe(false);
    expect(matchesElement(f, el("d", { kind: ElementKind.NOTE, scale: ScaleLevel.GLOBAL }))).toBe(
      false,
    );
    expect(activeCount(f)).toBe(2);
  });

  it("treats built-in and custom kinds as one category", () => {
    const f = filter({ kinds: [ElementKind.PERSON], customKinds: ["9:1"] });
    expect(matchesElement(f, el("a", { customKind: "9:1" }))).toBe(true);
    expect(matchesElement(f, el("b", { kind: ElementKind.PERSON }))).toBe(true);
    expect(matchesElement(f, el("c", { customKind: "9:2" }))).toBe(false);
  });

  it("matches any of the tags, and who added an element", () => {
    const f = filter({ tags: ["youth", "health"], authors: [BO] });
    expect(matchesElement(f, el("a", { tags: ["health"], author: BO }))).toBe(true);
    expect(matchesElement(f, el("b", { tags: ["health"], author: ANA }))).toBe(false);
    expect(matchesElement(f, el("c", { tags: ["arts"], author: BO }))).toBe(false);
  });

  it("reads an element's author from its id's replica, in hex", () => {
    expect(authorOf("255:12")).toBe(BO);
    expect(authorOf("nonsense")).toBe("");
  });
});

describe("what fades", () => {
  const elements = [el("a"), el("b"), el("c", { scale: ScaleLevel.GLOBAL }), el("d"), el("e")];
  // a - b - c - d, a - e (funding)
  const connections = [
    conn("ab", "a", "b"),
    conn("bc", "b", "c"),
    conn("cd", "c", "d"),
    conn("ae", "a", "e", ConnectionKind.FUNDING),
  ];

  it("fades connections whose end fades", () => {
    const { faded } = evaluateFilter(filter({ scales: [ScaleLevel.LOCAL] }), elements, connections);
    expect([...faded].sort()).toEqual(["bc", "c", "cd"]);
  });

  it("fades connections of other kinds, not their ends", () => {
    const { faded } = evaluateFilter(
      filter({ connectionKinds: [ConnectionKind.FUNDING] }),
      elements,
      connections,
    );
    expect([...faded].sort()).toEqual(["ab", "bc", "cd"]);
  });

  it("shows connections by their own tags and authors, with the elements they join", () => {
    const tagged = [
      ...connections.slice(0, 3),
      conn("ae", "a", "e", ConnectionKind.FUNDING, { tags: ["flow"], author: BO }),
      conn("bd", "b", "d", ConnectionKind.FUNDING, { tags: ["flow"] }),
    ];
    const fadedBy = (over: Partial<MapFilter>) =>
      [...evaluateFilter(filter(over), elements, tagged).faded].sort();
    // No element carries "flow": the connections that do show, and their ends.
    expect(fadedBy({ tags: ["flow"] })).toEqual(["ab", "bc", "c", "cd"]);
    expect(fadedBy({ authors: [BO] })).toEqual(["ab", "b", "bc", "bd", "c", "cd", "d"]);
    // Their ends still answer to the other categories (c is global), and the
    // connection to its kind.
    const toGlobal = conn("ce", "c", "e", ConnectionKind.FUNDING, { tags: ["flow"] });
    const scaled = evaluateFilter(
      filter({ tags: ["flow"], scales: [ScaleLevel.LOCAL] }),
      elements,
      [...tagged, toGlobal],
    ).faded;
    expect([...scaled].sort()).toEqual(["ab", "bc", "c", "cd", "ce"]);
    expect(fadedBy({ tags: ["flow"], connectionKinds: [ConnectionKind.COLLABORATION] })).toEqual(
      ["a", "ab", "ae", "b", "bc", "bd", "c", "cd", "d", "e"].sort(),
    );
    // Elements that carry the tag show with the connections between them; an
    // untagged connection between ends brought only by tagged ones does not.
    const withElements = [el("a", { tags: ["flow"] }), ...elements.slice(1)];
    const faded = [
      ...evaluateFilter(filter({ tags: ["flow"] }), withElements, [...tagged, conn("de", "d", "e")])
        .faded,
    ].sort();
    expect(faded).toEqual(["ab", "bc", "c", "cd", "de"]);
  });

  it("keeps a focus's neighbourhood through the connections the filter keeps", () => {
    const one = evaluateFilter(
      filter({ focus: { element: "b", depth: 1 } }),
      elements,
      connections,
    );
    expect([...one.faded].sort()).toEqual(["ae", "cd", "d", "e"]);
    const two = evaluateFilter(
      filter({ focus: { element: "b", depth: 2 } }),
      elements,
      connections,
    );
    expect([...two.faded].sort()).toEqual([]);
    const onlyCollab = evaluateFilter(
      filter({
        focus: { element: "b", depth: 2 },
        connectionKinds: [ConnectionKind.COLLABORATION],
      }),
      elements,
      connections,
    );
    expect([...onlyCollab.faded].sort()).toEqual(["ae", "e"]);
    expect(onlyCollab.focus?.elements.get("d")).toBe(2);
  });

  it("ignores a focus on an element that is not there", () => {
    const r = evaluateFilter(filter({ focus: { element: "zz", depth: 1 } }), elements, connections);
    expect(r.faded.size).toBe(0);
    expect(r.focus).toBeUndefined();
  });

  it("does not fade for highlights or a search", () => {
    const r = evaluateFilter(filter({ highlights: ["a"], search: "x" }), elements, connections);
    expect(r.faded.size).toBe(0);
  });
});

describe("filter state", () => {
  it("hides and shows scale levels the legend's way", () => {
    let f = toggleScaleShown(emptyFilter(), ScaleLevel.GLOBAL);
    expect(f.scales).not.toContain(ScaleLevel.GLOBAL);
    expect(f.scales).toContain(ScaleLevel.UNSPECIFIED);
    expect([...levelsLeftOut(f)]).toEqual([ScaleLevel.GLOBAL]);
    f = toggleScaleShown(f, ScaleLevel.GLOBAL);
    expect(f.scales).toEqual([]);
    expect(levelsLeftOut(f).size).toBe(0);
  });

  it("never hides the last level shown", () => {
    const only = filter({ scales: [ScaleLevel.LOCAL] });
    expect(toggleScaleShown(only, ScaleLevel.LOCAL)).toBe(only);
  });

  it("clears the categories and keeps highlights and search", () => {
    const f = filter({
      tags: ["x"],
      focus: { element: "a", depth: 2 },
      highlights: ["a"],
      search: "q",
    });
    expect(clearCategories(f)).toEqual(filter({ highlights: ["a"], search: "q" }));
    expect(toggled(["x", "y"], "x")).toEqual(["y"]);
    expect(toggled(["y"], "x")).toEqual(["y", "x"]);
  });

  it("is a plain object that survives JSON (what a saved view stores)", () => {
    const f = filter({ kinds: [ElementKind.PERSON], focus: { element: "1:2", depth: 3 } });
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});

describe("the saved view's form", () => {
  it("goes to and from a view filter (focus as an id and a depth)", () => {
    const f = filter({ tags: ["a"], focus: { element: "1:2", depth: 2 } });
    const v = toViewFilter(f);
    expect(v.focus).toBe("1:2");
    expect(v.focusDepth).toBe(2);
    expect(fromViewFilter(v)).toEqual(f);
    expect(toViewFilter(emptyFilter())).toMatchObject({ focus: "", focusDepth: 0 });
    expect(fromViewFilter({ focus: "1:2", focusDepth: 9 }).focus).toEqual({
      element: "1:2",
      depth: 3,
    });
  });
});
