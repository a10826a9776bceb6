// Tiny helpers for building the view with plain DOM.

type Attributes = Record<string, string | number | boolean | undefined>;

/** An element with attributes (false/undefined ones left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  element.append(...children);
  return element;
}

/** A button that runs `action` on click; `disabled` shows it greyed out. */
export function button(
  label: string | Node,
  action: () => void,
  attributes: Attributes & { disabled?: boolean } = {},
): HTMLButtonElement {
  const element = el("button", { type: "button", ...attributes }, label);
  element.addEventListener("click", (event) => {
    event.stopPropagation();
    if (!element.disabled) action();
  });
  return element;
}

const SVG = "http://www.w3.org/2000/svg";

// Icons drawn with a 16-unit stroke grid, coloured by currentColor.
const ICONS = {
  plus: "M8 3v10M3 8h10",
  pencil: "M3 13l1-3.5 6.5-6.5 2.5 2.5L6.5 12 3 13z",
  trash: "M3.5 4.5h9M6.5 4.5V3h3v1.5M5 4.5l.6 8.5h4.8l.6-8.5",
  copy: "M5.5 5.5h7v7h-7zM3.5 10.5v-7h7",
  download: "M8 2.5v8M4.5 7 8 10.5 11.5 7M3 13.5h10",
  swap: "M3 5.5h9.5L10 3M13 10.5H3.5L6 13",
  eye: "M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8zM8 6a2 2 0 1 0 0 4 2 2 0 0 0 0-4z",
  doc: "M4 2.5h5.5L12 5v8.5H4zM9.5 2.5V5H12M6 8h4M6 10.5h4",
} as const;

export type IconName = keyof typeof ICONS;

export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "draft-icon");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

/** Calls `run` once, `delayMs` after the last of a burst of calls. */
export function debounce(
  run: () => void,
  delayMs: () => number,
): { schedule(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        run();
      }, delayMs());
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
