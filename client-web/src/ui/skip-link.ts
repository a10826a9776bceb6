// The first things Tab reaches: "Skip to map" and "Skip to panel", out of
// sight until focused, so a keyboard user goes past the top bar and the map
// toolbar in one step. Links rather than buttons: that is what people and
// screen readers expect a skip link to be; each runs its action instead of
// following its fragment (the fragment holds the invite).
import { h } from "./dom";

export interface SkipTarget {
  label: string;
  testid: string;
  /** Brings the target into view and focuses it. */
  go(): void;
}

export function skipLinks(targets: SkipTarget[]): HTMLElement {
  const nav = h("nav", { class: "skip-links", "aria-label": "Skip links" });
  for (const target of targets) {
    const link = h(
      "a",
      { href: "#", class: "skip-link", "data-testid": target.testid },
      target.label,
    );
    link.addEventListener("click", (event) => {
      event.preventDefault();
      target.go();
    });
    nav.append(link);
  }
  return nav;
}
