// The list of drafts: open one, start a new one, rename or delete.

import type { IdKey, NamedView } from "../crdt/api";
import { button, el, icon } from "./dom";
import { nameField } from "./name-field";
import { isRenaming, type ListControls } from "./naming";

export interface SidebarModel {
  drafts: NamedView[];
  current: IdKey | undefined;
  variantCount(draft: IdKey): number;
  open(draft: IdKey): void;
}

export function renderSidebar(model: SidebarModel, controls: ListControls): HTMLElement {
  const newButton = button(
    el("span", { class: "draft-button-label" }, icon("plus"), "New draft"),
    () => controls.startNaming({ kind: "new-draft" }),
    {
      class: "draft-button draft-button-primary",
      "data-testid": "draft-new",
      disabled: !controls.canEdit,
      title: controls.canEdit ? "Start a new draft" : "Observers cannot create drafts",
    },
  );
  const head = el("div", { class: "drafts-sidebar-head" }, el("h2", {}, "Drafts"), newButton);
  const list = el("ul", { class: "drafts-list", "aria-label": "Drafts" });
  if (controls.naming?.kind === "new-draft") {
    list.append(el("li", { class: "draft-item draft-item-naming" }, newDraftField(controls)));
  }
  for (const draft of model.drafts) list.append(draftItem(draft, model, controls));
  return el("aside", { class: "drafts-sidebar" }, head, list);
}

function newDraftField(controls: ListControls): HTMLInputElement {
  const naming = { kind: "new-draft" } as const;
  return nameField({
    initial: "",
    placeholder: "Name the draft, then Enter",
    label: "New draft name",
    commit: (name) => controls.commitName(naming, name),
    cancel: () => controls.cancelNaming(),
  });
}

function draftItem(draft: NamedView, model: SidebarModel, controls: ListControls): HTMLLIElement {
  const current = draft.id === model.current;
  const item = el("li", {
    class: current ? "draft-item current" : "draft-item",
    "data-testid": "draft-item",
    "data-id": draft.id,
  });
  if (isRenaming(controls.naming, draft.id)) {
    const naming = { kind: "rename", id: draft.id } as const;
    item.append(
      nameField({
        initial: draft.name,
        placeholder: "Draft name",
        label: "Rename draft",
        commit: (name) => controls.commitName(naming, name),
        cancel: () => controls.cancelNaming(),
      }),
    );
    return item;
  }
  const others = model.variantCount(draft.id) - 1;
  const open = button(
    el(
      "span",
      { class: "draft-item-text" },
      el("span", { class: "draft-item-name" }, draft.name || "Untitled"),
      el(
        "span",
        { class: "draft-item-meta" },
        others <= 0 ? "Base only" : others === 1 ? "Base + 1 variant" : `Base + ${others} variants`,
      ),
    ),
    () => model.open(draft.id),
    { class: "draft-open", "aria-current": current ? "true" : undefined },
  );
  item.append(open, draftActions(draft, controls));
  return item;
}

function draftActions(draft: NamedView, controls: ListControls): HTMLElement {
  const armed = controls.armedDelete === draft.id;
  const rename = button(
    icon("pencil"),
    () => controls.startNaming({ kind: "rename", id: draft.id }),
    {
      class: "draft-icon-button",
      title: "Rename draft",
      "aria-label": `Rename ${draft.name}`,
      disabled: !controls.canEdit,
    },
  );
  const remove = button(armed ? "Delete?" : icon("trash"), () => controls.requestDelete(draft.id), {
    class: armed ? "draft-icon-button danger armed" : "draft-icon-button danger",
    title: armed ? "Click again to delete this draft" : "Delete draft",
    "aria-label": armed ? `Confirm deleting ${draft.name}` : `Delete ${draft.name}`,
    disabled: !controls.canEdit,
  });
  return el("div", { class: "draft-item-actions" }, rename, remove);
}
