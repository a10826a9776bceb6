import { describe, expect, it } from "vitest";
import { markdownExport, slugify } from "../../../src/draft/export";
import { FakeDocument } from "./fakes";

describe("Markdown export", () => {
  it("makes file-name slugs of any script", () => {
    expect(slugify("Call for Convening: Spring 2026!")).toBe("call-for-convening-spring-2026");
    expect(slugify("Einladung für Förderer")).toBe("einladung-für-förderer");
    expect(slugify("  ...  ")).toBe("");
  });

  it("names the base after the draft and a variant after both, ending the text with a newline", () => {
    const doc = new FakeDocument();
    const draft = doc.createDraft("Spring Convening");
    doc.insertText(draft, 0, "# Welcome");
    const funders = doc.createVariant(draft, "Funders", draft);
    expect(markdownExport(doc.asDocument(), draft)).toEqual({
      filename: "spring-convening.md",
      text: "# Welcome\n",
    });
    expect(markdownExport(doc.asDocument(), funders).filename).toBe("spring-convening-funders.md");
  });

  it("falls back to a plain name when the draft's name has no letters", () => {
    const doc = new FakeDocument();
    const draft = doc.createDraft("!!!");
    expect(markdownExport(doc.asDocument(), draft)).toEqual({ filename: "draft.md", text: "" });
  });
});
