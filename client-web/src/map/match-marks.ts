// What the search found, drawn over the map in a layer of its own (the
// scene's `marksRoot`, which the map view shows in an <svg> above the map's):
// a rim round each element found, a line along each connection found, and
// the labels the map does not show of those named. Marking the map's own
// nodes instead restyled them and repainted every node of a large map on
// each keystroke, and the first letter of a query finds most of a
// 2,000-element map. Here all the rims are one path and all the lines
// another: one node to style and paint, however much was found.
import type { IdKey } from "../crdt/api";
import { svgEl } from "./dom";

/** Path data of the marks, one entry per entity found (nodes.ts bodyOutline, curvePath). */
export interface MatchPaths {
  rims: string[];
  fadedRims: string[];
  lines: string[];
  fadedLines: string[];
}

export function noMatchPaths(): MatchPaths {
  return { rims: [], fadedRims: [], lines: [], fadedLines: [] };
}

/** The layer's nodes: the lines, then the rims over them, then the labels. */
export function matchNodes(paths: MatchPaths, labels: SVGElement[]): SVGElement[] {
  const out: SVGElement[] = [];
  const add = (d: string[], className: string) => {
    if (d.length > 0) out.push(svgEl("path", { class: className, d: d.join("") }));
  };
  add(paths.fadedLines, "cv-match-line is-faded");
  add(paths.lines, "cv-match-line");
  add(paths.fadedRims, "cv-match-rim is-faded");
  add(paths.rims, "cv-match-rim");
  return [...out, ...labels];
}

/**
 * The element's label `text` (the one its node `node` shows), where the map
 * placed it, shown however far out the map is and whether or not it had room.
 */
export function labelMark(text: SVGTextElement, node: SVGGElement, id: IdKey): SVGElement {
  const copy = text.cloneNode(true) as SVGElement;
  copy.removeAttribute("visibility");
  copy.setAttribute("class", "cv-match-label");
  const transform = node.getAttribute("transform");
  return svgEl("g", { class: "cv-match", "data-match": id, ...(transform ? { transform } : {}) }, [
    copy,
  ]);
}
