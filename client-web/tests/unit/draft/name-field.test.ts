import { describe, expect, it } from "vitest";
import { cleanName, MAX_NAME_BYTES } from "../../../src/draft/name-field";

describe("names of drafts and variants", () => {
  it("trims and collapses white space", () => {
    expect(cleanName("  Spring \n  invitation\t")).toBe("Spring invitation");
  });

  it("stays within the byte limit without cutting a character", () => {
    const name = cleanName("é".repeat(150)); // 300 bytes of UTF-8
    expect(new TextEncoder().encode(name).length).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(name).toBe("é".repeat(100));
    expect(cleanName("\u{1F600}".repeat(60))).toBe("\u{1F600}".repeat(50));
  });
});
