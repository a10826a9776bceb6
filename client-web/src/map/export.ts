// A standalone SVG picture of one map: the same drawing as the canvas (every
// colour inline, no CSS), without selection or presence, with the map's name
// and a legend of what it uses.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { ScaleLevel } from "../gen/convene/v1/ops_pb";
import { svgEl } from "./dom";
import { round } from "./geometry";
import { LABEL_FONT } from "./nodes";
import { Scene } from "./scene";
import {
  boundaryTypeInfo,
  connectionKindInfo,
  connectionStyle,
  DISAGREEMENT_COLOUR,
  levelInfo,
  levelShown,
  type LevelFilter,
} from "./style";
import { describeEffect, describeMatch } from "./style-rules";
import { ruleSwatch } from "./vocabulary-legend";

export interface ExportOptions {
  doc: ConveneDocument;
  map: IdKey;
  filter: LevelFilter;
  showDisagreement: boolean;
  colourOf(participant: string): string;
  nameOf(participant: string): string;
}

const MARGIN = 40;

export function exportMapSvg(options: ExportOptions): string {
  const { doc, map } = options;
  const scene = new Scene(
    { doc: () => doc, colourOf: options.colourOf, nameOf: options.nameOf },
    {
      interactive: false,
      filter: options.filter,
      showDisagreement: options.showDisagreement,
      remote: new Map(),
    },
  );
  scene.render(map);
  const bounds = scene.bounds() ?? { minX: -200, minY: -150, maxX: 200, maxY: 150 };
  // Filtered-out entities are left out rather than hidden.
  for (const node of scene.root.querySelectorAll<SVGElement>("[data-entity]")) {
    if (node.style.display === "none") node.remove();
    node.removeAttribute("style");
  }
  const width = bounds.maxX - bounds.minX;
  const name = doc.maps().find((m) => m.id === map)?.name ?? "Map";
  const scale = Math.max(1, width / 900);

  const title = svgEl(
    "text",
    {
      x: round(bounds.minX),
      y: round(bounds.minY - 18 * scale),
      "font-size": round(20 * scale),
      "font-weight": 700,
      "font-family": LABEL_FONT,
      fill: "#25303b",
    },
    [name],
  );
  const legend = buildLegend(options, scene);
  const legendTop = bounds.maxY + 30 * scale;
  legend.group.setAttribute(
    "transform",
    `translate(${round(bounds.minX)} ${round(legendTop)}) scale(${round(scale)})`,
  );

  const minX = bounds.minX - MARGIN;
  const minY = bounds.minY - 50 * scale - MARGIN;
  const totalW = Math.max(width, legend.width * scale) + 2 * MARGIN;
  const totalH = legendTop + legend.height * scale + MARGIN - minY;
  // XMLSerializer writes the xmlns of an element in the SVG namespace itself.
  const svg = svgEl("svg", {
    viewBox: `${round(minX)} ${round(minY)} ${round(totalW)} ${round(totalH)}`,
    width: Math.round(totalW),
    height: Math.round(totalH),
    "font-family": LABEL_FONT,
  });
  svg.append(
    svgEl("title", {}, [name]),
    svgEl("rect", {
      x: round(minX),
      y: round(minY),
      width: round(totalW),
      height: round(totalH),
      fill: "#fbfaf7",
    }),
    title,
    scene.root,
    legend.group,
  );
  return new XMLSerializer().serializeToString(svg);
}

/** The legend: scale levels shown, and the connection kinds and boundary types in use. */
function buildLegend(
  options: ExportOptions,
  scene: Scene,
): { group: SVGGElement; width: number; height: number } {
  const group = svgEl("g", { "font-family": LABEL_FONT, "font-size": 12, fill: "#25303b" });
  const levels = new Set<ScaleLevel>();
  for (const r of scene.elements.values()) {
    const level = r.view.fields.scale ?? ScaleLevel.UNSPECIFIED;
    if (levelShown(options.filter, level)) levels.add(level);
  }
  const kinds = new Set(
    [...scene.connections.values()]
      .filter((c) => c.node.parentNode !== null)
      .map((c) => c.view.fields.kind ?? 0),
  );
  const types = new Set(
    [...scene.shapes.values()]
      .filter((s) => !s.view.fields.sphereOf)
      .map((s) => s.view.fields.type ?? 0),
  );
  const halos = scene.root.querySelector(".cv-halo") !== null;

  let y = 0;
  let width = 0;
  const row = (entries: { swatch: SVGElement; text: string }[], heading: string) => {
    if (entries.length === 0) return;
    group.append(svgEl("text", { x: 0, y: y + 12, "font-weight": 700 }, [heading]));
    let x = 110;
    for (const entry of entries) {
      entry.swatch.setAttribute("transform", `translate(${x} ${y})`);
      group.append(entry.swatch, svgEl("text", { x: x + 34, y: y + 12 }, [entry.text]));
      x += 44 + entry.text.length * 6.6;
    }
    width = Math.max(width, x);
    y += 24;
  };

  row(
    [...levels]
      .sort((a, b) => (a || 9) - (b || 9))
      .map((level) => ({
        swatch: svgEl("circle", {
          cx: 14,
          cy: 8,
          r: 7,
          fill: levelInfo(level).colour,
          "fill-opacity": 0.3,
          stroke: levelInfo(level).colour,
          "stroke-width": 2,
        }),
        text: levelInfo(level).label,
      })),
    "Scale",
  );
  row(
    [...kinds].sort().map((kind) => {
      const style = connectionStyle(kind, 2);
      return {
        swatch: svgEl("path", {
          d: "M0 8H28",
          stroke: style.colour,
          "stroke-width": style.width,
          "stroke-dasharray": style.dasharray || undefined,
          "stroke-linecap": "round",
        }),
        text: connectionKindInfo(kind).label,
      };
    }),
    "Connections",
  );
  row(
    [...types].sort().map((type) => {
      const info = boundaryTypeInfo(type);
      return {
        swatch: svgEl("path", {
          d: "M0 8H28",
          stroke: info.colour,
          "stroke-width": 2.5,
          "stroke-dasharray": info.dasharray || undefined,
        }),
        text: info.label,
      };
    }),
    "Boundaries",
  );
  // The map's own kinds in use, and its style rules in the order they apply.
  const kindsUsed = new Set([...scene.elements.keys()].map((id) => options.doc.customKindOf(id)));
  row(
    options.doc
      .kindsOf(options.map)
      .filter((kind) => kindsUsed.has(kind.id))
      .map((kind) => ({
        swatch: svgEl("g", {}, [ruleSwatch({ color: kind.color, shape: kind.shape, size: 1.5 })]),
        text: kind.name || "Unnamed kind",
      })),
    "Kinds",
  );
  const fields = options.doc.fieldsOf(options.map);
  row(
    options.doc.styleRulesOf(options.map).map((rule) => ({
      swatch: svgEl("g", {}, [ruleSwatch(rule)]),
      text: `${describeMatch(rule, fields)} → ${describeEffect(rule)}`,
    })),
    "Style rules",
  );
  if (halos) {
    row(
      [
        {
          swatch: svgEl("circle", {
            cx: 14,
            cy: 8,
            r: 7,
            fill: "none",
            stroke: DISAGREEMENT_COLOUR,
            "stroke-width": 2,
            "stroke-dasharray": "4 3",
          }),
          text: "The group's strength ratings differ",
        },
      ],
      "Perspectives",
    );
  }
  return { group, width, height: y };
}
