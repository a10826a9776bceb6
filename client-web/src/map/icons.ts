// Line icons on a 24×24 grid, drawn with a round-capped stroke and no fill,
// so one definition serves the palette, the map nodes and the export.
import { ElementKind } from "../gen/convene/v1/ops_pb";
import { svgEl } from "./dom";

const circle = (cx: number, cy: number, r: number) =>
  `M${cx + r} ${cy}A${r} ${r} 0 1 1 ${cx - r} ${cy}A${r} ${r} 0 1 1 ${cx + r} ${cy}Z`;

const KIND_ICONS: Record<number, string[]> = {
  // A building with a pediment and columns.
  [ElementKind.INSTITUTION]: [
    "M3 9.5L12 4L21 9.5Z",
    "M5.5 11.5V17.5M10 11.5V17.5M14 11.5V17.5M18.5 11.5V17.5",
    "M4 20H20",
  ],
  // A flag on a pole: an undertaking with a goal.
  [ElementKind.PROJECT]: ["M6 21V3.5", "M6 4.5H18L15.5 8.5L18 12.5H6"],
  // Three people together.
  [ElementKind.COMMUNITY]: [
    circle(12, 8, 2.7),
    "M7.5 19.5C7.5 14.2 16.5 14.2 16.5 19.5",
    circle(5.2, 10.2, 2),
    "M1.8 18C1.8 14.8 4.4 13.6 6.8 14.3",
    circle(18.8, 10.2, 2),
    "M22.2 18C22.2 14.8 19.6 13.6 17.2 14.3",
  ],
  // Linked nodes.
  [ElementKind.NETWORK]: [
    circle(12, 4.8, 2.3),
    circle(4.8, 18.5, 2.3),
    circle(19.2, 18.5, 2.3),
    circle(12, 13, 1.6),
    "M12 7.1V11.4M10.7 14L6.6 17.1M13.3 14L17.4 17.1M7.1 18.5H16.9",
  ],
  // One person.
  [ElementKind.PERSON]: [circle(12, 8, 3.6), "M5 20.5C5 14.8 19 14.8 19 20.5"],
  // Two arrows going round: something done again and again.
  [ElementKind.PRACTICE]: [
    "M4.5 12A7.5 7.5 0 0 1 17.75 7.18",
    "M14.4 6.3L17.75 7.18L17.45 3.7",
    "M19.5 12A7.5 7.5 0 0 1 6.25 16.82",
    "M9.6 17.7L6.25 16.82L6.55 20.3",
  ],
  // A box: a made thing (a tool, a report, a dataset).
  [ElementKind.ARTIFACT]: [
    "M12 3L20 7.5V16.5L12 21L4 16.5V7.5Z",
    "M4 7.5L12 12L20 7.5",
    "M12 12V21",
  ],
  // A sticky note: an opportunity or a barrier.
  [ElementKind.NOTE]: ["M5 4H19V14L14 19H5Z", "M19 14H14V19", "M8.5 8.5H15.5M8.5 11.5H13"],
};

/** A plain dot in a ring: an element whose kind is not set. */
const UNSPECIFIED_ICON = [circle(12, 12, 6.5), circle(12, 12, 1.2)];

export function kindIconPaths(kind: ElementKind | undefined): string[] {
  return KIND_ICONS[kind ?? ElementKind.UNSPECIFIED] ?? UNSPECIFIED_ICON;
}

const joinedIcons = new Map<ElementKind | undefined, string>();

/** A kind's icon as one path (its strokes are opaque, so drawn together they look the same). */
export function kindIconPath(kind: ElementKind | undefined): string {
  let path = joinedIcons.get(kind);
  if (path === undefined) {
    path = kindIconPaths(kind).join("");
    joinedIcons.set(kind, path);
  }
  return path;
}

export const TOOL_ICONS: Record<string, string[]> = {
  select: ["M5 3.5L18.5 12.5L12.2 13.6L9.2 19.5Z"],
  connect: [circle(5.5, 17.5, 2.5), circle(18.5, 6.5, 2.5), "M7.6 15.8C11 15 10.5 9 16.2 7.6"],
  boundary: ["M3 17L8.5 8L14 14L21 5", circle(3, 17, 0.6), circle(21, 5, 0.6)],
  region: ["M4 8L11 3.5L20 7.5L18.5 17.5L8 20.5Z"],
  sphere: [
    "M12 3.5C17 3.5 20.5 7 20.5 12C20.5 17 17 20.5 12 20.5C7 20.5 3.5 17 3.5 12C3.5 7 7 3.5 12 3.5Z",
    circle(12, 10, 2.3),
    "M8.2 16.5C8.6 13.6 15.4 13.6 15.8 16.5",
  ],
  me: [
    "M12 21.5C12 21.5 5 14.8 5 9.5A7 7 0 0 1 19 9.5C19 14.8 12 21.5 12 21.5Z",
    circle(12, 9.5, 2.6),
  ],
  plus: ["M12 5V19M5 12H19"],
  minus: ["M5 12H19"],
  fit: ["M4 9V4H9M15 4H20V9M20 15V20H15M9 20H4V15"],
  pencil: ["M4 20L5 15.5L15.5 5L19 8.5L8.5 19Z", "M13.5 7L17 10.5"],
  trash: [
    "M4.5 7H19.5",
    "M9.5 7V4.5H14.5V7",
    "M6.5 7L7.5 20H16.5L17.5 7",
    "M10.5 10.5V16.5M13.5 10.5V16.5",
  ],
  halo: [circle(12, 12, 4), "M12 2.5A9.5 9.5 0 0 1 21.5 12M12 21.5A9.5 9.5 0 0 1 2.5 12"],
  close: ["M6 6L18 18M18 6L6 18"],
  download: ["M12 4V15", "M7.5 10.5L12 15L16.5 10.5", "M5 19.5H19"],
};

/** An <svg> icon element for buttons (inherits the text colour). */
export function iconSvg(paths: string[], size = 18): SVGSVGElement {
  const svg = svgEl("svg", {
    viewBox: "0 0 24 24",
    width: size,
    height: size,
    fill: "none",
    stroke: "currentColor",
    "stroke-width": 1.8,
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
    "aria-hidden": "true",
    class: "cv-icon",
  });
  for (const d of paths) svg.append(svgEl("path", { d }));
  return svg;
}
