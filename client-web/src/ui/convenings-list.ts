// "Your convenings" on the start page: the convenings this browser belongs
// to, as it stores them (local-store.ts), the most recently active first.
// Each opens its convening, offline too, and can be forgotten on this device.
import type { JoinRecord, LocalStore } from "../net/local-store";
import { confirmAction } from "./dialog";
import { h } from "./dom";
import { brand } from "./pages";
import { forgetSavedLinks } from "./saved-links";

const ROLE_LABELS: Record<string, string> = {
  convener: "Convener",
  participant: "Participant",
  observer: "Observer",
};

export class ConveningsList {
  /** Hidden while this browser belongs to no convening. */
  readonly element: HTMLElement;
  private readonly heading = h("h2", { id: "yours-title", tabindex: -1 }, "Your convenings");
  private readonly list = h("ul", { class: "convening-list" });

  constructor(
    private readonly store: LocalStore,
    private readonly now: () => number = Date.now,
  ) {
    this.element = h(
      "section",
      {
        class: "card convenings",
        hidden: true,
        "aria-labelledby": "yours-title",
        "data-testid": "convenings",
      },
      brand(),
      this.heading,
      h("p", { class: "hint" }, "Kept in this browser, the most recently active first."),
      this.list,
    );
  }

  /** Reads the convenings from the store and shows them. */
  async load(): Promise<void> {
    const joins = (await this.store.joins())
      .filter((join) => join.token)
      .sort((a, b) => b.updatedMs - a.updatedMs);
    this.list.replaceChildren(...joins.map((join) => this.item(join)));
    this.element.hidden = joins.length === 0;
  }

  private item(join: JoinRecord): HTMLElement {
    const name = join.conveningName || `Convening ${join.convening}`;
    const open = h(
      "a",
      {
        class: "convening-open",
        href: `/c/${encodeURIComponent(join.convening)}`,
        "data-testid": "convening-open",
      },
      h("span", { class: "convening-name" }, name),
      h(
        "span",
        { class: "convening-meta" },
        h(
          "span",
          { "data-testid": "convening-role" },
          ROLE_LABELS[join.role] ?? "Role not known yet",
        ),
        " · ",
        activityTime(join.updatedMs, this.now()),
      ),
    );
    const forget = h(
      "button",
      {
        type: "button",
        class: "quiet",
        "aria-label": `Forget ${name} on this device`,
        "data-testid": "convening-forget",
      },
      "Forget",
    );
    const item = h("li", { "data-convening": join.convening }, open, forget);
    forget.addEventListener("click", () => void this.forget(join.convening, name, item));
    return item;
  }

  /** Deletes this browser's copy of a convening, after saying what that loses. */
  private async forget(convening: string, name: string, item: HTMLElement): Promise<void> {
    const paragraphs = [
      "Its copy in this browser is deleted: the map, the drafts, their history and the link " +
        "you joined with. The convening itself stays on the server; you can come back with an " +
        "invite link.",
    ];
    const unsent = await this.unsentEdits(convening);
    if (unsent > 0) {
      paragraphs.push(
        `${unsent} edit${unsent === 1 ? "" : "s"} made here ${unsent === 1 ? "has" : "have"} ` +
          "not reached the server yet and would be lost.",
      );
    }
    const confirmed = await confirmAction({
      title: `Forget “${name}” on this device?`,
      paragraphs,
      confirm: "Forget",
    });
    if (!confirmed) return;
    await this.store.forget(convening);
    forgetSavedLinks(convening);
    const next = (item.nextElementSibling ?? item.previousElementSibling)?.querySelector("a");
    item.remove();
    this.element.hidden = this.list.childElementCount === 0;
    // Focus stays in the list rather than falling back to the page.
    (next ?? this.heading).focus();
  }

  private async unsentEdits(convening: string): Promise<number> {
    const { byReplica } = await this.store.loadPending(convening);
    let count = 0;
    for (const ops of byReplica.values()) count += ops.length;
    return count;
  }
}

/** "active 5 minutes ago", with the exact time for those who hover or read it out. */
function activityTime(ms: number, now: number): HTMLElement {
  const when = new Date(ms);
  return h(
    "time",
    { datetime: when.toISOString(), title: when.toLocaleString() },
    `active ${howLongAgo(ms, now)}`,
  );
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400],
  ["month", 30 * 86_400],
  ["week", 7 * 86_400],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];

/** A past moment in words: "just now", "5 minutes ago", "yesterday". */
export function howLongAgo(ms: number, now: number): string {
  const seconds = Math.max(0, (now - ms) / 1000);
  const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (seconds >= size) return format.format(-Math.floor(seconds / size), unit);
  }
  return "just now";
}
