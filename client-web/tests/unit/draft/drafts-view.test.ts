// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createDraftsView, type DraftsView } from "../../../src/draft/drafts-view";
import { FakeContext, FakeDocument, typeInto } from "./fakes";

const byTestId = <T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T[] =>
  Array.from(root.querySelectorAll<T>(`[data-testid="${id}"]`));

/** Lets queued microtasks (re-renders after a name is committed) run. */
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function pressEnter(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(
    new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }),
  );
}

describe("drafts view", () => {
  let ctx: FakeContext;
  let view: DraftsView;

  beforeEach(() => {
    ctx = new FakeContext();
  });

  afterEach(() => {
    view?.destroy();
    document.body.replaceChildren();
  });

  const open = (options?: Parameters<typeof createDraftsView>[1]) => {
    view = createDraftsView(ctx, options);
    document.body.append(view.element);
    return view.element;
  };

  it("offers to start a draft when there is none", async () => {
    const root = open();
    const [start] = byTestId<HTMLButtonElement>(root, "draft-new");
    expect(start.disabled).toBe(false);
    start.click();
    const field = byTestId<HTMLInputElement>(root, "name-input")[0];
    expect(document.activeElement).toBe(field);
    pressEnter(field, "Spring convening");
    await settle();
    expect(ctx.fake.log).toEqual(["createDraft Spring convening"]);
    expect(ctx.editedCalls).toEqual([true]);
    const items = byTestId(root, "draft-item");
    expect(items.map((item) => item.dataset.id)).toEqual([view.currentVariant()]);
    expect(document.activeElement).toBe(byTestId(root, "draft-editor")[0]);
  });

  it("tells an observer there is nothing yet, with no button", () => {
    ctx.canEdit = false;
    const root = open();
    expect(byTestId(root, "draft-new")).toHaveLength(0);
    expect(root.textContent).toContain("No drafts yet");
  });

  it("edits the shown variant's text and sends my caret", () => {
    const draft = ctx.fake.createDraft("Invitation");
    const root = open();
    const editor = byTestId<HTMLTextAreaElement>(root, "draft-editor")[0];
    editor.focus();
    editor.setSelectionRange(0, 0);
    typeInto(editor, "insertText", "Hi");
    expect(ctx.fake.text(draft)).toBe("Hi");
    expect(ctx.editedCalls).toEqual([false]);
    const caret = ctx.presence.at(-1)?.caret;
    expect(caret?.anchor).toBe(2n);
    expect(caret?.head).toBe(2n);
    expect(caret?.variant).toEqual({ replica: 1n, counter: 1n });
  });

  it("shows variants as tabs, Base first, and makes a new variant from the shown one", async () => {
    const draft = ctx.fake.createDraft("Invitation");
    ctx.fake.insertText(draft, 0, "Dear all");
    const root = open();
    byTestId<HTMLButtonElement>(root, "variant-new")[0].click();
    pressEnter(byTestId<HTMLInputElement>(root, "name-input")[0], "Funders");
    await settle();
    expect(ctx.fake.log.at(-1)).toBe(`createVariant Funders from ${draft}`);
    const tabs = byTestId(root, "variant-tab");
    expect(tabs.map((t) => t.textContent)).toEqual(["Base", "Funders"]);
    expect(tabs[1].getAttribute("aria-selected")).toBe("true");
    expect(view.currentVariant()).toBe(tabs[1].dataset.id);
    expect(byTestId<HTMLTextAreaElement>(root, "draft-editor")[0].value).toBe("Dear all");
  });

  it("keeps my selection when someone else's edit arrives", () => {
    const draft = ctx.fake.createDraft("Invitation");
    ctx.fake.insertText(draft, 0, "Dear all,");
    ctx.fake.takeChanges();
    const root = open();
    const editor = byTestId<HTMLTextAreaElement>(root, "draft-editor")[0];
    editor.focus();
    editor.setSelectionRange(5, 8);
    editor.dispatchEvent(new Event("select"));
    ctx.fake.remote(() => ctx.fake.insertText(draft, 0, "Hello! "));
    ctx.flush();
    expect(editor.value).toBe("Hello! Dear all,");
    expect(editor.value.slice(editor.selectionStart, editor.selectionEnd)).toBe("all");
  });

  it("renames and deletes with a confirming second click", () => {
    const draft = ctx.fake.createDraft("Invitation");
    const root = open();
    const item = byTestId(root, "draft-item")[0];
    const remove = item.querySelector<HTMLButtonElement>('[aria-label="Delete Invitation"]')!;
    remove.click();
    expect(ctx.fake.log).toEqual(["createDraft Invitation"]);
    root.querySelector<HTMLButtonElement>(".armed")!.click();
    expect(ctx.fake.log.at(-1)).toBe(`remove ${draft}`);
    ctx.flush();
    expect(byTestId(root, "draft-item")).toHaveLength(0);
    expect(byTestId(root, "draft-new")).toHaveLength(1);
  });

  it("renames a draft and a variant in place", async () => {
    const draft = ctx.fake.createDraft("Invitation");
    const funders = ctx.fake.createVariant(draft, "Funders", draft);
    const root = open();
    byTestId(root, "draft-item")[0]
      .querySelector<HTMLButtonElement>('[aria-label="Rename Invitation"]')!
      .click();
    pressEnter(byTestId<HTMLInputElement>(root, "name-input")[0], "  Spring   invitation ");
    await settle();
    expect(ctx.fake.log.at(-1)).toBe(`rename ${draft} Spring invitation`);
    expect(root.querySelector(".draft-title")?.textContent).toBe("Spring invitation");

    byTestId(root, "variant-tab")[1].click();
    root.querySelector<HTMLButtonElement>('[aria-label="Rename variant Funders"]')!.click();
    const field = byTestId<HTMLInputElement>(root, "name-input")[0];
    field.value = "Board";
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await settle();
    expect(ctx.fake.log.at(-1)).toBe(`rename ${draft} Spring invitation`);
    expect(byTestId(root, "variant-tab").map((t) => t.textContent)).toEqual(["Base", "Funders"]);
    expect(byTestId(root, "variant-tab")[1].dataset.id).toBe(funders);
  });

  it("lets a click that ends a rename elsewhere still reach its button", async () => {
    ctx.fake.createDraft("Invitation");
    const root = open();
    byTestId(root, "draft-item")[0]
      .querySelector<HTMLButtonElement>('[aria-label="Rename Invitation"]')!
      .click();
    const newVariant = byTestId<HTMLButtonElement>(root, "variant-new")[0];
    // Pressing the mouse on "New variant" blurs the field first...
    const field = byTestId<HTMLInputElement>(root, "name-input")[0];
    field.value = "Invitation 2026";
    field.dispatchEvent(new FocusEvent("blur"));
    await settle();
    // ...and the click lands on the button pressed, still in the page.
    expect(newVariant.isConnected).toBe(true);
    newVariant.click();
    expect(root.querySelector(".variant-tabs [data-testid=name-input]")).not.toBeNull();
    expect(ctx.fake.log.at(-1)).toMatch(/^rename .* Invitation 2026$/);
  });

  it("enables the controls when an observer becomes a participant", () => {
    ctx.fake.createDraft("Invitation");
    ctx.canEdit = false;
    const root = open();
    ctx.canEdit = true;
    ctx.presenceChanged();
    expect(byTestId<HTMLButtonElement>(root, "variant-new")[0].disabled).toBe(false);
    expect(byTestId<HTMLTextAreaElement>(root, "draft-editor")[0].readOnly).toBe(false);
  });

  it("disables every control for observers, visibly", () => {
    ctx.fake.createDraft("Invitation");
    ctx.canEdit = false;
    const root = open();
    const editor = byTestId<HTMLTextAreaElement>(root, "draft-editor")[0];
    expect(editor.readOnly).toBe(true);
    expect(byTestId<HTMLButtonElement>(root, "draft-new")[0].disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>(root, "variant-new")[0].disabled).toBe(true);
    expect(root.querySelector(".draft-badge")?.hasAttribute("hidden")).toBe(false);
    expect(root.hasAttribute("data-readonly")).toBe(true);
  });

  it("draws others' carets in this variant only", async () => {
    const draft = ctx.fake.createDraft("Invitation");
    ctx.fake.insertText(draft, 0, "Dear all,");
    const other = ctx.fake.createVariant(draft, "Funders", draft);
    const variantId = (key: string) => {
      const [replica, counter] = key.split(":").map(BigInt);
      return { replica, counter };
    };
    ctx.others = [
      {
        id: "bb02",
        name: "Ana",
        colour: "#cc3366",
        role: "participant",
        presence: { caret: { variant: variantId(draft), anchor: 2n, head: 5n } } as never,
      },
      {
        id: "cc03",
        name: "Ben",
        colour: "#33aa66",
        role: "participant",
        presence: { caret: { variant: variantId(other), anchor: 1n, head: 1n } } as never,
      },
    ];
    // jsdom lays nothing out; measuring a selection needs ranges to have rects.
    Object.defineProperty(Range.prototype, "getClientRects", {
      configurable: true,
      value: () => [] as unknown as DOMRectList,
    });
    const root = open();
    ctx.presenceChanged();
    await vi.waitFor(() => expect(byTestId(root, "remote-caret")).toHaveLength(1));
    const caret = byTestId(root, "remote-caret")[0];
    expect(caret.dataset.member).toBe("bb02");
    expect(caret.textContent).toBe("Ana");
  });

  it("previews the text as sanitised Markdown", async () => {
    const draft = ctx.fake.createDraft("Invitation");
    ctx.fake.insertText(
      draft,
      0,
      "# Welcome\n\n<img src=x onerror=alert(1)><script>alert(2)</script>",
    );
    const root = open();
    const preview = byTestId(root, "draft-preview")[0];
    expect(preview.querySelector("h1")?.textContent).toBe("Welcome");
    expect(preview.querySelector("script")).toBeNull();
    expect(preview.querySelector("img")?.hasAttribute("onerror")).toBe(false);
  });

  it("compares two variants side by side", () => {
    const draft = ctx.fake.createDraft("Invitation");
    ctx.fake.insertText(draft, 0, "Join us in Leeds");
    const funders = ctx.fake.createVariant(draft, "Funders", draft);
    ctx.fake.deleteText(funders, 11, 5);
    ctx.fake.insertText(funders, 11, "York");
    const root = open();
    const compareButton = Array.from(root.querySelectorAll("button")).find(
      (b) => b.textContent === "Compare",
    )!;
    compareButton.click();
    const compare = byTestId(root, "draft-compare")[0];
    expect(compare.hidden).toBe(false);
    expect(compare.querySelector("del")?.textContent).toBe("Leeds");
    expect(compare.querySelector("ins")?.textContent).toBe("York");
  });

  it("exports a variant as Markdown", () => {
    const draft = ctx.fake.createDraft("Spring convening");
    ctx.fake.insertText(draft, 0, "Hello");
    open();
    expect(view.exportMarkdown(draft)).toEqual({
      filename: "spring-convening.md",
      text: "Hello\n",
    });
  });

  it("shows an earlier state read-only and leaves presence alone", () => {
    const history = new FakeDocument();
    const draft = history.createDraft("Old");
    history.insertText(draft, 0, "Once");
    const root = open({ doc: history.asDocument(), readOnly: true });
    const editor = byTestId<HTMLTextAreaElement>(root, "draft-editor")[0];
    expect(editor.value).toBe("Once");
    expect(editor.readOnly).toBe(true);
    editor.focus();
    editor.setSelectionRange(1, 2);
    editor.dispatchEvent(new Event("select"));
    expect(ctx.presence).toEqual([]);
  });

  it("stops listening when destroyed", () => {
    ctx.fake.createDraft("Invitation");
    open();
    expect(ctx.listenerCount()).toBe(2);
    view.destroy();
    expect(ctx.listenerCount()).toBe(0);
    expect(view.element.isConnected).toBe(false);
  });
});
