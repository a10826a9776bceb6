// "Connect to…": the keyboard's way to draw a connection. With one element
// selected, the panel's button or the key "c" opens a box over the map (the
// search box's combobox, find.ts, with words of its own): type to narrow the
// map's other elements by name, arrows to move, Enter to connect. Escape (or
// the close button) gives focus back to whatever opened it; after a choice
// the map moves focus to the new connection's panel.
import type { IdKey } from "../crdt/api";
import { htmlEl } from "./dom";
import { Finder } from "./find";
import { normalise, type MatchRank, type SearchHit } from "./search";

export interface ConnectCandidate {
  id: IdKey;
  label: string;
  /** What it is ("Institution"), shown beside the name. */
  kind: string;
}

/**
 * Candidates whose label contains `query` (case- and accent-blind), as
 * search hits: those starting with it first, then those with a word starting
 * with it, then the rest, each group in the given order. Everything for an
 * empty query.
 */
export function filterCandidates(
  query: string,
  candidates: readonly ConnectCandidate[],
): SearchHit[] {
  const q = normalise(query.trim());
  const ranked: [number, SearchHit][] = [];
  for (const c of candidates) {
    // Folding keeps the length of most labels; where it does not, no mark.
    const label = normalise(c.label);
    const at = q ? label.indexOf(q) : 0;
    if (at < 0) continue;
    const order = at === 0 ? 0 : /[^\p{L}\p{N}]/u.test(label[at - 1]) ? 1 : 2;
    const rank: MatchRank = (["label-prefix", "label-word", "label"] as const)[order];
    const exact = label.length === c.label.length;
    const hit = {
      id: c.id,
      rank,
      label: c.label,
      text: c.label || "(no label)",
      start: exact ? at : 0,
      end: exact ? at + q.length : 0,
    };
    ranked.push([order, hit]);
  }
  return ranked.sort((a, b) => a[0] - b[0]).map(([, hit]) => hit);
}

export class ConnectPicker {
  private readonly finder: Finder;
  private readonly title = htmlEl("h2", { class: "cv-connect-title" });
  private readonly input: HTMLInputElement;
  private candidates: ConnectCandidate[] = [];

  /** `choose` connects to the one chosen (the picker has closed). */
  constructor(choose: (id: IdKey) => void) {
    this.finder = new Finder(
      {
        search: (query) => filterCandidates(query, this.candidates),
        describe: (id) => this.candidates.find((c) => c.id === id)?.kind ?? "",
        queryChanged: () => undefined,
        choose,
      },
      {
        placeholder: "Type a name",
        label: "Element to connect to",
        inputTestId: "connect-input",
        listTestId: "connect-options",
        listLabel: "Elements",
        closeLabel: "Close",
      },
    );
    const box = this.finder.element;
    box.classList.add("cv-connect-picker");
    box.dataset.testid = "connect-picker";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Connect to");
    box.prepend(this.title);
    this.input = box.querySelector("input")!;
  }

  get element(): HTMLElement {
    return this.finder.element;
  }

  isOpen(): boolean {
    return this.finder.isOpen();
  }

  /**
   * Opens for connecting `fromName` to one of `candidates`, listed at once;
   * focus comes back to what has it now unless one is chosen.
   */
  open(fromName: string, candidates: ConnectCandidate[]): void {
    this.candidates = candidates;
    this.title.textContent = `Connect “${fromName}” to…`;
    this.finder.element.setAttribute("aria-label", this.title.textContent);
    this.input.value = "";
    this.finder.open();
    this.input.dispatchEvent(new Event("input"));
  }

  close(): void {
    this.finder.close();
  }
}
