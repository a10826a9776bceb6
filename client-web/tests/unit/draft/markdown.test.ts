// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { countWords, renderMarkdown, renderMarkdownInto } from "../../../src/draft/markdown";

describe("markdown preview", () => {
  it("renders headings, emphasis and lists", () => {
    const html = renderMarkdown("# Invitation\n\nJoin **us**:\n\n- on Monday\n- in Leeds\n");
    const host = document.createElement("div");
    host.innerHTML = html;
    expect(host.querySelector("h1")?.textContent).toBe("Invitation");
    expect(host.querySelector("strong")?.textContent).toBe("us");
    expect(host.querySelectorAll("li")).toHaveLength(2);
  });

  it("never lets a script element reach the DOM", () => {
    const host = document.createElement("div");
    renderMarkdownInto(
      host,
      'Hello <script>window.pwned = true</script>\n\n<script src="x.js"></script>',
    );
    expect(host.querySelector("script")).toBeNull();
    expect(host.innerHTML).not.toContain("<script");
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it("drops event handler attributes and javascript: links", () => {
    const host = document.createElement("div");
    renderMarkdownInto(
      host,
      '<img src="x.png" onerror="alert(1)">\n\n<a href="javascript:alert(2)" onclick="alert(3)">go</a>\n\n[md](javascript:alert(4))',
    );
    const all = Array.from(host.querySelectorAll("*"));
    for (const element of all) {
      for (const attribute of Array.from(element.attributes)) {
        expect(attribute.name.startsWith("on")).toBe(false);
        expect(attribute.value.toLowerCase()).not.toContain("javascript:");
      }
    }
    expect(host.querySelector("img")?.getAttribute("src")).toBe("x.png");
  });

  it("opens links elsewhere without handing over the page", () => {
    const host = document.createElement("div");
    renderMarkdownInto(host, "[the venue](https://example.org/venue)");
    const link = host.querySelector("a")!;
    expect(link.getAttribute("href")).toBe("https://example.org/venue");
    expect(link.getAttribute("target")).toBe("_blank");
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("counts words in any script", () => {
    expect(countWords("Dear all — we're meeting in São Paulo, 12 May.")).toBe(9);
    expect(countWords("  \n ")).toBe(0);
  });
});
