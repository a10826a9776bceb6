import { describe, expect, it } from "vitest";
import { fold, normalise, SearchIndex } from "../../../src/map/search";

function index(entries: Record<string, { label: string; notes?: string; tags?: string[] }>) {
  const idx = new SearchIndex();
  for (const [id, e] of Object.entries(entries))
    idx.set(id, { label: e.label, notes: e.notes ?? "", tags: e.tags ?? [] });
  return idx;
}

describe("normalising", () => {
  it("folds case, accents and compatibility forms", () => {
    expect(normalise("Élan Vital")).toBe("elan vital");
    expect(normalise("Ｃａｆé")).toBe("cafe");
    expect(normalise("ﬁeld")).toBe("field");
    expect(normalise("Łódź")).toBe("łodz");
  });

  it("keeps where each folded unit came from", () => {
    const f = fold("aﬁé");
    expect(f.text).toBe("afie");
    expect(f.origin).toEqual([0, 1, 1, 2, 3]);
  });
});

describe("searching", () => {
  const idx = index({
    "1:1": { label: "Riverside Community Garden" },
    "1:2": { label: "Garden Trust" },
    "1:3": { label: "Allotment gardeners" },
    "1:4": { label: "Pen Farm", tags: ["gardening"] },
    "1:5": { label: "Council", notes: "Runs the municipal garden scheme since 2004." },
    "1:6": { label: "Jardín Común" },
    "1:7": { label: "Hangar 9" },
  });

  it("ranks label prefix, label word, label substring, tag, notes", () => {
    const hits = idx.search("garden");
    expect(hits.map((h) => [h.id, h.rank])).toEqual([
      ["1:2", "label-prefix"],
      ["1:3", "label-word"],
      ["1:1", "label-word"],
      ["1:4", "tag"],
      ["1:5", "notes"],
    ]);
    expect(idx.search("ngar").map((h) => [h.id, h.rank])).toEqual([["1:7", "label"]]);
  });

  it("ignores case and accents, and marks the match in the text as written", () => {
    const [hit] = idx.search("JARDIN COMUN");
    expect(hit.id).toBe("1:6");
    expect(hit.text.slice(hit.start, hit.end)).toBe("Jardín Común");
    const [accented] = idx.search("común");
    expect(accented.text.slice(accented.start, accented.end)).toBe("Común");
  });

  it("gives a stretch of the notes around a notes match", () => {
    const [hit] = idx.search("municipal");
    expect(hit.rank).toBe("notes");
    expect(hit.text.slice(hit.start, hit.end)).toBe("municipal");
    expect(hit.label).toBe("Council");
  });

  it("finds nothing for an empty query and follows updates", () => {
    expect(idx.search("   ")).toEqual([]);
    const copy = index({ a: { label: "Alpha" } });
    copy.set("a", { label: "Beta", notes: "", tags: [] });
    expect(copy.search("alpha")).toEqual([]);
    expect(copy.search("bet").map((h) => h.id)).toEqual(["a"]);
    copy.delete("a");
    expect(copy.search("bet")).toEqual([]);
  });

  it("highlights a match that ends inside a folded ligature", () => {
    const lig = index({ x: { label: "ﬁre" } });
    const [hit] = lig.search("f");
    expect(hit.text.slice(hit.start, hit.end)).toBe("ﬁ");
  });

  it("answers within 50 ms a keystroke on 2,000 elements", () => {
    const big = new SearchIndex();
    const words = ["garden", "trust", "council", "network", "école", "Zürich", "river", "farm"];
    for (let i = 0; i < 2000; i++) {
      big.set(`1:${i}`, {
        label: `${words[i % 8]} ${words[(i * 7) % 8]} ${i}`,
        notes: `Notes about ${words[(i * 3) % 8]} number ${i}, with some more text to scan.`,
        tags: [words[(i * 5) % 8]],
      });
    }
    for (const q of ["g", "ga", "gar", "ecole", "zur", "1999"]) big.search(q);
    const start = performance.now();
    for (const q of ["r", "ri", "riv", "rive", "river"]) big.search(q);
    expect((performance.now() - start) / 5).toBeLessThan(50);
  });
});
