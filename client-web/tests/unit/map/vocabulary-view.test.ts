// @vitest-environment jsdom
// The map's vocabulary in the map view, against the real CRDT Document (so
// "one undo step" is the document's own): tags and field values in the side
// panel, custom kinds in the palette and the kind selector, style rules drawn
// on the map, in the legend and in the SVG export, and the Vocabulary dialog.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ElementKind, FieldType } from "../../../src/gen/convene/v1/ops_pb";
import { Document } from "../../../src/crdt/document";
import { createMapView, type MapView } from "../../../src/map/map-view";
import { FakeContext, type FakeDocument } from "./fake-doc";
import { installDialogs, openDialog } from "../ui/dialogs";

let view: MapView | undefined;

beforeAll(installDialogs);

afterEach(() => {
  view?.destroy();
  view = undefined;
  document.body.replaceChildren();
});

const GOLD = "#d4a017";

function q<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`nothing matches ${selector}`);
  return found;
}

const byTestId = <T extends Element = HTMLElement>(id: string, root: ParentNode = document) =>
  q<T>(`[data-testid="${id}"]`, root);

function setup(canEdit = true) {
  const doc = new Document(42n);
  const map = doc.createMap("Landscape");
  const a = doc.createElement(map, { label: "Alpha", position: { x: 0, y: 0 } });
  const b = doc.createElement(map, { label: "Beta", position: { x: 200, y: 0 } });
  const link = doc.createConnection(map, a, b, {});
  doc.undoCheckpoint();
  doc.takeChanges();
  const ctx = new FakeContext(doc as unknown as FakeDocument, canEdit);
  // The app's edited(true) closes the document's undo step.
  ctx.edited = (checkpoint?: boolean) => {
    if (checkpoint) doc.undoCheckpoint();
  };
  view = createMapView(ctx);
  document.body.append(view.element);
  view.setViewport({ x: 0, y: 0, zoom: 1 });
  const flush = () => ctx.flush();
  return { doc, ctx, map, a, b, link, flush };
}

/** Selects an element by focusing it, as Tab does. */
function select(id: string): void {
  q<SVGGElement>(`g[data-id="${id}"]`).dispatchEvent(new FocusEvent("focusin", { bubbles: true }));
}

function type(input: HTMLInputElement, text: string, key = "Enter"): void {
  input.value = text;
  input.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
}

function change(field: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, value: string) {
  field.value = value;
  field.dispatchEvent(new Event("change", { bubbles: true }));
}

const chips = () =>
  [...document.querySelectorAll('[data-testid="panel-tag"]')].map((c) =>
    c.getAttribute("data-tag"),
  );

const strokeOf = (id: string) => q(`g[data-id="${id}"] .cv-body`).getAttribute("stroke");

