import { describe, expect, it } from "vitest";
import { ConnectionKind, ElementKind, ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import {
  BOUNDARY_TYPES,
  boundaryTypeInfo,
  CONNECTION_KINDS,
  connectionShown,
  connectionStyle,
  depthWidth,
  ELEMENT_KINDS,
  fallbackColour,
  haloRadius,
  kindInfo,
  levelInfo,
  levelShown,
  parseHex,
  safeColour,
  SCALE_LEVELS,
  shade,
  showsDisagreement,
  tint,
  toggleLevel,
  UNSPECIFIED_LEVEL,
  wrapLabel,
} from "../../../src/map/style";
import { idToKey, keyToId } from "../../../src/map/ids";
import { kindIconPaths } from "../../../src/map/icons";
import type { PerspectiveSummary } from "../../../src/crdt/api";

describe("element kinds", () => {
  it("covers every declared kind once, keyed by the canonical JSON name", () => {
    const declared = Object.values(ElementKind).filter(
      (v): v is ElementKind => typeof v === "number" && v !== ElementKind.UNSPECIFIED,
    );
    expect(ELEMENT_KINDS.map((k) => k.kind).sort()).toEqual(declared.sort());
    expect(ELEMENT_KINDS.map((k) => k.key)).toEqual([
      "institution",
      "project",
      "community",
      "network",
      "person",
      "practice",
      "artifact",
      "note",
    ]);
    expect(kindInfo(ElementKind.COMMUNITY).label).toBe("Community of practice");
    expect(kindInfo(undefined).key).toBe("unspecified");
  });

  it("gives every kind its own icon", () => {
    const icons = ELEMENT_KINDS.map((k) => kindIconPaths(k.kind).join(" "));
    expect(new Set(icons).size).toBe(ELEMENT_KINDS.length);
    for (const icon of icons) expect(icon).toMatch(/^M/);
    expect(kindIconPaths(ElementKind.UNSPECIFIED).length).toBeGreaterThan(0);
  });
});

describe("scale colours and the legend filter", () => {
  it("maps each level to its own colour, unset to grey", () => {
    const colours = SCALE_LEVELS.map((l) => l.colour);
    expect(new Set(colours).size).toBe(5);
    expect(levelInfo(ScaleLevel.REGIONAL).label).toBe("Regional");
    expect(levelInfo(ScaleLevel.UNSPECIFIED)).toBe(UNSPECIFIED_LEVEL);
    expect(levelInfo(undefined)).toBe(UNSPECIFIED_LEVEL);
    expect(colours).not.toContain(UNSPECIFIED_LEVEL.colour);
  });

  it("toggling a level hides it and toggling again shows it", () => {
    let filter = toggleLevel(new Set(), ScaleLevel.GLOBAL);
    expect(levelShown(filter, ScaleLevel.GLOBAL)).toBe(false);
    expect(levelShown(filter, ScaleLevel.LOCAL)).toBe(true);
    filter = toggleLevel(filter, ScaleLevel.GLOBAL);
    expect(levelShown(filter, ScaleLevel.GLOBAL)).toBe(true);
  });

  it("treats an unset level as its own filterable level", () => {
    const filter = toggleLevel(new Set(), ScaleLevel.UNSPECIFIED);
    expect(levelShown(filter, undefined)).toBe(false);
    expect(levelShown(filter, ScaleLevel.LOCAL)).toBe(true);
  });

  it("hides a connection when either end is hidden", () => {
    const filter = toggleLevel(new Set(), ScaleLevel.NATIONAL);
    expect(connectionShown(filter, ScaleLevel.LOCAL, ScaleLevel.REGIONAL)).toBe(true);
    expect(connectionShown(filter, ScaleLevel.NATIONAL, ScaleLevel.REGIONAL)).toBe(false);
    expect(connectionShown(filter, ScaleLevel.LOCAL, ScaleLevel.NATIONAL)).toBe(false);
  });
});

describe("connection styles", () => {
  it("draws deeper connections thicker, clamping out-of-range depths", () => {
    expect(depthWidth(1)).toBeLessThan(depthWidth(2));
    expect(depthWidth(2)).toBeLessThan(depthWidth(3));
    expect(depthWidth(0)).toBe(depthWidth(1));
    expect(depthWidth(undefined)).toBe(depthWidth(1));
    expect(depthWidth(9)).toBe(depthWidth(3));
  });

  it("tells kinds apart by colour and by dash pattern", () => {
    const kinds = CONNECTION_KINDS.filter((k) => k.kind !== ConnectionKind.UNSPECIFIED);
    expect(new Set(kinds.map((k) => k.colour)).size).toBe(kinds.length);
    const patterns = kinds.map((k) => connectionStyle(k.kind, 1).dasharray);
    // Collaboration is solid; every other kind has its own dash.
    expect(patterns.filter((p) => p === "")).toHaveLength(1);
    expect(new Set(patterns).size).toBe(kinds.length);
  });

  it("scales dashes with the stroke width", () => {
    const thin = connectionStyle(ConnectionKind.CONFLICT, 1);
    const thick = connectionStyle(ConnectionKind.CONFLICT, 3);
    const first = (s: string) => Number(s.split(" ")[0]);
    expect(first(thick.dasharray)).toBeGreaterThan(first(thin.dasharray));
    expect(thick.width).toBe(depthWidth(3));
  });

  it("has a style for every boundary type", () => {
    expect(BOUNDARY_TYPES).toHaveLength(8);
    expect(boundaryTypeInfo(999 as never)).toBe(BOUNDARY_TYPES[0]);
  });
});

describe("disagreement", () => {
  const summary = (values: number[]): PerspectiveSummary => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const spread = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    return {
      values: new Map(values.map((v, i) => [`p${i}`, v])),
      count: values.length,
      mean,
      min: Math.min(...values),
      max: Math.max(...values),
      spread,
    };
  };

  it("needs at least two ratings spread more than 0.75 apart", () => {
    expect(showsDisagreement(undefined)).toBe(false);
    expect(showsDisagreement(summary([1]))).toBe(false);
    expect(showsDisagreement(summary([3, 4]))).toBe(false); // spread 0.5
    expect(showsDisagreement(summary([1, 5]))).toBe(true); // spread 2
    expect(showsDisagreement(summary([2, 2, 2, 4]))).toBe(true); // spread ~0.87
  });

  it("grows the halo with the spread, within bounds", () => {
    expect(haloRadius(20, 1.5)).toBeGreaterThan(haloRadius(20, 0.8));
    expect(haloRadius(20, 0)).toBeGreaterThan(20);
    expect(haloRadius(20, 50)).toBe(haloRadius(20, 2));
  });
});

