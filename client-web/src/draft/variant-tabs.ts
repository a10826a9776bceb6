// A draft's variants as tabs: the base first, then one per audience, and
// "New variant" copying the one shown.

import type { IdKey, VariantView } from "../crdt/api";
import { button, el, icon } from "./dom";
import { nameField } from "./name-field";
import { isRenaming, type ListControls } from "./naming";

export interface TabsModel {
  draft: IdKey;
  variants: VariantView[];
  current: IdKey | undefined;
  open(variant: IdKey): void;
}

/** The base variant has the draft's id; it is shown as "Base". */
export function variantLabel(variant: VariantView): string {
  return variant.id === variant.draft ? "Base" : variant.name || "Untitled";
}

/** Base first, then the others in the document's order. */
export function orderedVariants(variants: VariantView[]): VariantView[] {
  const base = variants.filter((v) => v.id === v.draft);
  return [...base, ...variants.filter((v) => v.id !== v.draft)];
}

export function renderTabs(model: TabsModel, controls: ListControls): HTMLElement {
  // The tab list holds the tabs alone (a rename field in place of one while
  // renaming); the selected variant's actions and "New variant" follow it.
  const list = el("div", { class: "variant-tablist", role: "tablist", "aria-label": "Variants" });
  const bar = el("div", { class: "variant-tabs" }, list);
  const variants = orderedVariants(model.variants);
  for (const variant of variants) list.append(tab(variant, model, controls));
  const selected = variants.find((v) => v.id === model.current);
  if (selected && selected.id !== selected.draft && !isRenaming(controls.naming, selected.id))
    bar.append(...variantActions(selected, controls));
  if (controls.naming?.kind === "new-variant") {
    const naming = { kind: "new-variant" } as const;
    bar.append(
      el(
        "div",
        { class: "variant-tab-wrap naming" },
        nameField({
          initial: "",
          placeholder: "Audience, e.g. Funders",
          label: "New variant name",
          commit: (name) => controls.commitName(naming, name),
          cancel: () => controls.cancelNaming(),
        }),
      ),
    );
  }
  bar.append(
    button(
      el("span", { class: "draft-button-label" }, icon("copy"), "New variant"),
      () => controls.startNaming({ kind: "new-variant" }),
      {
        class: "variant-new",
        "data-testid": "variant-new",
        title: "New variant from this one (copies its text)",
        disabled: !controls.canEdit || model.current === undefined,
      },
    ),
  );
  list.addEventListener("keydown", (event) => moveFocus(event, list));
  return bar;
}

function tab(variant: VariantView, model: TabsModel, controls: ListControls): HTMLElement {
  const selected = variant.id === model.current;
  const wrap = el("div", { class: selected ? "variant-tab-wrap selected" : "variant-tab-wrap" });
  if (isRenaming(controls.naming, variant.id)) {
    const naming = { kind: "rename", id: variant.id } as const;
    wrap.append(
      nameField({
        initial: variant.name,
        placeholder: "Variant name",
        label: "Rename variant",
        commit: (name) => controls.commitName(naming, name),
        cancel: () => controls.cancelNaming(),
      }),
    );
    return wrap;
  }
  const isBase = variant.id === variant.draft;
  const label = button(variantLabel(variant), () => model.open(variant.id), {
    class: isBase ? "variant-tab base" : "variant-tab",
    role: "tab",
    "data-testid": "variant-tab",
    "data-id": variant.id,
    "aria-selected": selected ? "true" : "false",
    tabindex: selected ? 0 : -1,
    title: isBase ? "The base text every variant starts from" : `Variant for ${variant.name}`,
  });
  if (!isBase && controls.canEdit) {
    label.addEventListener("dblclick", () =>
      controls.startNaming({ kind: "rename", id: variant.id }),
    );
  }
  wrap.append(label);
  return wrap;
}

function variantActions(variant: VariantView, controls: ListControls): HTMLElement[] {
  const armed = controls.armedDelete === variant.id;
  return [
    button(icon("pencil"), () => controls.startNaming({ kind: "rename", id: variant.id }), {
      class: "draft-icon-button small",
      title: "Rename variant",
      "aria-label": `Rename variant ${variant.name}`,
      disabled: !controls.canEdit,
    }),
    button(armed ? "Delete?" : icon("trash"), () => controls.requestDelete(variant.id), {
      class: armed ? "draft-icon-button small danger armed" : "draft-icon-button small danger",
      title: armed ? "Click again to delete this variant" : "Delete variant",
      "aria-label": armed
        ? `Confirm deleting variant ${variant.name}`
        : `Delete variant ${variant.name}`,
      disabled: !controls.canEdit,
    }),
  ];
}

/** Arrow keys move between tabs, as in any tab list. */
function moveFocus(event: KeyboardEvent, list: HTMLElement): void {
  if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
  const tabs = Array.from(list.querySelectorAll<HTMLButtonElement>('[role="tab"]'));
  const index = tabs.indexOf(event.target as HTMLButtonElement);
  if (index < 0) return;
  const next = tabs[(index + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
  next.focus();
  next.click();
  event.preventDefault();
}
