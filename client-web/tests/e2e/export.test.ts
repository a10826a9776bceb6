// The Export menu: the map as SVG, PNG and JSON, the draft as Markdown.
// Each download is checked against the server's export of the same state.
import { describe, expect, it } from "vitest";
import {
  captureDownload,
  createConvening,
  createFirstDraft,
  createFirstMap,
  draftEditor,
  drag,
  elementCentre,
  mapView,
  onCanvas,
  placeElement,
  poll,
  saveArtifact,
  screenshot,
  useE2E,
  waitSaved,
  type Client,
} from "./harness";

const e2e = useE2E();

/** Opens the top bar's Export menu and picks one entry; returns the download. */
async function exportVia(client: Client, entry: string) {
  return captureDownload(client.page, async () => {
    await client.page.getByTestId("export").click();
    await client.page.getByTestId(entry).click();
  });
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("the Export menu", () => {
  it("downloads the map as SVG, PNG and JSON and the draft as Markdown", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Export convening");
    const page = ana.page;
    await createFirstMap(page);
    const trust = await placeElement(
      page,
      "institution",
      await onCanvas(page, 350, 180),
      "River Trust",
    );
    // Characters that must be escaped in XML.
    const fish = await placeElement(
      page,
      "community",
      await onCanvas(page, 700, 180),
      "Fish & <Rivers>",
    );
    await placeElement(page, "artifact", await onCanvas(page, 520, 480), "Wetland atlas");
    // A connection, drawn with the connect tool.
    await mapView(page).getByTestId("tool-connect").click();
    await drag(page, await elementCentre(page, trust), await elementCentre(page, fish));
    await poll(() => mapView(page).locator("g[data-conn]").count()).toBe(1);
    // A boundary: two clicks and a double-click that finishes it; then its label.
    // Not Enter, which the hint also offers: the Boundary button keeps the focus
    // (clicks on the canvas do not take it), so Enter presses that button again,
    // which restarts the tool and drops the points (a map view bug, reported).
    await mapView(page).getByTestId("tool-boundary").click();
    for (const [x, y] of [
      [280, 330],
      [520, 380],
    ]) {
      const at = await onCanvas(page, x, y);
      await page.mouse.click(at.x, at.y);
    }
    const last = await onCanvas(page, 780, 330);
    await page.mouse.dblclick(last.x, last.y);
    await poll(() => mapView(page).locator("g.cv-shape").count()).toBe(1);
    const shapeLabel = mapView(page).getByTestId("panel-label");
    await shapeLabel.fill("Watershed");
    await shapeLabel.press("Enter");
    await poll(() => mapView(page).locator("g.cv-shape").textContent()).toContain("Watershed");

    await createFirstDraft(page, "Spring call");
    await draftEditor(page).click();
    await page.keyboard.type("# Spring call\n\nJoin us **on the river**.");
    await waitSaved(page);
    await page.getByTestId("tab-map").click();
    await mapView(page).getByTestId("zoom-fit").click();
    await screenshot(page, "export-map");

    const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
    const map = exported.maps[0];
    expect(map.elements).toHaveLength(3);
    expect(map.connections).toHaveLength(1);
    expect(map.shapes).toHaveLength(1);
    expect(map.shapes[0]).toMatchObject({ geometry: "polyline", label: "Watershed" });
    expect(map.shapes[0].path).toHaveLength(3);

    // ---- SVG: well-formed XML (the browser's XML parser), an <svg> root,
    // exactly the map's entities, every label ----
    const svg = await exportVia(ana, "export-svg");
    expect(svg.name).toBe("map-1.svg");
    await saveArtifact("export-download.svg", svg.data);
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "image/svg+xml");
      const error = doc.querySelector("parsererror");
      const root = doc.documentElement;
      return {
        error: error?.textContent ?? null,
        root: root.localName,
        namespace: root.namespaceURI,
        texts: [...doc.querySelectorAll("text")].map((t) => t.textContent),
        elements: [...doc.querySelectorAll("[data-entity=element]")].map((g) =>
          g.getAttribute("data-id"),
        ),
        connections: [...doc.querySelectorAll("[data-entity=connection]")].map((g) =>
          g.getAttribute("data-conn"),
        ),
        shapes: [...doc.querySelectorAll("[data-entity=shape]")].map((g) =>
          g.getAttribute("data-id"),
        ),
      };
    }, svg.data.toString("utf8"));
    expect(parsed.error).toBeNull();
    expect(parsed.root).toBe("svg");
    expect(parsed.namespace).toBe("http://www.w3.org/2000/svg");
    expect(parsed.elements.sort()).toEqual(map.elements.map((e) => e.id).sort());
    expect(parsed.connections).toEqual(map.connections.map((c) => c.id));
    expect(parsed.shapes).toEqual(map.shapes.map((s) => s.id));
    const svgText = parsed.texts.join("\n");
    for (const label of ["River Trust", "Fish & <Rivers>", "Wetland atlas", "Watershed", "Map 1"]) {
      expect(svgText, label).toContain(label);
    }

    // ---- PNG: the signature, a real size, and a picture that is not blank ----
    const png = await exportVia(ana, "export-png");
    expect(png.name).toBe("map-1.png");
    await saveArtifact("export-download.png", png.data);
    expect(png.data.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.data.length).toBeGreaterThan(10_000);
    const width = png.data.readUInt32BE(16);
    const height = png.data.readUInt32BE(20);
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(300);
    const inked = await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const context = canvas.getContext("2d")!;
      context.drawImage(bitmap, 0, 0);
      const pixels = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let dark = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i] + pixels[i + 1] + pixels[i + 2] < 3 * 160) dark++;
      }
      return dark / (pixels.length / 4);
    }, png.data.toString("base64"));
    // Labels, outlines and the legend: some of the picture is drawn, most is background.
    expect(inked).toBeGreaterThan(0.002);
    expect(inked).toBeLessThan(0.5);

    // ---- JSON: the map, exactly as the server exports it ----
    const json = await exportVia(ana, "export-json");
    expect(json.name).toBe("map-1.json");
    const mapJson = JSON.parse(json.data.toString("utf8")) as { format: number; maps: unknown[] };
    expect(mapJson.format).toBe(1);
    expect(mapJson.maps).toEqual([map]);

    // ---- Markdown: the draft's text and a final newline ----
    await page.getByTestId("tab-drafts").click();
    const markdown = await exportVia(ana, "export-md");
    expect(markdown.name).toBe("spring-call.md");
    const text = exported.drafts[0].variants[0].text;
    expect(text).toBe("# Spring call\n\nJoin us **on the river**.");
    expect(markdown.data.toString("utf8")).toBe(text + "\n");
    // The drafts toolbar's own button gives the same file.
    const fromToolbar = await captureDownload(page, () =>
      page
        .locator(".shell > .main > .drafts-view .draft-toolbar button", { hasText: "Export .md" })
        .click(),
    );
    expect(fromToolbar.name).toBe(markdown.name);
    expect(fromToolbar.data.equals(markdown.data)).toBe(true);
  });
});
