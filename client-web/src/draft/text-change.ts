// What one edit of the textarea changed, as a single splice: the browser
// hands us only the new value, the document wants "delete n at p, insert s".

import { countCodePoints, isHighSurrogate, isLowSurrogate, type CodePointText } from "./codepoints";

/** A splice of a string in UTF-16 offsets of the old value. */
export interface Splice {
  start: number;
  removed: number;
  inserted: string;
}

/** The same in code points: what ConveneDocument.deleteText/insertText take. */
export interface TextEdit {
  position: number;
  removed: number;
  inserted: string;
}

/**
 * What the browser told us around an input event: the selection before it
 * (in the old value) and the caret after it (in the new value), UTF-16.
 */
export interface InputHint {
  selectionStart: number;
  selectionEnd: number;
  caretAfter: number;
}

/** True when `offset` would cut a surrogate pair of `text` in two. */
function splitsPair(text: string, offset: number): boolean {
  return (
    offset > 0 &&
    offset < text.length &&
    isHighSurrogate(text.charCodeAt(offset - 1)) &&
    isLowSurrogate(text.charCodeAt(offset))
  );
}

/**
 * The splice implied by the selection before and the caret after an edit,
 * if the values confirm it. Typing, deleting, pasting and cutting all follow
 * one rule: the change starts at the earlier of the old selection start and
 * the new caret, and the new caret ends the inserted text. The check compares
 * whole strings natively (memcmp speed), no per-character JavaScript loop.
 */
export function spliceFromHint(
  oldValue: string,
  newValue: string,
  hint: InputHint,
): Splice | undefined {
  const start = Math.min(hint.selectionStart, hint.selectionEnd, hint.caretAfter);
  const insertedLength = hint.caretAfter - start;
  const removed = insertedLength - (newValue.length - oldValue.length);
  if (start < 0 || insertedLength < 0 || removed < 0 || start + removed > oldValue.length) {
    return undefined;
  }
  if (splitsPair(oldValue, start) || splitsPair(oldValue, start + removed)) return undefined;
  if (splitsPair(newValue, start + insertedLength)) return undefined;
  if (oldValue.slice(0, start) !== newValue.slice(0, start)) return undefined;
  if (oldValue.slice(start + removed) !== newValue.slice(start + insertedLength)) return undefined;
  return { start, removed, inserted: newValue.slice(start, start + insertedLength) };
}

/**
 * The smallest single splice turning oldValue into newValue: common prefix
 * and suffix, never ending either inside a surrogate pair.
 */
export function diffValues(oldValue: string, newValue: string): Splice {
  const limit = Math.min(oldValue.length, newValue.length);
  let prefix = 0;
  while (prefix < limit && oldValue.charCodeAt(prefix) === newValue.charCodeAt(prefix)) prefix++;
  // The prefix is shared, so a high surrogate ending it ends it in both.
  if (prefix > 0 && isHighSurrogate(oldValue.charCodeAt(prefix - 1))) prefix--;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    oldValue.charCodeAt(oldValue.length - 1 - suffix) ===
      newValue.charCodeAt(newValue.length - 1 - suffix)
  ) {
    suffix++;
  }
  if (suffix > 0 && isLowSurrogate(oldValue.charCodeAt(oldValue.length - suffix))) suffix--;
  return {
    start: prefix,
    removed: oldValue.length - prefix - suffix,
    inserted: newValue.slice(prefix, newValue.length - suffix),
  };
}

/** The hinted splice when the values confirm it, else the prefix/suffix diff. */
export function detectSplice(oldValue: string, newValue: string, hint?: InputHint): Splice {
  return (hint && spliceFromHint(oldValue, newValue, hint)) || diffValues(oldValue, newValue);
}

export function applySplice(value: string, splice: Splice): string {
  return (
    value.slice(0, splice.start) + splice.inserted + value.slice(splice.start + splice.removed)
  );
}

/** A splice of `old` in code points. */
export function toTextEdit(splice: Splice, old: CodePointText): TextEdit {
  const position = old.toCodePoint(splice.start);
  const removed = old.toCodePoint(splice.start + splice.removed) - position;
  return { position, removed, inserted: splice.inserted };
}

/**
 * Re-bases my edit, made against a text `base`, onto `base` after someone
 * else's edit: the edits to apply, in order, to reach "both". Parts of my
 * deletion that the other edit already removed are dropped; text the other
 * inserted is never deleted by mine.
 */
export function rebaseEdit(mine: TextEdit, theirs: TextEdit): TextEdit[] {
  const theirStart = theirs.position;
  const theirEnd = theirs.position + theirs.removed;
  const theirInserted = countCodePoints(theirs.inserted);
  const shift = theirInserted - theirs.removed;
  const myStart = mine.position;
  const myEnd = mine.position + mine.removed;

  const edits: TextEdit[] = [];
  // The part of my deletion after theirs, deleted first: it does not move
  // what comes before it.
  const afterStart = Math.max(myStart, theirEnd);
  if (myEnd > afterStart) {
    edits.push({ position: afterStart + shift, removed: myEnd - afterStart, inserted: "" });
  }
  const beforeRemoved = myStart < theirStart ? Math.min(myEnd, theirStart) - myStart : 0;
  let insertAt: number;
  if (myStart <= theirStart) insertAt = myStart;
  else if (myStart >= theirEnd) insertAt = myStart + shift;
  else insertAt = theirStart + theirInserted;
  if (beforeRemoved > 0 || mine.inserted !== "") {
    edits.push({ position: insertAt, removed: beforeRemoved, inserted: mine.inserted });
  }
  return mergeAdjacent(edits);
}

/** A deletion directly followed by an insertion at its start is one edit. */
function mergeAdjacent(edits: TextEdit[]): TextEdit[] {
  if (edits.length !== 2) return edits;
  const [tail, head] = edits;
  if (head.removed === 0 && head.position === tail.position && tail.inserted === "") {
    return [{ position: tail.position, removed: tail.removed, inserted: head.inserted }];
  }
  return edits;
}
