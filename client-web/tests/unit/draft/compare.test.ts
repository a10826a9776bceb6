// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { diffStats, renderSideBySide, wordDiff } from "../../../src/draft/compare";

describe("comparing two variants", () => {
  it("diffs by word", () => {
    const { segments, granularity } = wordDiff(
      "Join us in Leeds on Monday",
      "Join us in York on Monday",
    );
    expect(granularity).toBe("words");
    expect(segments.filter((s) => s.kind !== "same")).toEqual([
      { kind: "removed", text: "Leeds" },
      { kind: "added", text: "York" },
    ]);
    expect(diffStats(segments)).toEqual({ added: 1, removed: 1 });
  });

  it("marks a rewritten phrase as one removal and one addition", () => {
    const { segments } = wordDiff(
      "# You're invited: Spring Convening\n\nDear all",
      "# An invitation to funders\n\nDear all",
    );
    expect(segments).toEqual([
      { kind: "same", text: "# " },
      { kind: "removed", text: "You're invited: Spring Convening" },
      { kind: "added", text: "An invitation to funders" },
      { kind: "same", text: "\n\nDear all" },
    ]);
    expect(diffStats(segments)).toEqual({ added: 4, removed: 4 });
  });

  it("keeps separate changes on separate lines apart", () => {
    const { segments } = wordDiff("one\ntwo", "uno\ndos");
    expect(segments.map((s) => s.kind)).toEqual(["removed", "added", "same", "removed", "added"]);
  });

  it("marks removals on the left and additions on the right, both keeping the common text", () => {
    const left = document.createElement("div");
    const right = document.createElement("div");
    renderSideBySide(
      wordDiff("Dear funders,\nplease come.", "Dear partners,\nplease do come.").segments,
      left,
      right,
    );
    expect(left.textContent).toBe("Dear funders,\nplease come.");
    expect(right.textContent).toBe("Dear partners,\nplease do come.");
    expect(Array.from(left.querySelectorAll("del"), (e) => e.textContent)).toEqual(["funders"]);
    expect(Array.from(right.querySelectorAll("ins"), (e) => e.textContent?.trim())).toEqual([
      "partners",
      "do",
    ]);
    expect(left.querySelector("ins")).toBeNull();
    expect(right.querySelector("del")).toBeNull();
  });

  it("shows markup in a variant as text, never as elements", () => {
    const left = document.createElement("div");
    const right = document.createElement("div");
    renderSideBySide(
      wordDiff("hello", 'hello <img src=x onerror="alert(1)">').segments,
      left,
      right,
    );
    expect(right.querySelector("img")).toBeNull();
    expect(right.textContent).toContain("<img src=x");
  });
});
