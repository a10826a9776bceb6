// Small helpers to build DOM and SVG nodes without a framework.

export const SVG_NS = "http://www.w3.org/2000/svg";

type AttrValue = string | number | boolean | undefined | null;
export type Attrs = Record<string, AttrValue>;

function setAttrs(node: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) node.removeAttribute(name);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
}

export function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: (Node | string)[] = [],
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  setAttrs(node, attrs);
  node.append(...children);
  return node;
}

const templates = new Map<string, Element>();

/**
 * A copy of the node `build` makes, built once per `key`: the attributes every
 * such node shares are set once, and each copy only gets its own. Cloning is
 * much cheaper than creating a node and setting each attribute, which is most
 * of drawing a large map (docs/benchmarks.md).
 */
export function cloneTemplate<T extends Element>(key: string, build: () => T): T {
  let template = templates.get(key);
  if (!template) {
    template = build();
    templates.set(key, template);
  }
  return template.cloneNode(true) as T;
}

export function htmlEl<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  node.append(...children);
  return node;
}

export { setAttrs };

/** True when keyboard input belongs to a text field rather than to the map. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  if (target instanceof HTMLElement && target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["button", "checkbox", "radio", "range", "submit", "reset", "color"].includes(type);
}