describe("tags in the side panel", () => {
  it("adds with Enter and commas, reuses the map's spelling, removes, one undo step each", () => {
    const { doc, a, b, flush } = setup();
    doc.setTag(b, "Funder", true);
    doc.undoCheckpoint();
    flush();
    select(a);
    const input = byTestId<HTMLInputElement>("panel-tag-input");
    type(input, "funder");
    expect(doc.tagsOf(a)).toEqual(["Funder"]);
    expect(input.value).toBe("");
    type(input, "health, care ", ",");
    expect(doc.tagsOf(a)).toEqual(["Funder", "care", "health"]);
    flush();
    expect(chips()).toEqual(["Funder", "care", "health"]);
    // The box suggests the map's tags not on this element yet.
    q('[data-testid="panel-tag"][data-tag="care"] button').click();
    expect(doc.tagsOf(a)).toEqual(["Funder", "health"]);
    expect(chips()).toEqual(["Funder", "health"]);
    doc.undo();
    expect(doc.tagsOf(a)).toEqual(["Funder", "care", "health"]);
    doc.undo();
    expect(doc.tagsOf(a)).toEqual(["Funder"]);
    flush();
    expect(chips()).toEqual(["Funder"]);
  });

  it("explains a tag it cannot take and tags connections too", () => {
    const { doc, link, flush } = setup();
    // Select the connection through the panel of one of its ends.
    select(doc.connection(link)!.from);
    q<HTMLButtonElement>('[data-testid="panel-connections"] button').click();
    const input = byTestId<HTMLInputElement>("panel-tag-input");
    type(input, "x".repeat(65));
    expect(doc.tagsOf(link)).toEqual([]);
    expect(q(".cv-tag-message").textContent).toMatch(/longer than 64 bytes/);
    type(input, "funding");
    expect(doc.tagsOf(link)).toEqual(["funding"]);
    flush();
    expect(chips()).toEqual(["funding"]);
  });

  it("shows observers the chips without buttons or a box", () => {
    const { doc, a } = (() => {
      const doc = new Document(42n);
      const map = doc.createMap("Read only");
      const a = doc.createElement(map, { label: "Alpha" });
      doc.setTag(a, "funder", true);
      doc.takeChanges();
      const ctx = new FakeContext(doc as unknown as FakeDocument, false);
      view = createMapView(ctx);
      document.body.append(view.element);
      return { doc, a };
    })();
    select(a);
    expect(chips()).toEqual(["funder"]);
    expect(document.querySelector('[data-testid="panel-tag"] button')).toBeNull();
    expect(document.querySelector('[data-testid="panel-tag-input"]')).toBeNull();
    expect(doc.tagsOf(a)).toEqual(["funder"]);
  });
});

describe("custom fields in the side panel", () => {
  it("edits text, number and choice values; empty clears; a bad number is refused", () => {
    const { doc, map, a, flush } = setup();
    const note = doc.createField(map, { name: "Contact", type: FieldType.TEXT });
    const budget = doc.createField(map, { name: "Budget", type: FieldType.NUMBER });
    const stage = doc.createField(map, {
      name: "Stage",
      type: FieldType.CHOICE,
      choices: ["idea", "running"],
    });
    doc.undoCheckpoint();
    flush();
    select(a);
    const editor = (field: string) => q<HTMLInputElement>(`[data-field="${field}"]`);
    expect(
      [
        ...document.querySelectorAll('[data-testid="panel-fields"] .cv-field > span:first-child'),
      ].map((s) => s.textContent),
    ).toEqual(["Contact", "Budget", "Stage"]);
    change(editor(note), "ana@example.org");
    change(editor(budget), "1,5");
    change(q<HTMLSelectElement>(`[data-field="${stage}"]`), "running");
    expect(doc.fieldValue(a, note)).toBe("ana@example.org");
    expect(doc.fieldValue(a, budget)).toBe(1.5);
    expect(doc.fieldValue(a, stage)).toBe("running");
    change(editor(budget), "lots");
    expect(editor(budget).getAttribute("aria-invalid")).toBe("true");
    expect(doc.fieldValue(a, budget)).toBe(1.5);
    change(editor(budget), "");
    change(editor(note), "  ");
    expect(doc.fieldValue(a, budget)).toBeUndefined();
    expect(doc.fieldValue(a, note)).toBeUndefined();
    doc.undo();
    expect(doc.fieldValue(a, note)).toBe("ana@example.org");
    // A remote value appears; a new field appears in the open panel.
    doc.setFieldValue(a, stage, "idea");
    doc.createField(map, { name: "Owner", type: FieldType.TEXT });
    flush();
    expect(q<HTMLSelectElement>(`[data-field="${stage}"]`).value).toBe("idea");
    expect(document.querySelectorAll('[data-testid="panel-field"]')).toHaveLength(4);
  });
});