describe("colours", () => {
  it("parses, tints and shades hex colours", () => {
    expect(parseHex("#ff8000")).toEqual([255, 128, 0]);
    expect(parseHex("#f80")).toEqual([255, 136, 0]);
    expect(parseHex("red")).toBeUndefined();
    expect(tint("#000000", 1)).toBe("#ffffff");
    expect(tint("#204060", 0)).toBe("#204060");
    expect(shade("#ffffff", 0.5)).toBe("#808080");
  });

  it("only accepts overrides that are real colours", () => {
    expect(safeColour("#AA3355")).toBe("#aa3355");
    expect(safeColour("url(javascript:x)")).toBeUndefined();
    expect(safeColour("")).toBeUndefined();
  });

  it("gives absent participants a stable valid colour", () => {
    expect(fallbackColour("abc")).toBe(fallbackColour("abc"));
    expect(fallbackColour("abc")).not.toBe(fallbackColour("abd"));
    expect(fallbackColour("xyz")).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe("labels", () => {
  it("wraps at spaces into at most the given number of lines", () => {
    expect(wrapLabel("Saturday market", 22, 2)).toEqual(["Saturday market"]);
    expect(wrapLabel("Agricultural university of the valley", 22, 2)).toEqual([
      "Agricultural",
      "university of the…",
    ]);
    expect(wrapLabel("  spaced   out  ", 22, 2)).toEqual(["spaced out"]);
    expect(wrapLabel("", 22, 2)).toEqual([]);
  });

  it("splits words longer than a line", () => {
    const lines = wrapLabel("Donaudampfschifffahrtsgesellschaft", 10, 3);
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => l.length <= 10)).toBe(true);
    expect(lines[2].endsWith("…")).toBe(true);
  });
});

describe("ids", () => {
  it("converts between IdKeys and OpIds", () => {
    expect(idToKey({ replica: 18446744073709551615n, counter: 3n })).toBe("18446744073709551615:3");
    expect(keyToId("12:34")).toEqual({ replica: 12n, counter: 34n });
    expect(idToKey(keyToId("5:9"))).toBe("5:9");
  });

  it("treats absent or zero OpIds as no id and rejects malformed keys", () => {
    expect(idToKey(undefined)).toBeUndefined();
    expect(idToKey({ replica: 0n, counter: 0n })).toBeUndefined();
    expect(() => keyToId("abc")).toThrow();
    expect(() => keyToId("1:2:3")).toThrow();
  });
});
