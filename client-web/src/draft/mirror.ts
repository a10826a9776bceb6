// Pixel positions of text offsets inside a <textarea>, which the DOM does not
// expose: a hidden div styled like the textarea holds the same text, so its
// line breaks fall where the textarea's do, and markers placed at the
// offsets can be measured. One layout serves every caret at once.

/** Offsets to measure, UTF-16, in the textarea's value. */
export interface MirrorMark {
  key: string;
  start: number;
  end: number;
  head: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Coordinates relative to the textarea's padding box, unscrolled. */
export interface MarkGeometry {
  caret: Box;
  selection: Box[];
}

// Everything that moves glyphs or line breaks.
const COPIED_STYLES = [
  "fontFamily",
  "fontSize",
  "fontStyle",
  "fontVariant",
  "fontWeight",
  "fontStretch",
  "fontFeatureSettings",
  "fontKerning",
  "letterSpacing",
  "wordSpacing",
  "lineHeight",
  "textTransform",
  "textIndent",
  "textRendering",
  "tabSize",
  "wordBreak",
  "overflowWrap",
  "hyphens",
  "direction",
  "paddingTop",
  "paddingRight",
  "paddingBottom",
  "paddingLeft",
] as const;

export class TextareaMirror {
  readonly element: HTMLDivElement;

  constructor(private readonly textarea: HTMLTextAreaElement) {
    this.element = textarea.ownerDocument.createElement("div");
    this.element.className = "draft-mirror";
    this.element.setAttribute("aria-hidden", "true");
  }

  /** Measures every mark against `value`; an empty list frees the mirror. */
  measure(value: string, marks: MirrorMark[]): Map<string, MarkGeometry> {
    const result = new Map<string, MarkGeometry>();
    if (marks.length === 0) {
      this.element.replaceChildren();
      return result;
    }
    this.copyStyle();
    const markers = this.fill(value, marks);
    const origin = this.element.getBoundingClientRect();
    const lineHeight = this.lineHeight();
    for (const mark of marks) {
      const head = markers.get(clamp(mark.head, value.length))!;
      const caret = relative(head.getBoundingClientRect(), origin);
      if (caret.height < 1) caret.height = lineHeight;
      const selection =
        mark.start < mark.end ? this.rangeBoxes(markers, mark, value.length, origin) : [];
      result.set(mark.key, { caret, selection });
    }
    return result;
  }

  private copyStyle(): void {
    const computed = getComputedStyle(this.textarea);
    const style = this.element.style;
    for (const name of COPIED_STYLES) style[name] = computed[name];
    const paddingX = parseFloat(computed.paddingLeft) + parseFloat(computed.paddingRight);
    // clientWidth leaves out the scrollbar, as the textarea's lines do.
    style.width = `${Math.max(0, this.textarea.clientWidth - paddingX)}px`;
  }

  /** Text split at every mark offset, with an empty marker span at each. */
  private fill(value: string, marks: MirrorMark[]): Map<number, HTMLElement> {
    const doc = this.element.ownerDocument;
    const offsets = new Set<number>();
    for (const mark of marks) {
      offsets.add(clamp(mark.start, value.length));
      offsets.add(clamp(mark.end, value.length));
      offsets.add(clamp(mark.head, value.length));
    }
    const sorted = [...offsets].sort((a, b) => a - b);
    const markers = new Map<number, HTMLElement>();
    const parts = doc.createDocumentFragment();
    let previous = 0;
    for (const offset of sorted) {
      if (offset > previous) parts.append(doc.createTextNode(value.slice(previous, offset)));
      const marker = doc.createElement("span");
      markers.set(offset, marker);
      parts.append(marker);
      previous = offset;
    }
    // The rest of the line after the last mark decides where that line wraps.
    const lineEnd = value.indexOf("\n", previous);
    parts.append(
      doc.createTextNode(value.slice(previous, lineEnd < 0 ? value.length : lineEnd) || "\u200b"),
    );
    this.element.replaceChildren(parts);
    return markers;
  }

  private rangeBoxes(
    markers: Map<number, HTMLElement>,
    mark: MirrorMark,
    length: number,
    origin: DOMRect,
  ): Box[] {
    const range = this.element.ownerDocument.createRange();
    range.setStartAfter(markers.get(clamp(mark.start, length))!);
    range.setEndBefore(markers.get(clamp(mark.end, length))!);
    const boxes: Box[] = [];
    for (const rect of Array.from(range.getClientRects())) {
      if (rect.width < 0.5) continue; // the empty markers inside
      boxes.push(relative(rect, origin));
    }
    return boxes;
  }

  private lineHeight(): number {
    const style = getComputedStyle(this.element);
    const value = parseFloat(style.lineHeight);
    return Number.isFinite(value) ? value : parseFloat(style.fontSize) * 1.2;
  }
}

function clamp(offset: number, length: number): number {
  return Math.max(0, Math.min(offset, length));
}

function relative(rect: DOMRect, origin: DOMRect): Box {
  return {
    x: rect.left - origin.left,
    y: rect.top - origin.top,
    width: rect.width,
    height: rect.height,
  };
}
