// Naming a saved view: the app's own modal dialog (ui/dialog.ts) with one
// text field and, when asked for, one checkbox. Enter or the action button
// answers; Cancel, Escape and an empty name answer nothing.
import { VOCABULARY_NAME_BYTES } from "../crdt/limits";
import { showDialog } from "../ui/dialog";
import { htmlEl } from "./dom";

let dialogs = 0;

export interface NameRequest {
  title: string;
  /** The field's starting text, selected. */
  name: string;
  /** The button that answers ("Save", "Rename"). */
  action: string;
  /** A checkbox's label, e.g. "Highlight the selection" (none when absent). */
  checkbox?: string;
}

export interface NameAnswer {
  name: string;
  /** Whether the checkbox was ticked. */
  highlight: boolean;
}

export function askViewName(request: NameRequest): Promise<NameAnswer | undefined> {
  const titleId = `view-name-title-${++dialogs}`;
  const dialog = htmlEl("dialog", {
    class: "confirm cv-view-dialog",
    "aria-labelledby": titleId,
    "data-testid": "view-name-dialog",
  });
  const input = htmlEl("input", {
    type: "text",
    "data-testid": "view-name",
    "aria-label": "View name",
    maxlength: VOCABULARY_NAME_BYTES,
    autofocus: true,
    required: true,
  });
  input.value = request.name;
  const cancel = htmlEl("button", { type: "button", "data-testid": "view-name-cancel" }, [
    "Cancel",
  ]);
  const ok = htmlEl("button", { type: "submit", class: "primary", "data-testid": "view-name-ok" }, [
    request.action,
  ]);
  const check = htmlEl("input", { type: "checkbox", "data-testid": "view-highlight" });
  const form = htmlEl("form", { method: "dialog" }, [
    htmlEl("label", { class: "cv-view-dialog-label" }, ["Name", input]),
    ...(request.checkbox
      ? [htmlEl("label", { class: "cv-view-dialog-check" }, [check, request.checkbox])]
      : []),
    htmlEl("div", { class: "dialog-actions" }, [cancel, ok]),
  ]);
  cancel.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (input.value.trim()) dialog.close("ok");
    else input.focus();
  });
  dialog.append(htmlEl("h2", { id: titleId }, [request.title]), form);
  const answer = new Promise<NameAnswer | undefined>((resolve) =>
    dialog.addEventListener(
      "close",
      () =>
        resolve(
          dialog.returnValue === "ok"
            ? { name: input.value.trim(), highlight: check.checked }
            : undefined,
        ),
      { once: true },
    ),
  );
  showDialog(dialog);
  input.select();
  return answer;
}
