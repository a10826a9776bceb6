// The legend's part of the map's vocabulary: its custom kinds (icon of the
// base kind in the kind's colour, and the name) and its style rules in the
// order they apply ("tag: funder → gold", "Budget = high → large").
import type { ConveneDocument, IdKey, StyleRuleView } from "../crdt/api";
import { htmlEl, svgEl } from "./dom";
import { iconSvg, kindIconPaths } from "./icons";
import { kindInfo, safeColour } from "./style";
import { describeEffect, describeMatch } from "./style-rules";

const NEUTRAL = "#8794a1";

export function renderVocabularyLegend(
  slot: HTMLElement,
  doc: ConveneDocument,
  map: IdKey | undefined,
): void {
  const kinds = map === undefined ? [] : doc.kindsOf(map);
  const rules = map === undefined ? [] : doc.styleRulesOf(map);
  slot.hidden = kinds.length === 0 && rules.length === 0;
  if (slot.hidden) {
    slot.replaceChildren();
    return;
  }
  const children: HTMLElement[] = [];
  if (kinds.length > 0) {
    const list = htmlEl("ul", { class: "cv-legend-list" });
    for (const kind of kinds) {
      const icon = iconSvg(kindIconPaths(kind.base), 16);
      icon.style.color = safeColour(kind.color) ?? NEUTRAL;
      list.append(
        htmlEl("li", { "data-testid": "legend-kind", title: `On ${kindInfo(kind.base).label}` }, [
          icon,
          kind.name || "Unnamed kind",
        ]),
      );
    }
    children.push(htmlEl("h4", {}, ["This map's kinds"]), list);
  }
  if (rules.length > 0) {
    const fields = doc.fieldsOf(map!);
    const list = htmlEl("ul", { class: "cv-legend-list" });
    for (const rule of rules) {
      list.append(
        htmlEl("li", { "data-testid": "legend-rule" }, [
          ruleSwatch(rule),
          `${describeMatch(rule, fields)} → ${describeEffect(rule)}`,
        ]),
      );
    }
    children.push(htmlEl("h4", {}, ["Style rules"]), list);
  }
  slot.replaceChildren(...children);
}

/** The rule's colour and shape, small; grown a little when it enlarges. */
export function ruleSwatch(rule: Pick<StyleRuleView, "color" | "shape" | "size">): SVGSVGElement {
  const colour = safeColour(rule.color) ?? NEUTRAL;
  const r = rule.size > 1 ? 6.5 : rule.size > 0 && rule.size < 1 ? 3.5 : 5;
  const attrs = {
    fill: safeColour(rule.color) ? colour : "none",
    "fill-opacity": 0.35,
    stroke: colour,
    "stroke-width": 1.6,
  };
  let body: SVGElement;
  switch (rule.shape) {
    case "square":
      body = svgEl("rect", { x: 8 - r, y: 8 - r, width: 2 * r, height: 2 * r, rx: 1.5, ...attrs });
      break;
    case "diamond":
      body = svgEl("path", { d: `M8 ${8 - r}L${8 + r} 8L8 ${8 + r}L${8 - r} 8Z`, ...attrs });
      break;
    case "hexagon": {
      const points = Array.from({ length: 6 }, (_, i) => {
        const a = (Math.PI / 3) * i;
        return `${(8 + Math.cos(a) * r).toFixed(1)} ${(8 + Math.sin(a) * r).toFixed(1)}`;
      });
      body = svgEl("path", { d: `M${points.join("L")}Z`, ...attrs });
      break;
    }
    default:
      body = svgEl("circle", { cx: 8, cy: 8, r, ...attrs });
  }
  return svgEl("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true" }, [
    body,
  ]);
}
