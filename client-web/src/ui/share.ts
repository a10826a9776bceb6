// The "Invite" dialog: links that admit participants and observers, copied to
// the clipboard; the convener can revoke a link (it stops working at once and
// a new one replaces it).
import { inviteLink, loadInvites, revokeInvite } from "./api-client";
import type { RoleName } from "./context";
import { h, showToast } from "./dom";

const KINDS = [
  ["participant", "Participants can edit the map and the drafts."],
  ["observer", "Observers see everything live but cannot edit."],
] as const;

export function openShareDialog(
  convening: string,
  role: RoleName | undefined,
  myToken: string,
): void {
  const dialog = h("dialog", { "data-testid": "share-dialog" });
  const invites = loadInvites(convening);
  const rows = h("div", {});
  for (const [kind, explanation] of KINDS) {
    const token = invites[kind];
    const field = h("input", {
      type: "text",
      readonly: true,
      value: token ? inviteLink(convening, token) : "",
      placeholder: "Only the convener's browser holds this link",
      "data-testid": `invite-${kind}`,
    });
    const copy = h("button", { disabled: !token, "data-testid": `copy-${kind}` }, "Copy");
    copy.addEventListener("click", () => void copyText(field.value));
    const revoke = h(
      "button",
      { class: "quiet", disabled: role !== "convener", "data-testid": `revoke-${kind}` },
      token ? "Revoke and replace" : "Make a new link",
    );
    revoke.addEventListener("click", () => {
      revoke.disabled = true;
      revokeInvite(convening, kind, myToken)
        .then((fresh) => {
          field.value = inviteLink(convening, fresh);
          copy.disabled = false;
          showToast(`The old ${kind} link no longer works.`);
        })
        .catch((e: unknown) => showToast(e instanceof Error ? e.message : String(e), "error"))
        .finally(() => (revoke.disabled = role !== "convener"));
    });
    rows.append(
      h("h3", {}, kind === "participant" ? "Participants" : "Observers"),
      h("p", { class: "hint" }, explanation),
      h("div", { class: "invite-row" }, field, copy),
    );
    if (role === "convener") rows.append(revoke);
  }
  const close = h("button", { class: "primary" }, "Done");
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  dialog.append(
    h("h2", {}, "Invite people"),
    h(
      "p",
      { class: "hint" },
      "Anyone with a link joins with its role. Links carry their key after #, which " +
        "browsers never send to servers.",
    ),
    rows,
    h("div", { class: "dialog-actions" }, close),
  );
  document.body.append(dialog);
  dialog.showModal();
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    showToast("Link copied");
  } catch {
    showToast("Copy the link from the field", "error");
  }
}
