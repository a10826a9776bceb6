// The "Invite" dialog: links that admit participants and observers, copied to
// the clipboard, and for conveners the convener links of co-conveners
// (convener-links.ts). Revoking a link stops it at once; the app says what
// that does and asks first.
import { inviteLink, revokeInvite } from "./api-client";
import type { RoleName } from "./context";
import { ConvenerLinks, REVOCATION_EFFECT } from "./convener-links";
import { confirmAction, showDialog } from "./dialog";
import { copyText, h, showToast, whileBusy } from "./dom";
import { loadInvites } from "./saved-links";

type InviteKind = "participant" | "observer";

const KINDS: [InviteKind, string, string][] = [
  ["participant", "Participants", "Participants can edit the map and the drafts."],
  ["observer", "Observers", "Observers see everything live but cannot edit."],
];

export function openShareDialog(
  convening: string,
  role: RoleName | undefined,
  myToken: string,
): void {
  const dialog = h("dialog", {
    class: "share",
    "aria-labelledby": "share-title",
    "data-testid": "share-dialog",
  });
  const invites = loadInvites(convening);
  const sections = KINDS.map(([kind, heading, explanation]) =>
    inviteSection({ convening, kind, heading, explanation, token: invites[kind], role, myToken }),
  );
  if (role === "convener") sections.push(new ConvenerLinks(convening, myToken).element);
  const close = h("button", { class: "primary", type: "button" }, "Done");
  close.addEventListener("click", () => dialog.close());
  dialog.append(
    h("h2", { id: "share-title" }, "Invite people"),
    h(
      "p",
      { class: "hint" },
      "Anyone with a link joins with its role. Links carry their key after #, which " +
        "browsers never send to servers.",
    ),
    ...sections,
    h("div", { class: "dialog-actions" }, close),
  );
  showDialog(dialog);
}

interface InviteSection {
  convening: string;
  kind: InviteKind;
  heading: string;
  explanation: string;
  token: string | undefined;
  role: RoleName | undefined;
  myToken: string;
}

function inviteSection(s: InviteSection): HTMLElement {
  const field = h("input", {
    type: "text",
    readonly: true,
    value: s.token ? inviteLink(s.convening, s.token) : "",
    placeholder: "Not kept in this browser",
    "aria-label": `${s.heading}' link`,
    "data-testid": `invite-${s.kind}`,
  });
  const copy = h(
    "button",
    { type: "button", disabled: !s.token, "data-testid": `copy-${s.kind}` },
    "Copy",
  );
  copy.addEventListener("click", () => void copyText(field.value, field));
  const row = h("div", { class: "invite-row" }, field, copy);
  const section = h(
    "section",
    { class: "invite-kind" },
    h("h3", {}, s.heading),
    h("p", { class: "hint" }, s.explanation),
    row,
  );
  if (s.role !== "convener") return section;
  const revoke = h(
    "button",
    { type: "button", class: "quiet", "data-testid": `revoke-${s.kind}` },
    s.token ? "Revoke and replace" : "Make a new link",
  );
  revoke.addEventListener("click", () => {
    void whileBusy(revoke, async () => {
      try {
        const fresh = await replaceInvite(s);
        if (!fresh) return;
        field.value = inviteLink(s.convening, fresh);
        copy.disabled = false;
        revoke.textContent = "Revoke and replace";
      } catch (e) {
        showToast(e instanceof Error ? e.message : String(e), "error");
      }
    });
  });
  row.append(revoke);
  return section;
}

/**
 * Revokes the invite in force and returns the one that replaces it, after
 * asking; undefined when the convener thought better of it. A co-convener's
 * browser may hold no copy of the link in force, but people may have joined
 * with it all the same: they are asked too.
 */
async function replaceInvite(s: InviteSection): Promise<string | undefined> {
  const confirmed = await confirmAction({
    title: `Revoke the ${s.kind} link?`,
    paragraphs: [
      `${REVOCATION_EFFECT} A new link replaces it: send it to the ${s.kind}s who should stay.`,
    ],
    confirm: "Revoke and replace",
  });
  if (!confirmed) return undefined;
  const fresh = await revokeInvite(s.convening, s.kind, s.myToken);
  showToast(`The old ${s.kind} link no longer works.`);
  return fresh;
}
