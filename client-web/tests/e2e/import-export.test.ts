// Map data in and out through the UI: the Import dialog (files picked or
// dropped), every format of docs/formats.md exported from the browser and
// imported again into a fresh map, the REST export imported likewise, and
// the print view. An import is one step everyone sees live, and Undo takes
// it back for everyone.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readGexf, readGraphml, readKumu, readCanvas, readCsv } from "../../src/map/formats";
import {
  captureDownload,
  CLIENT_ROOT,
  createConvening,
  createFirstMap,
  joinWithInvite,
  mapConnections,
  mapElements,
  mapView,
  poll,
  REPO_ROOT,
  shots,
  useE2E,
  waitSaved,
  type Convening,
} from "./harness";

const e2e = useE2E();

const FIXTURES = path.join(CLIENT_ROOT, "tests/unit/map/formats/fixtures");
const fixture = (name: string) => path.join(FIXTURES, name);
const SAMPLE_XLSX = path.join(REPO_ROOT, "docs/samples/landscape.xlsx");

let downloads = "";
beforeAll(async () => {
  downloads = await mkdtemp(path.join(os.tmpdir(), "convene-import-"));
});
afterAll(async () => {
  await rm(downloads, { recursive: true, force: true });
});

/** Opens Import…, picks the files and waits for the preview (or the error). */
async function pickFiles(page: Page, files: string[]): Promise<"ready" | "error"> {
  await page.getByTestId("import").click();
  const dialog = page.getByTestId("import-dialog");
  await dialog.getByTestId("import-file").setInputFiles(files);
  const preview = dialog.getByTestId("import-preview");
  await poll(() => preview.getAttribute("data-state")).toMatch(/^(ready|error)$/);
  return (await preview.getAttribute("data-state")) as "ready" | "error";
}

/** Imports the files into the map shown; returns the preview's counts. */
async function importFiles(page: Page, files: string[]): Promise<string> {
  const state = await pickFiles(page, files);
  const dialog = page.getByTestId("import-dialog");
  if (state === "error") throw new Error(await dialog.getByTestId("import-error").innerText());
  const counts = await dialog.getByTestId("import-counts").innerText();
  await dialog.getByTestId("import-apply").click();
  await dialog.waitFor({ state: "detached" });
  await waitSaved(page);
  return counts;
}

/** Starts another map (the map picker's New map) and shows it. */
async function newMap(page: Page): Promise<void> {
  const picker = mapView(page).getByTestId("map-picker");
  const before = await picker.locator("option").count();
  await mapView(page).getByTestId("map-new").first().click();
  const name = mapView(page).getByTestId("map-name");
  if (await name.isVisible()) await name.press("Enter");
  await poll(() => picker.locator("option").count()).toBe(before + 1);
  await poll(() => mapElements(page).count()).toBe(0);
}

interface ExportedVocabularyMap {
  id: string;
  elements: {
    id: string;
    label: string;
    kind: string;
    tags?: string[];
    custom_kind?: string;
  }[];
  connections: {
    from: string;
    to: string;
    kind: string;
    direction: string;
    label: string;
    tags?: string[];
  }[];
  kinds?: { id: string; name: string }[];
}

/**
 * What must survive a round trip, from the server's export of one map:
 * labels with kinds and tags, and connections by their ends' labels.
 * `canvas`: only what JSON Canvas carries (labels, ends, direction, label).
 */
