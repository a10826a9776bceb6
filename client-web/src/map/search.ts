// Finding things on a map by what they are called: an index of every
// entity's label, tags and notes in a normalised form (lower case, accents
// and compatibility forms folded), kept up to date entity by entity, so a
// keystroke costs one pass of indexOf over the strings of the map.
import type { IdKey } from "../crdt/api";

/** What an entity is found by. */
export interface Searchable {
  label: string;
  notes: string;
  tags: readonly string[];
}

/** Where a hit matched; the order is the ranking (best first). */
export type MatchRank = "label-prefix" | "label-word" | "label" | "tag" | "notes";

const RANK_ORDER: MatchRank[] = ["label-prefix", "label-word", "label", "tag", "notes"];

export interface SearchHit {
  id: IdKey;
  rank: MatchRank;
  /** The entity's label (as written), for the results list. */
  label: string;
  /** The text that matched, as written: the label, the tag or a stretch of the notes. */
  text: string;
  /** The match within `text`, in UTF-16 units of `text`. */
  start: number;
  end: number;
}

/**
 * A string folded for matching, with where each of its units came from in
 * the original (folding can change lengths: "ﬁ" is "fi", "é" is "e").
 */
export interface Folded {
  text: string;
  /** Original index of each unit of `text`, plus one entry for the end. */
  origin: number[];
}

const MARKS = /\p{M}/gu;

/** Case- and accent-insensitive form: NFKD, combining marks removed, lower case. */
export function normalise(text: string): string {
  return text.normalize("NFKD").replace(MARKS, "").toLowerCase();
}

/** `normalise`, keeping the origin of every unit (folded one code point at a time). */
export function fold(text: string): Folded {
  let out = "";
  const origin: number[] = [];
  let i = 0;
  for (const ch of text) {
    // ASCII letters and digits, nearly every character of most maps, fold to
    // themselves in lower case: no normalisation call for them.
    const code = ch.charCodeAt(0);
    const folded = code < 128 ? ch.toLowerCase() : normalise(ch);
    out += folded;
    for (let k = 0; k < folded.length; k++) origin.push(i);
    i += ch.length;
  }
  origin.push(i);
  return { text: out, origin };
}

interface Entry {
  source: Searchable;
  label: Folded;
  tags: Folded[];
  notes: Folded;
}

/** Notes are cut around the match to this many characters on each side. */
const SNIPPET_CONTEXT = 32;

export class SearchIndex {
  private readonly entries = new Map<IdKey, Entry>();

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces what `id` is found by. */
  set(id: IdKey, source: Searchable): void {
    const old = this.entries.get(id);
    if (
      old &&
      old.source.label === source.label &&
      old.source.notes === source.notes &&
      sameList(old.source.tags, source.tags)
    )
      return;
    this.entries.set(id, {
      source: { label: source.label, notes: source.notes, tags: [...source.tags] },
      label: fold(source.label),
      tags: source.tags.map(fold),
      notes: fold(source.notes),
    });
  }

  delete(id: IdKey): void {
    this.entries.delete(id);
  }

  has(id: IdKey): boolean {
    return this.entries.has(id);
  }

  clear(): void {
    this.entries.clear();
  }

  /**
   * Entities matching `query` (folded like the index, surrounding space
   * ignored), best first: label prefix, label word, anywhere in the label,
   * a tag, the notes; among equals the shorter label, then by label. An empty
   * query finds nothing.
   */
  search(query: string, limit = 50): SearchHit[] {
    const q = normalise(query.trim()).replace(/\s+/g, " ");
    if (!q) return [];
    const hits: SearchHit[] = [];
    for (const [id, entry] of this.entries) {
      const hit = matchEntry(id, entry, q);
      if (hit) hits.push(hit);
    }
    hits.sort(
      (a, b) =>
        RANK_ORDER.indexOf(a.rank) - RANK_ORDER.indexOf(b.rank) ||
        a.label.length - b.label.length ||
        LABEL_ORDER.compare(a.label, b.label) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return hits.slice(0, limit);
  }
}

/** Labels in the reader's order (a collator: far quicker than localeCompare per pair). */
const LABEL_ORDER = new Intl.Collator();

function matchEntry(id: IdKey, entry: Entry, q: string): SearchHit | undefined {
  const label = entry.source.label;
  const at = wordMatch(entry.label.text, q);
  if (at) return hit(id, at.rank, label, label, entry.label, at.index, q);
  for (let i = 0; i < entry.tags.length; i++) {
    const index = entry.tags[i].text.indexOf(q);
    if (index >= 0) return hit(id, "tag", label, entry.source.tags[i], entry.tags[i], index, q);
  }
  const index = entry.notes.text.indexOf(q);
  if (index < 0) return undefined;
  const full = hit(id, "notes", label, entry.source.notes, entry.notes, index, q);
  return snippet(full);
}

/** The best place `q` occurs in a folded label: its start, a word's start, anywhere. */
function wordMatch(text: string, q: string): { rank: MatchRank; index: number } | undefined {
  let index = text.indexOf(q);
  if (index < 0) return undefined;
  if (index === 0) return { rank: "label-prefix", index };
  const first = index;
  while (index >= 0) {
    if (!isWordChar(text.charCodeAt(index - 1))) return { rank: "label-word", index };
    index = text.indexOf(q, index + 1);
  }
  return { rank: "label", index: first };
}

function isWordChar(code: number): boolean {
  const ch = String.fromCharCode(code);
  return /[\p{L}\p{N}]/u.test(ch);
}

function hit(
  id: IdKey,
  rank: MatchRank,
  label: string,
  text: string,
  folded: Folded,
  index: number,
  q: string,
): SearchHit {
  // A match can end inside what one original character folded to ("ﬁ" for "f").
  let end = index + q.length;
  while (end < folded.origin.length - 1 && folded.origin[end] === folded.origin[end - 1]) end++;
  return { id, rank, label, text, start: folded.origin[index], end: folded.origin[end] };
}

/** A stretch of the notes around the match, on one line, with ellipses where cut. */
function snippet(h: SearchHit): SearchHit {
  const from = Math.max(0, h.start - SNIPPET_CONTEXT);
  const to = Math.min(h.text.length, h.end + SNIPPET_CONTEXT);
  const before = from > 0 ? "…" : "";
  const after = to < h.text.length ? "…" : "";
  const text = before + h.text.slice(from, to).replace(/\s/g, " ") + after;
  const shift = before.length - from;
  return { ...h, text, start: h.start + shift, end: h.end + shift };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
