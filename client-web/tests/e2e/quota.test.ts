// A convening that is full (the server's --max-convening-ops): edits beyond
// its limit are kept on this device and the top bar says so; they reach the
// server once it has room again (here, restarted with a higher limit).
import { describe, expect, it } from "vitest";
import {
  createConvening,
  createFirstMap,
  onCanvas,
  placeElement,
  poll,
  shots,
  useE2E,
  waitSaved,
} from "./harness";

const e2e = useE2E({ serverArgs: ["--max-convening-ops", "1"] });

describe("a full convening", () => {
  it("keeps the edits it refused on this device, says so, and sends them when there is room", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Crowded basin");
    await createFirstMap(ana.page);
    await placeElement(ana.page, "institution", await onCanvas(ana.page, 400, 250), "River Trust");

    const status = ana.page.getByTestId("status");
    await poll(() => status.getAttribute("data-state")).toBe("full");
    expect(await status.textContent()).toMatch(
      /^The convening is full — \d+ edits? kept on this device, not shared$/,
    );
    await shots(ana.page, "status-full");
    const before = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(before.head_seq).toBe(1);
    expect(before.maps.flatMap((m) => m.elements)).toEqual([]);

    // The operator raises the limit; the edits go out as the client reconnects.
    e2e.server.extraArgs = ["--max-convening-ops", "1000"];
    await e2e.server.restart();
    await waitSaved(ana.page);
    const after = await e2e.server.exportJson(convening.id, convening.convenerToken);
    expect(after.maps[0].elements.map((e) => e.label)).toEqual(["River Trust"]);
  });
});