async function mapSummary(convening: Convening, index: number, canvas = false) {
  const exported = await e2e.server.exportJson(convening.id, convening.convenerToken);
  const map = exported.maps[index] as unknown as ExportedVocabularyMap;
  const kindName = new Map((map.kinds ?? []).map((k) => [k.id, k.name]));
  const labelOf = new Map(map.elements.map((e) => [e.id, e.label]));
  const tags = (t: string[] | undefined) => (t ?? []).join("|");
  const elements = map.elements.map((e) =>
    canvas
      ? e.label
      : [e.label, e.kind, e.custom_kind ? kindName.get(e.custom_kind) : "", tags(e.tags)].join(
          " / ",
        ),
  );
  const connections = map.connections.map((c) =>
    [
      labelOf.get(c.from),
      labelOf.get(c.to),
      c.direction,
      c.label,
      ...(canvas ? [] : [c.kind, tags(c.tags)]),
    ].join(" / "),
  );
  return { elements: elements.sort(), connections: connections.sort() };
}

/** Opens the Export menu and picks one entry; keeps the download in the temporary folder. */
async function exportFile(page: Page, entry: string): Promise<string> {
  const file = await captureDownload(page, async () => {
    await page.getByTestId("export").click();
    await page.getByTestId(entry).click();
  });
  const where = path.join(downloads, file.name);
  await writeFile(where, file.data);
  return where;
}