describe("custom kinds", () => {
  it("are in the palette after the built-in kinds and place elements on their base", () => {
    const { doc, map, flush } = setup();
    const funder = doc.createKind(map, {
      name: "Funder",
      base: ElementKind.NETWORK,
      color: GOLD,
      shape: "diamond",
    });
    doc.undoCheckpoint();
    flush();
    const items = [...document.querySelectorAll(".cv-palette-item")].map((b) => b.textContent);
    expect(items.slice(0, 8)).not.toContain("Funder");
    expect(items.at(-1)).toBe("Funder");
    // From the keyboard: at the centre of the view.
    byTestId(`palette-custom-${funder}`).click();
    const placed = doc.elements(map).find((e) => e.fields.label === "")!;
    expect(placed.fields.kind).toBe(ElementKind.NETWORK);
    expect(doc.customKindOf(placed.id)).toBe(funder);
    flush();
    expect(strokeOf(placed.id)).toBe(GOLD);
    expect(q(`g[data-id="${placed.id}"] path.cv-body`)).toBeTruthy();
    // Without a label it is called by its custom kind's name.
    expect(q(`g[data-id="${placed.id}"] text.cv-label`).textContent).toBe("Funder");
    expect(q(".cv-panel-sub").textContent).toContain("Funder");
    // One undo step takes the element away.
    doc.undo();
    expect(doc.element(placed.id)).toBeUndefined();
  });

  it("are offered by the panel's kind selector", () => {
    const { doc, map, a, flush } = setup();
    const school = doc.createKind(map, { name: "School", base: ElementKind.INSTITUTION });
    doc.undoCheckpoint();
    flush();
    select(a);
    const kind = byTestId<HTMLSelectElement>("panel-kind");
    expect([...kind.options].map((o) => o.textContent)).toContain("School");
    change(kind, `custom:${school}`);
    expect(doc.customKindOf(a)).toBe(school);
    expect(doc.element(a)!.fields.kind).toBe(ElementKind.INSTITUTION);
    change(kind, String(ElementKind.PROJECT));
    expect(doc.customKindOf(a)).toBeUndefined();
    expect(doc.element(a)!.fields.kind).toBe(ElementKind.PROJECT);
    // Both changes of the second pick are one step.
    doc.undo();
    expect(doc.customKindOf(a)).toBe(school);
    expect(doc.element(a)!.fields.kind).toBe(ElementKind.INSTITUTION);
  });
});

