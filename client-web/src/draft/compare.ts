// Two variants side by side: a word-level diff, the left text with what it
// has and the right lacks struck through, the right with what it adds marked.

import { diffLines, diffWordsWithSpace } from "diff";

export type SegmentKind = "same" | "removed" | "added";

export interface Segment {
  kind: SegmentKind;
  text: string;
}

export interface WordDiff {
  segments: Segment[];
  /** "words", or "lines" when the texts were too different to diff by word in time. */
  granularity: "words" | "lines";
}

// Word diffs are quadratic in the worst case; past this budget the compare
// falls back to lines, which stays readable and is far cheaper.
const WORD_DIFF_TIMEOUT_MS = 250;

export function wordDiff(left: string, right: string): WordDiff {
  const byWord = diffWordsWithSpace(left, right, { timeout: WORD_DIFF_TIMEOUT_MS });
  if (byWord) return { segments: joinChanges(toSegments(byWord)), granularity: "words" };
  return { segments: toSegments(diffLines(left, right)), granularity: "lines" };
}

/**
 * A rewritten phrase comes back from the word diff as alternating removed
 * and added words with common spaces between them; marked that way it reads
 * as confetti. Spaces (not line breaks) between two changes join them, so a
 * phrase is marked as one removal and one addition.
 */
export function joinChanges(segments: Segment[]): Segment[] {
  const joined: Segment[] = [];
  let removed = "";
  let added = "";
  const flush = () => {
    if (removed) joined.push({ kind: "removed", text: removed });
    if (added) joined.push({ kind: "added", text: added });
    removed = "";
    added = "";
  };
  segments.forEach((segment, i) => {
    const inChange = removed !== "" || added !== "";
    const next = segments[i + 1];
    if (segment.kind === "removed") removed += segment.text;
    else if (segment.kind === "added") added += segment.text;
    else if (inChange && next && next.kind !== "same" && /^[^\S\n]+$/.test(segment.text)) {
      removed += segment.text;
      added += segment.text;
    } else {
      flush();
      joined.push(segment);
    }
  });
  flush();
  return joined;
}

function toSegments(changes: { value: string; added: boolean; removed: boolean }[]): Segment[] {
  return changes.map((change) => ({
    kind: change.added ? "added" : change.removed ? "removed" : "same",
    text: change.value,
  }));
}

/**
 * Fills the two panes: `left` gets the common and removed segments (<del>),
 * `right` the common and added ones (<ins>). Text goes in as text nodes, so
 * nothing in a variant is ever parsed as HTML.
 */
export function renderSideBySide(segments: Segment[], left: HTMLElement, right: HTMLElement): void {
  const doc = left.ownerDocument;
  const leftParts = doc.createDocumentFragment();
  const rightParts = doc.createDocumentFragment();
  for (const segment of segments) {
    if (segment.kind === "same") {
      leftParts.append(doc.createTextNode(segment.text));
      rightParts.append(doc.createTextNode(segment.text));
    } else if (segment.kind === "removed") {
      leftParts.append(marked(doc, "del", segment.text));
    } else {
      rightParts.append(marked(doc, "ins", segment.text));
    }
  }
  left.replaceChildren(leftParts);
  right.replaceChildren(rightParts);
}

function marked(doc: Document, tag: "ins" | "del", text: string): HTMLElement {
  const element = doc.createElement(tag);
  element.className = tag === "ins" ? "draft-diff-added" : "draft-diff-removed";
  element.textContent = text;
  return element;
}

/** Counts for the compare header ("12 words added, 3 removed"). */
export function diffStats(segments: Segment[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const segment of segments) {
    const words = segment.text.split(/\s+/).filter((word) => word !== "").length;
    if (segment.kind === "added") added += words;
    else if (segment.kind === "removed") removed += words;
  }
  return { added, removed };
}
