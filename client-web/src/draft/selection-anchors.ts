// Keeping my selection where it was while others edit: positions become
// character ids (ConveneDocument.anchorAt) and back (positionOf). A caret
// sticks to the character before it. A selection's start sticks to its first
// selected character, so text someone inserts right before it stays outside,
// and its end to its last, so text inserted right after it stays outside too.

import type { ConveneDocument, IdKey } from "../crdt/api";

type AnchorDoc = Pick<ConveneDocument, "anchorAt" | "positionOf">;

/** A selection in code points; `backward` when the head is at the start. */
export interface TextSelection {
  start: number;
  end: number;
  backward: boolean;
}

export interface SelectionAnchors {
  /** The character before the caret, or the first selected character. */
  start: IdKey | null;
  /** The last selected character (undefined for a caret). */
  end?: IdKey | null;
  backward: boolean;
}

export function anchorSelection(
  doc: AnchorDoc,
  variant: IdKey,
  selection: TextSelection,
): SelectionAnchors {
  const { start, end, backward } = selection;
  if (start >= end) return { start: doc.anchorAt(variant, start), backward: false };
  return {
    start: doc.anchorAt(variant, start + 1),
    end: doc.anchorAt(variant, end),
    backward,
  };
}

export function resolveSelection(
  doc: AnchorDoc,
  variant: IdKey,
  anchors: SelectionAnchors,
): TextSelection {
  if (anchors.end === undefined) {
    const caret = doc.positionOf(variant, anchors.start);
    return { start: caret, end: caret, backward: false };
  }
  const start = positionBefore(doc, variant, anchors.start);
  const end = Math.max(start, doc.positionOf(variant, anchors.end));
  return { start, end, backward: anchors.backward && end > start };
}

/**
 * The position just before a character: positionOf gives the one after it
 * while it is visible, and where it stood once deleted. Which one it is shows
 * in whether anchorAt still names it there.
 */
function positionBefore(doc: AnchorDoc, variant: IdKey, anchor: IdKey | null): number {
  const after = doc.positionOf(variant, anchor);
  if (anchor !== null && after > 0 && doc.anchorAt(variant, after) === anchor) return after - 1;
  return after;
}

/** The selection's anchor and head, as presence carries them. */
export function anchorAndHead(selection: TextSelection): { anchor: number; head: number } {
  return selection.backward
    ? { anchor: selection.end, head: selection.start }
    : { anchor: selection.start, head: selection.end };
}