describe("style rules on the map", () => {
  it("colour, shape and size what matches; the own colour wins; the legend says so", () => {
    const ids = setup();
    const { doc, map, a, b, flush } = ids;
    const budget = doc.createField(map, {
      name: "Budget",
      type: FieldType.CHOICE,
      choices: ["high"],
    });
    doc.createStyleRule(map, { match: { tag: "funder" }, color: GOLD, order: 0 });
    doc.createStyleRule(map, { match: { field: budget, value: "high" }, size: 2, order: 1 });
    doc.undoCheckpoint();
    flush();
    const before = strokeOf(a);
    expect(before).not.toBe(GOLD);
    doc.setTag(a, "funder", true);
    doc.setFieldValue(a, budget, "high");
    doc.undoCheckpoint();
    flush();
    expect(strokeOf(a)).toBe(GOLD);
    expect(q(`g[data-id="${a}"] circle.cv-body`).getAttribute("r")).toBe("40");
    expect(strokeOf(b)).toBe(before);
    const legend = [...document.querySelectorAll('[data-testid="legend-rule"]')].map(
      (li) => li.textContent,
    );
    expect(legend).toEqual(["tag: funder → gold", "Budget = high → larger"]);
    // An element's own colour beats every rule.
    doc.updateElement(a, { color: "#101010" });
    flush();
    expect(strokeOf(a)).toBe("#101010");
    doc.undo();
    flush();
    expect(strokeOf(a)).toBe(GOLD);
    // A rule's change restyles the map.
    const [rule] = doc.styleRulesOf(map);
    doc.updateStyleRule(rule.id, { color: "#3b6fc0" });
    flush();
    expect(strokeOf(a)).toBe("#3b6fc0");
    // Connections are styled by their tags too: the line's colour, its width scaled.
    const { link } = ids;
    doc.createStyleRule(map, { match: { tag: "money" }, color: "#c9473f", size: 2, order: 5 });
    doc.setTag(link, "money", true);
    flush();
    const line = q(`path.cv-conn-line[data-id="${link}"]`);
    expect(line.getAttribute("stroke")).toBe("#c9473f");
    expect(line.getAttribute("stroke-width")).toBe("3.2");
    // The export draws the same.
    const svg = view!.exportSVG();
    expect(svg).toContain('stroke="#3b6fc0"');
    expect(svg).toContain("tag: funder → blue");
  });

  it("repaints 2,000 elements after a rule changes", () => {
    const { doc, map, flush } = setup();
    const funders = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const e = doc.createElement(map, {
        label: `E${i}`,
        position: { x: (i % 50) * 60, y: i * 2 },
      });
      if (i % 4 === 0) {
        doc.setTag(e, "funder", true);
        funders.add(e);
      }
    }
    flush();
    const rule = doc.createStyleRule(map, { match: { tag: "funder" }, color: GOLD });
    flush();
    doc.updateStyleRule(rule, { color: "#3b6fc0" });
    const start = performance.now();
    flush();
    const elapsed = performance.now() - start;
    // A map this large keeps only what is near the view in the DOM (culling.ts):
    // every funder there has the new colour, and nothing the old one.
    const shown = [...document.querySelectorAll<SVGGElement>(".cv-element[data-id]")];
    const shownFunders = shown.filter((n) => funders.has(n.getAttribute("data-id")!));
    expect(shownFunders.length).toBeGreaterThan(10);
    for (const node of shownFunders)
      expect(node.querySelector(".cv-body")!.getAttribute("stroke")).toBe("#3b6fc0");
    expect(document.querySelectorAll(`.cv-body[stroke="${GOLD}"]`)).toHaveLength(0);
    // jsdom's DOM is far slower than a browser's (resolving the styles alone
    // takes a few ms: style-rules.test.ts); this guards the order of magnitude.
    expect(elapsed).toBeLessThan(5000);
  }, 60_000);
});