describe("importing and exporting map data", () => {
  it("imports a workbook for everyone as one step that Undo takes back", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Southvale landscape");
    await createFirstMap(ana.page);
    const bo = await e2e.client("Bo Park");
    await joinWithInvite(e2e.server, bo, convening.id, convening.invites.participant);
    await mapView(bo.page).getByTestId("map-picker").waitFor();

    // The preview before anything is applied.
    expect(await pickFiles(ana.page, [SAMPLE_XLSX])).toBe("ready");
    const dialog = ana.page.getByTestId("import-dialog");
    expect(await dialog.getByTestId("import-counts").innerText()).toMatch(
      /^31 elements, 46 connections, \d+ new kinds?, 1 new field/,
    );
    await shots(ana.page, "import-dialog");
    expect(await mapElements(bo.page).count()).toBe(0);
    await dialog.getByTestId("import-apply").click();
    await dialog.waitFor({ state: "detached" });
    await poll(() => ana.page.getByTestId("toast").first().innerText()).toMatch(
      /^Imported 31 elements, 46 connections/,
    );
    await poll(() => mapElements(ana.page).count()).toBe(31);
    await waitSaved(ana.page);

    // Bo sees it live.
    await poll(() => mapElements(bo.page).count()).toBe(31);
    await poll(() => mapConnections(bo.page).count()).toBe(46);

    // One Undo takes all of it back, for Bo too.
    await ana.page.getByTestId("undo").click();
    await poll(() => mapElements(ana.page).count()).toBe(0);
    await poll(() => mapElements(bo.page).count()).toBe(0);
    await poll(() => mapConnections(bo.page).count()).toBe(0);

    // Observers have no Import.
    const cy = await e2e.client("Cy Observer");
    await joinWithInvite(e2e.server, cy, convening.id, convening.invites.observer);
    await poll(() => cy.page.getByTestId("import").isHidden()).toBe(true);
  });

  it("imports every format; a malformed file names the place and applies nothing", async () => {
    const ana = await e2e.client("Ana Lima");
    await createConvening(e2e.server, ana, "Formats");
    await createFirstMap(ana.page);
    const page = ana.page;
    const text = (name: string) => readFileSync(fixture(name), "utf8");
    const cases: [string[], number][] = [
      [[fixture("primer.graphml")], readGraphml(text("primer.graphml")).elements.length],
      [[fixture("yed.graphml")], readGraphml(text("yed.graphml")).elements.length],
      [[fixture("gephi-1.2.gexf")], readGexf(text("gephi-1.2.gexf")).elements.length],
      [[fixture("gexf-1.1.gexf")], readGexf(text("gexf-1.1.gexf")).elements.length],
      [[fixture("kumu-blueprint.json")], readKumu(text("kumu-blueprint.json")).elements.length],
      [[fixture("kumu-project.json")], readKumu(text("kumu-project.json")).elements.length],
      [[fixture("sample.canvas")], readCanvas(text("sample.canvas")).elements.length],
      [
        [fixture("kumu-elements.csv"), fixture("kumu-connections.csv")],
        readCsv({ elements: text("kumu-elements.csv"), connections: text("kumu-connections.csv") })
          .elements.length,
      ],
    ];
    let shown = 0;
    for (const [files, elements] of cases) {
      await newMap(page);
      const counts = await importFiles(page, files);
      expect(counts, files.join(" + ")).toMatch(new RegExp(`^${elements} elements?`));
      shown = elements;
      await poll(() => mapElements(page).count(), files.join(" + ")).toBe(shown);
    }

    // A file dropped on the map opens the dialog with it read.
    await newMap(page);
    await mapView(page).evaluate((target, canvas) => {
      const files = new DataTransfer();
      files.items.add(new File([canvas], "dropped.canvas", { type: "application/json" }));
      for (const type of ["dragenter", "dragover", "drop"])
        target.dispatchEvent(
          new DragEvent(type, { dataTransfer: files, bubbles: true, cancelable: true }),
        );
    }, text("sample.canvas"));
    const dropped = page.getByTestId("import-dialog");
    await poll(() => dropped.getByTestId("import-preview").getAttribute("data-state")).toBe(
      "ready",
    );
    expect(await dropped.getByTestId("import-preview").innerText()).toContain("dropped.canvas");
    await dropped.getByTestId("import-apply").click();
    await dropped.waitFor({ state: "detached" });
    shown = readCanvas(text("sample.canvas")).elements.length;
    await poll(() => mapElements(page).count()).toBe(shown);

    // Malformed: the error names the line or row; nothing is applied.
    for (const [files, place] of [
      [[fixture("broken.graphml")], /GraphML line 6/],
      [
        [fixture("ends-elements.csv"), fixture("missing-end-connections.csv")],
        /Connections row \d+/,
      ],
      [[fixture("bad-number-elements.csv")], /Elements row \d+/],
    ] as [string[], RegExp][]) {
      expect(await pickFiles(page, files)).toBe("error");
      const dialog = page.getByTestId("import-dialog");
      const error = await dialog.getByTestId("import-error").innerText();
      expect(error).toMatch(place);
      expect(error).toMatch(/Nothing was imported\.$/);
      expect(await dialog.getByTestId("import-apply").isDisabled()).toBe(true);
      if (files[0].endsWith("broken.graphml")) await shots(page, "import-error");
      await dialog.getByTestId("import-cancel").click();
      await dialog.waitFor({ state: "detached" });
      expect(await mapElements(page).count()).toBe(shown);
    }
  });

  it("exports every format and imports each into a fresh map as the same map", async () => {
    const ana = await e2e.client("Ana Lima");
    const convening = await createConvening(e2e.server, ana, "Round trips");
    const page = ana.page;
    await createFirstMap(page);
    await importFiles(page, [SAMPLE_XLSX]);
    const original = await mapSummary(convening, 0);
    expect(original.elements).toHaveLength(31);
    expect(original.connections).toHaveLength(46);

    const exports: [string, string[]][] = [
      ["XLSX", [await exportFile(page, "export-xlsx")]],
      [
        "CSV",
        [
          await exportFile(page, "export-csv-elements"),
          await exportFile(page, "export-csv-connections"),
        ],
      ],
      ["GraphML", [await exportFile(page, "export-graphml")]],
      ["GEXF", [await exportFile(page, "export-gexf")]],
      ["Kumu JSON", [await exportFile(page, "export-kumu")]],
      ["JSON Canvas", [await exportFile(page, "export-canvas")]],
    ];
    expect(exports.flatMap(([, files]) => files.map((f) => path.basename(f)))).toEqual([
      "map-1.xlsx",
      "map-1-elements.csv",
      "map-1-connections.csv",
      "map-1.graphml",
      "map-1.gexf",
      "map-1-kumu.json",
      "map-1.canvas",
    ]);
    let index = 0;
    for (const [format, files] of exports) {
      await newMap(page);
      await importFiles(page, files);
      index++;
      const canvas = format === "JSON Canvas";
      const expected = canvas ? await mapSummary(convening, 0, true) : original;
      expect(await mapSummary(convening, index, canvas), format).toEqual(expected);
    }

    // The REST export (server/http/export_formats.cc), where the server has it.
    const rest = async (query: string, name: string) => {
      const response = await fetch(
        `${e2e.server.url}/api/convenings/${convening.id}/export?${query}`,
        { headers: { Authorization: `Bearer ${convening.convenerToken}` } },
      );
      if (response.status === 400) return undefined;
      expect(response.status, query).toBe(200);
      const where = path.join(downloads, name);
      await writeFile(where, Buffer.from(await response.arrayBuffer()));
      return where;
    };
    const firstMap = (await e2e.server.exportJson(convening.id, convening.convenerToken)).maps[0]
      .id;
    const map = `map=${encodeURIComponent(firstMap)}`;
    const restExports: [string, (string | undefined)[]][] = [
      ["graphml", [await rest(`format=graphml&${map}`, "rest.graphml")]],
      ["gexf", [await rest(`format=gexf&${map}`, "rest.gexf")]],
      [
        "csv",
        [
          await rest(`format=csv&table=elements&${map}`, "rest-elements.csv"),
          await rest(`format=csv&table=connections&${map}`, "rest-connections.csv"),
        ],
      ],
    ];
    for (const [format, files] of restExports) {
      if (files.some((f) => f === undefined)) {
        console.warn(`e2e: the server's REST export does not write ${format} yet (400): skipped`);
        continue;
      }
      await newMap(page);
      await importFiles(page, files as string[]);
      index++;
      expect(await mapSummary(convening, index), `REST ${format}`).toEqual(original);
    }
  });

  it("prints the whole map as a poster with its title and date", async () => {
    const ana = await e2e.client("Ana Lima");
    await createConvening(e2e.server, ana, "Southvale landscape");
    const page = ana.page;
    await createFirstMap(page);
    await importFiles(page, [SAMPLE_XLSX]);
    // The browser's print dialog is the user's: here it only has to be asked for.
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void (window as unknown as { printed: number }).printed++;
    });
    await page.getByTestId("export").click();
    await page.getByTestId("export-print").click();
    const view = page.getByTestId("print-view");
    await view.waitFor();
    const poster = view.getByTestId("poster");
    expect(await poster.locator("h1").innerText()).toBe("Southvale landscape");
    expect(await poster.locator("svg.poster-map [data-entity=element]").count()).toBe(31);
    await shots(page, "print-view");
    await view.getByTestId("print-go").click();
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);

    // On paper: the poster alone, on one A3 landscape page.
    await page.emulateMedia({ media: "print" });
    const dir = process.env.CONVENE_SHOTS_DIR;
    if (dir) {
      // The page as printed: A3 at 96 dpi (420 × 297 mm).
      await page.setViewportSize({ width: 1587, height: 1123 });
      await page.screenshot({ path: path.join(dir, "print-media.png") });
    }
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    if (dir) await writeFile(path.join(dir, "print.pdf"), pdf);
    const pages = pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? [];
    expect(pages).toHaveLength(1);
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf.toString("latin1"));
    // A3 landscape: 420 × 297 mm = 1190.55 × 841.89 pt (Chromium rounds to its pixels).
    expect(Math.abs(Number(box?.[1]) - 1190.55)).toBeLessThan(2);
    expect(Math.abs(Number(box?.[2]) - 841.89)).toBeLessThan(2);
    await page.emulateMedia({ media: "screen" });

    // Escape closes it and the app is back.
    await page.keyboard.press("Escape");
    await view.waitFor({ state: "detached" });
    await mapView(page).waitFor();
  });
});
