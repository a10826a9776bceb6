// The conveners part of the Invite dialog: named convener links, one per
// co-convener or device ("Ana's laptop", "Sam"), so that one can be revoked
// without the others. Whoever holds a convener link can do everything a
// convener can, revoking other convener links included.
import {
  addConvenerLink,
  listConvenerLinks,
  MAX_LINK_NAME,
  revokeConvenerLink,
  type ConvenerLink,
} from "./access-api";
import { inviteLink } from "./api-client";
import { confirmAction } from "./dialog";
import { copyText, h, limitCodePoints, whileBusy } from "./dom";
import { loadConvenerLinkTokens } from "./saved-links";

/** What revoking any link does, said before anyone revokes one. */
export const REVOCATION_EFFECT =
  "Everyone who joined with this link is disconnected at once, and their copy of the " +
  "convening on their device is deleted.";

export class ConvenerLinks {
  readonly element: HTMLElement;
  private readonly list = h("ul", {
    class: "link-list",
    tabindex: -1,
    "aria-label": "Convener links",
    "data-testid": "convener-links",
  });
  private readonly error = h("p", { class: "form-error", role: "alert" });
  /** The link just added, to copy at once. */
  private readonly fresh = h("div", { class: "fresh-link", hidden: true });

  constructor(
    private readonly convening: string,
    private readonly myToken: string,
  ) {
    this.element = h(
      "section",
      { class: "convener-links" },
      h("h3", {}, "Conveners"),
      h(
        "p",
        { class: "hint" },
        "Co-conveners can do everything you can: invite, revoke links, and withdraw yours. " +
          "Give each person or device a link of its own, so one can be revoked alone.",
      ),
      this.list,
      this.addForm(),
      this.fresh,
      this.error,
    );
    this.list.append(h("li", { class: "hint" }, "Loading the convener links…"));
    void this.refresh(listConvenerLinks(convening, myToken));
  }

  private addForm(): HTMLElement {
    const name = h("input", {
      type: "text",
      id: "convener-link-name",
      required: true,
      placeholder: "e.g. Sam, or Ana's laptop",
      "data-testid": "convener-link-name",
    });
    limitCodePoints(name, MAX_LINK_NAME);
    const add = h(
      "button",
      { type: "submit", "data-testid": "convener-link-add" },
      "Add a co-convener link",
    );
    const form = h(
      "form",
      { class: "add-link" },
      h("label", { for: "convener-link-name" }, "Name a new convener link"),
      h("div", { class: "invite-row" }, name, add),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = name.value.trim();
      if (!value) return void (this.error.textContent = "Name the link: whose, or which device.");
      void whileBusy(add, async () => {
        if (await this.add(value)) name.value = "";
      });
    });
    return form;
  }

  /** Adds a link named `name`; false if the server would not. */
  private async add(name: string): Promise<boolean> {
    try {
      const link = await addConvenerLink(this.convening, this.myToken, name);
      this.showFresh(link.name, inviteLink(this.convening, link.token));
    } catch (e) {
      this.fail(e);
      return false;
    }
    await this.refresh(listConvenerLinks(this.convening, this.myToken));
    return true;
  }

  /** Shows the links `links` resolves to, or what went wrong. */
  private async refresh(links: Promise<ConvenerLink[]>): Promise<void> {
    try {
      // Oldest first: the convening's own first link on top, new ones below it.
      const shown = [...(await links)].sort((a, b) => a.createdMs - b.createdMs);
      this.error.textContent = "";
      this.list.replaceChildren(...shown.map((link) => this.row(link)));
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    this.error.textContent = e instanceof Error ? e.message : String(e);
  }

  private showFresh(name: string, link: string): void {
    const field = h("input", {
      type: "text",
      readonly: true,
      value: link,
      "aria-label": `The link for ${name}`,
      "data-testid": "convener-link-fresh",
    });
    const copy = h("button", { type: "button" }, "Copy");
    copy.addEventListener("click", () => void copyText(link, field));
    this.fresh.replaceChildren(
      h("p", { class: "hint" }, `The link for ${name} — send it to them alone:`),
      h("div", { class: "invite-row" }, field, copy),
    );
    this.fresh.hidden = false;
  }

  private row(link: ConvenerLink): HTMLElement {
    const state = link.revoked ? "Revoked" : link.current ? "Active · this browser" : "Active";
    const item = h(
      "li",
      {
        class: "link-item",
        "data-testid": "convener-link",
        "data-state": link.revoked ? "revoked" : "active",
      },
      h(
        "div",
        { class: "link-text" },
        h("span", { class: "link-name" }, link.name),
        h("span", { class: "link-state" }, state),
      ),
    );
    if (link.revoked) return item;
    const token = link.current ? this.myToken : loadConvenerLinkTokens(this.convening)[link.id];
    const field = h("input", { type: "text", readonly: true, hidden: true, "aria-label": "Link" });
    const copy = h(
      "button",
      {
        type: "button",
        disabled: !token,
        title: token ? undefined : "Only the browser that added this link can copy it",
        "aria-label": `Copy the link ${link.name}`,
      },
      "Copy",
    );
    copy.addEventListener("click", () => void copyText(inviteLink(this.convening, token), field));
    const revoke = h(
      "button",
      {
        type: "button",
        class: "quiet",
        "aria-label": `Revoke ${link.name}`,
        "data-testid": "convener-link-revoke",
      },
      "Revoke",
    );
    revoke.addEventListener("click", () => void whileBusy(revoke, () => this.revoke(link)));
    item.append(h("div", { class: "link-actions" }, copy, revoke), field);
    return item;
  }

  private async revoke(link: ConvenerLink): Promise<void> {
    const paragraphs = [
      `${REVOCATION_EFFECT} Add a new link for them if they should go on convening.`,
    ];
    if (link.current) {
      paragraphs.push("This browser uses this link: you lose access here too.");
    }
    const confirmed = await confirmAction({
      title: `Revoke the convener link “${link.name}”?`,
      paragraphs,
      confirm: "Revoke",
    });
    if (!confirmed) return;
    await this.refresh(revokeConvenerLink(this.convening, this.myToken, link.id));
    // The row and its button are gone: focus stays in the list.
    this.list.focus();
  }
}