describe("the Vocabulary dialog", () => {
  it("defines fields, kinds and rules, each change one undo step", () => {
    const { doc, map, flush } = setup();
    byTestId("map-vocabulary").click();
    const dialog = openDialog("vocabulary-dialog")!;
    expect(dialog).not.toBeNull();
    expect(dialog.textContent).toContain("Landscape");

    byTestId("vocab-add-field", dialog).click();
    const [field] = doc.fieldsOf(map);
    expect(field).toMatchObject({ name: "Field 1", type: FieldType.TEXT });
    change(byTestId<HTMLInputElement>("vocab-field-name", dialog), "Budget");
    change(byTestId<HTMLSelectElement>("vocab-field-type", dialog), String(FieldType.CHOICE));
    change(byTestId<HTMLTextAreaElement>("vocab-field-choices", dialog), "low\n high\n\nlow\n");
    expect(doc.fieldsOf(map)[0]).toMatchObject({
      name: "Budget",
      type: FieldType.CHOICE,
      choices: ["low", "high"],
    });
    doc.undo();
    expect(doc.fieldsOf(map)[0].choices).toEqual([]);
    doc.redo();

    byTestId("vocab-add-kind", dialog).click();
    change(byTestId<HTMLInputElement>("vocab-kind-name", dialog), "Funder");
    change(byTestId<HTMLSelectElement>("vocab-kind-colour", dialog), GOLD);
    change(byTestId<HTMLSelectElement>("vocab-kind-shape", dialog), "diamond");
    expect(doc.kindsOf(map)[0]).toMatchObject({ name: "Funder", color: GOLD, shape: "diamond" });

    change(byTestId<HTMLSelectElement>("vocab-new-rule-match", dialog), "tag");
    const value = byTestId<HTMLInputElement>("vocab-new-rule-value", dialog);
    value.value = "funder";
    byTestId("vocab-add-rule", dialog).click();
    flush();
    change(byTestId<HTMLSelectElement>("vocab-new-rule-match", dialog), field.id);
    value.value = "high";
    byTestId("vocab-add-rule", dialog).click();
    flush();
    let rules = doc.styleRulesOf(map);
    expect(rules.map((r) => r.match)).toEqual([
      { tag: "funder" },
      { field: field.id, value: "high" },
    ]);
    const rows = () => [...dialog.querySelectorAll('[data-testid="vocab-rules"] > li')];
    change(byTestId<HTMLSelectElement>("vocab-rule-size", rows()[1]), "1.5");
    change(byTestId<HTMLSelectElement>("vocab-rule-colour", rows()[1]), "");
    expect(doc.styleRulesOf(map)[1]).toMatchObject({ size: 1.5, color: "" });
    // Up moves the second rule first, as one step.
    byTestId<HTMLButtonElement>("vocab-rule-up", rows()[1]).click();
    flush();
    rules = doc.styleRulesOf(map);
    expect(rules.map((r) => "tag" in r.match)).toEqual([false, true]);
    expect(rows()[0].textContent).toContain("Budget =");
    doc.undo();
    flush();
    expect(doc.styleRulesOf(map).map((r) => "tag" in r.match)).toEqual([true, false]);
    expect(rows()[0].querySelector<HTMLInputElement>('[data-testid="vocab-rule-tag"]')!.value).toBe(
      "funder",
    );
    // The legend lists the kind and the rules.
    expect(document.querySelector('[data-testid="legend-kind"]')!.textContent).toBe("Funder");
    expect(
      [...document.querySelectorAll('[data-testid="legend-rule"]')].map((li) => li.textContent),
    ).toEqual(["tag: funder → gold", "Budget = high → large"]);

    byTestId("vocab-rule-remove", rows()[0]).click();
    flush();
    expect(doc.styleRulesOf(map)).toHaveLength(1);
    expect(rows()).toHaveLength(1);
    byTestId("vocab-done", dialog).click();
    expect(openDialog("vocabulary-dialog")).toBeNull();
  });

  it("refuses a rule without a tag and changes the kind's elements with its base", () => {
    const { doc, map, a, flush } = setup();
    const kind = doc.createKind(map, { name: "Funder", base: ElementKind.INSTITUTION });
    doc.updateElement(a, { kind: ElementKind.INSTITUTION });
    doc.setCustomKind(a, kind);
    doc.undoCheckpoint();
    flush();
    byTestId("map-vocabulary").click();
    const dialog = openDialog("vocabulary-dialog")!;
    byTestId("vocab-add-rule", dialog).click();
    expect(doc.styleRulesOf(map)).toHaveLength(0);
    expect(q(".cv-vocab-message", dialog).textContent).toMatch(/tag/);
    change(byTestId<HTMLSelectElement>("vocab-kind-base", dialog), String(ElementKind.NETWORK));
    expect(doc.kindsOf(map)[0].base).toBe(ElementKind.NETWORK);
    expect(doc.element(a)!.fields.kind).toBe(ElementKind.NETWORK);
    doc.undo();
    expect(doc.kindsOf(map)[0].base).toBe(ElementKind.INSTITUTION);
    expect(doc.element(a)!.fields.kind).toBe(ElementKind.INSTITUTION);
  });

  it("is read-only for observers", () => {
    const doc = new Document(42n);
    const map = doc.createMap("Read only");
    doc.createField(map, { name: "Budget", type: FieldType.TEXT });
    doc.takeChanges();
    view = createMapView(new FakeContext(doc as unknown as FakeDocument, false));
    document.body.append(view.element);
    byTestId("map-vocabulary").click();
    const dialog = openDialog("vocabulary-dialog")!;
    expect(byTestId<HTMLInputElement>("vocab-field-name", dialog).disabled).toBe(true);
    expect(byTestId("vocab-add-field", dialog).hidden).toBe(true);
    expect(byTestId("vocab-add-kind", dialog).hidden).toBe(true);
  });
});
