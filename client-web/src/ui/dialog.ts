// The app's modal dialogs: a <dialog> shown modal, so the browser moves focus
// into it, keeps it there and closes it on Escape; when it closes, it leaves
// the page and focus goes back to what had it before.
import { h } from "./dom";

let dialogs = 0;

/** Shows `dialog` modal until it closes. */
export function showDialog(dialog: HTMLDialogElement): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.addEventListener(
    "close",
    () => {
      dialog.remove();
      if (opener?.isConnected) opener.focus();
    },
    { once: true },
  );
  document.body.append(dialog);
  dialog.showModal();
}

export interface Confirmation {
  title: string;
  /** What will happen, one paragraph each. */
  paragraphs: string[];
  /** The button that does it, named for what it does ("Revoke", "Forget"). */
  confirm: string;
}

/**
 * Asks before something that cannot be undone. Resolves true only when the
 * action's button was pressed; Cancel, Escape and closing say no. Focus
 * starts on Cancel, so a stray Enter does nothing harmful.
 */
export function confirmAction(confirmation: Confirmation): Promise<boolean> {
  const titleId = `confirm-title-${++dialogs}`;
  const dialog = h("dialog", {
    class: "confirm",
    "aria-labelledby": titleId,
    "data-testid": "confirm-dialog",
  });
  const cancel = h(
    "button",
    { type: "button", autofocus: true, "data-testid": "confirm-cancel" },
    "Cancel",
  );
  const ok = h(
    "button",
    { type: "button", class: "danger", "data-testid": "confirm-ok" },
    confirmation.confirm,
  );
  cancel.addEventListener("click", () => dialog.close());
  ok.addEventListener("click", () => dialog.close("ok"));
  dialog.append(
    h("h2", { id: titleId }, confirmation.title),
    ...confirmation.paragraphs.map((text) => h("p", {}, text)),
    h("div", { class: "dialog-actions" }, cancel, ok),
  );
  const answer = new Promise<boolean>((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }),
  );
  showDialog(dialog);
  return answer;
}
