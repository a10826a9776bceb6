// "Print or PDF…": the whole map as a poster — the standalone SVG of the map
// view (map/export.ts, with its legend) under a title and the date, filling
// an A3 or A2 landscape page — shown first as a page on screen, then handed
// to the browser's print dialog, where "Save as PDF" makes the PDF. No PDF
// library: the browser's own printing draws the vectors at full resolution.
//
// While it is open the app is hidden (body.printing), so the poster is the
// only thing on screen and the only thing printed.
import { h } from "./dom";
import "./print.css";

export type PaperSize = "A3" | "A2";

/** Landscape page sizes in millimetres, and the margin printed round the poster. */
const PAPER: Record<PaperSize, { width: number; height: number }> = {
  A3: { width: 420, height: 297 },
  A2: { width: 594, height: 420 },
};
const MARGIN_MM = 10;

export interface Poster {
  /** The standalone SVG of the map (MapView.exportSVG()). */
  svg: string;
  /** The convening's name; the SVG carries the map's. */
  title: string;
  date?: Date;
}

/** The @page rule and the poster's printed size for one paper size. */
function pageStyle(paper: PaperSize): string {
  const { width, height } = PAPER[paper];
  return (
    `@page { size: ${paper} landscape; margin: ${MARGIN_MM}mm; }\n` +
    `@media print { .poster { width: ${width - 2 * MARGIN_MM}mm; ` +
    `height: ${height - 2 * MARGIN_MM - 1}mm; } }\n` +
    `.poster { aspect-ratio: ${width - 2 * MARGIN_MM} / ${height - 2 * MARGIN_MM}; }`
  );
}

/** The map's SVG as an element that scales to the box it is given. */
function scalableSvg(svg: string): Element {
  const parsed = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
  const root = document.importNode(parsed, true);
  root.removeAttribute("width");
  root.removeAttribute("height");
  root.setAttribute("preserveAspectRatio", "xMidYMid meet");
  root.setAttribute("class", "poster-map");
  root.setAttribute("role", "img");
  return root;
}

/** Shows the poster; Print opens the browser's print dialog, Close or Escape ends it. */
export function openPrintView(poster: Poster): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const style = h("style", { "data-print": "page" });
  const paper = h(
    "select",
    { "data-testid": "print-paper", "aria-label": "Paper size" },
    h("option", { value: "A3" }, "A3 landscape"),
    h("option", { value: "A2" }, "A2 landscape"),
  );
  const print = h(
    "button",
    { type: "button", class: "primary", "data-testid": "print-go" },
    "Print…",
  );
  const close = h("button", { type: "button", "data-testid": "print-close" }, "Close");
  const date = (poster.date ?? new Date()).toLocaleDateString(undefined, { dateStyle: "long" });
  const view = h(
    "div",
    {
      class: "print-view",
      role: "dialog",
      "aria-modal": "true",
      "aria-label": "Print or save as PDF",
      "data-testid": "print-view",
    },
    h(
      "div",
      { class: "print-controls" },
      h(
        "span",
        { class: "print-hint" },
        "The whole map on one page. To make a PDF, choose “Save as PDF” as the printer.",
      ),
      h("label", {}, "Paper ", paper),
      close,
      print,
    ),
    h(
      "div",
      { class: "poster-sheet" },
      h(
        "article",
        { class: "poster", "data-testid": "poster" },
        h("header", { class: "poster-head" }, h("h1", {}, poster.title), h("p", {}, date)),
        scalableSvg(poster.svg),
      ),
    ),
  );
  const setPaper = () => (style.textContent = pageStyle(paper.value as PaperSize));
  const end = () => {
    document.removeEventListener("keydown", onKey, true);
    view.remove();
    style.remove();
    document.body.classList.remove("printing");
    if (opener?.isConnected) opener.focus();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    end();
  };
  paper.addEventListener("change", setPaper);
  print.addEventListener("click", () => window.print());
  close.addEventListener("click", end);
  document.addEventListener("keydown", onKey, true);
  setPaper();
  document.head.append(style);
  document.body.append(view);
  document.body.classList.add("printing");
  print.focus();
}
