// Moving through a map's elements without a pointer: "]" and "[" step to the
// next and previous element in reading order (rows from the top, each left to
// right), and a polite live region says what is selected.
import type { IdKey } from "../crdt/api";
import { htmlEl } from "./dom";

export interface Placed {
  id: IdKey;
  x: number;
  y: number;
}

/**
 * Ids in reading order: elements whose centres lie within `rowHeight` of a
 * row's topmost element share its row, read left to right.
 */
export function readingOrder(items: readonly Placed[], rowHeight = 60): IdKey[] {
  const byY = [...items].sort((a, b) => a.y - b.y || a.x - b.x);
  const rows: Placed[][] = [];
  for (const item of byY) {
    const row = rows[rows.length - 1];
    if (row && item.y - row[0].y <= rowHeight) row.push(item);
    else rows.push([item]);
  }
  return rows.flatMap((row) => row.sort((a, b) => a.x - b.x).map((item) => item.id));
}

/** The id `step` places from `current` in `order`, wrapping round; the first or last without one. */
export function stepThrough(
  order: readonly IdKey[],
  current: IdKey | undefined,
  step: 1 | -1,
): IdKey | undefined {
  if (order.length === 0) return undefined;
  const at = current === undefined ? -1 : order.indexOf(current);
  if (at < 0) return step > 0 ? order[0] : order[order.length - 1];
  return order[(at + step + order.length) % order.length];
}

/** A visually hidden polite live region. */
export class Announcer {
  readonly element = htmlEl("div", {
    class: "cv-announce",
    role: "status",
    "aria-live": "polite",
    "data-testid": "map-announce",
  });
  private last = "";

  say(text: string): void {
    if (text === this.last) return;
    this.last = text;
    this.element.textContent = text;
  }
}
