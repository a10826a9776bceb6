// @vitest-environment jsdom
// What a link admits to, asked before the join page, and what the pages say
// when it does not: revoked, wrong, unknown convening, a busy or absent server.
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkAccess } from "../../../src/ui/access-api";
import {
  COLOURS,
  cleanName,
  invitationText,
  joinPage,
  linkGonePage,
  noSuchConveningPage,
} from "../../../src/ui/pages";
import { FakeApi } from "./fake-api";

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.replaceChildren();
});

describe("checkAccess", () => {
  it("tells what each answer of the server means", async () => {
    const api = new FakeApi();
    api.install();
    api.revokedTokens.add("old");

    expect(await checkAccess("c1", "part-1")).toEqual({
      kind: "admitted",
      name: "River basin",
      role: "participant",
      link: undefined,
    });
    expect(await checkAccess("c1", "conv-1")).toMatchObject({
      kind: "admitted",
      role: "convener",
      link: { id: "L1", name: "Convener" },
    });
    expect(await checkAccess("c1", "old")).toEqual({ kind: "gone", revoked: true });
    expect(await checkAccess("c1", "wrong")).toEqual({ kind: "gone", revoked: false });
    expect(await checkAccess("c9", "part-1")).toEqual({ kind: "unknown" });
    expect(api.calls[0]).toMatchObject({
      method: "GET",
      path: "/api/convenings/c1/access",
      token: "part-1",
    });

    api.offline = true;
    expect(await checkAccess("c1", "part-1")).toEqual({ kind: "unreachable" });
  });

  it("takes 429 for busy and 5xx for no answer", async () => {
    for (const [status, kind] of [
      [429, "busy"],
      [503, "unreachable"],
    ] as const) {
      vi.stubGlobal("fetch", async () =>
        Response.json({ error: { code: "x", message: "x" } }, { status }),
      );
      expect(await checkAccess("c1", "t")).toEqual({ kind });
    }
  });
});

describe("pages for links", () => {
  it("the join page names the convening and the role the link gives", () => {
    const admitted = { kind: "admitted", name: "River basin" } as const;
    expect(invitationText("c1", { ...admitted, role: "observer" })).toBe(
      "You were invited to “River basin” as an observer.",
    );
    expect(
      invitationText("c1", { ...admitted, role: "convener", link: { id: "L2", name: "Sam" } }),
    ).toBe("You were invited to “River basin” as a convener (link “Sam”).");
    expect(invitationText("c1", { kind: "unreachable" })).toBe("You were invited to convening c1.");
  });

  it("a link that no longer works, or leads nowhere, says so and offers a way on", () => {
    const gone = linkGonePage();
    expect(gone.querySelector("h1")?.textContent).toBe("This link no longer works");
    expect(gone.textContent).toContain("Ask the convener for a new one");
    expect(gone.querySelector("input, form")).toBeNull();
    expect(gone.querySelector("a")?.getAttribute("href")).toBe("/");
    expect(linkGonePage("/c/c1").querySelector("a")?.getAttribute("href")).toBe("/c/c1");
    expect(noSuchConveningPage().querySelector("h1")?.textContent).toBe(
      "There is no such convening at this address",
    );
  });
});

describe("the join page", () => {
  it("keeps the name to 64 characters as people count them, without control characters", () => {
    const onJoin = vi.fn();
    document.body.append(joinPage("Invited", onJoin));
    const name = document.querySelector<HTMLInputElement>("[data-testid=display-name]")!;
    // 70 emoji: 140 UTF-16 units, cut to 64 emoji (not 32, nor a broken pair).
    name.value = "🌊".repeat(70);
    name.dispatchEvent(new Event("input"));
    expect(Array.from(name.value)).toHaveLength(64);
    expect(name.value).toBe("🌊".repeat(64));

    name.value = "Ana\u0007 Lima\u0000";
    document.querySelector("form")!.requestSubmit();
    expect(onJoin).toHaveBeenCalledWith(expect.objectContaining({ name: "Ana Lima" }));
    expect(cleanName(`  ${"a".repeat(100)}`)).toBe("a".repeat(64));
  });

  it("offers only #rrggbb colours", () => {
    expect(COLOURS.length).toBeGreaterThan(4);
    for (const colour of COLOURS) expect(colour).toMatch(/^#[0-9a-f]{6}$/);
    document.body.append(joinPage("Invited", () => {}));
    const swatches = [...document.querySelectorAll("[data-testid=colour-swatch]")];
    expect(swatches.map((s) => s.getAttribute("aria-label"))).toEqual(COLOURS);
  });
});
