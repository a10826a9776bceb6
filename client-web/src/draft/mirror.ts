// Pixel positions of text offsets inside a <textarea>, which the DOM does not
// expose. A hidden div styled like the textarea lays out text the same way,
// so markers placed in it can be measured.
//
// Laying out a whole long text on every measurement would cost tens of
// milliseconds, so the text is taken paragraph by paragraph (a paragraph
// ends at "\n", where the textarea always breaks the line): the height of a
// paragraph at the current width is cached by its content, and only
// paragraphs not seen before, and those holding a mark, are laid out. While
// someone types, that is the paragraph being typed in.

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
  "textRendering",
  "tabSize",
  "wordBreak",
  "overflowWrap",
  "hyphens",
  "direction",
] as const;

/** An empty paragraph still takes a line; a zero-width space gives it one. */
const EMPTY_LINE = "\u200b";

interface Frame {
  left: number; // padding-left of the textarea
  top: number; // padding-top
  width: number; // content width
}

/** The paragraphs of a text, with where each starts. */
class Paragraphs {
  readonly texts: string[];
  readonly starts: number[];

  constructor(value: string) {
    this.texts = value.split("\n");
    this.starts = new Array<number>(this.texts.length);
    let start = 0;
    for (let i = 0; i < this.texts.length; i++) {
      this.starts[i] = start;
      start += this.texts[i].length + 1;
    }
  }

  /** The paragraph holding an offset, and the offset within it. */
  locate(offset: number): { index: number; offset: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.starts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return { index: low, offset: Math.min(offset - this.starts[low], this.texts[low].length) };
  }
}

export class TextareaMirror {
  readonly element: HTMLDivElement;
  private heights = new Map<string, number>();
  private styleKey = "";

  constructor(private readonly textarea: HTMLTextAreaElement) {
    this.element = textarea.ownerDocument.createElement("div");
    this.element.className = "draft-mirror";
    this.element.setAttribute("aria-hidden", "true");
  }

  /** Measures every mark against `value`; an empty list frees the mirror. */
  measure(value: string, marks: MirrorMark[]): Map<string, MarkGeometry> {
    const result = new Map<string, MarkGeometry>();
    this.element.replaceChildren();
    if (marks.length === 0) return result;
    const frame = this.copyStyle();
    const paragraphs = new Paragraphs(value);
    const clamp = (offset: number) => Math.max(0, Math.min(offset, value.length));

    // Which offsets each paragraph with a mark must show as a marker.
    const markerOffsets = new Map<number, Set<number>>();
    let last = 0;
    for (const mark of marks) {
      for (const offset of [mark.start, mark.end, mark.head]) {
        const at = paragraphs.locate(clamp(offset));
        if (!markerOffsets.has(at.index)) markerOffsets.set(at.index, new Set());
        markerOffsets.get(at.index)!.add(at.offset);
        last = Math.max(last, at.index);
      }
    }
    const tops = this.paragraphTops(paragraphs, last);
    const laid = this.layOutMarked(paragraphs, markerOffsets);

    for (const mark of marks) {
      const head = paragraphs.locate(clamp(mark.head));
      const caret = this.place(laid.get(head.index)!.box(head.offset), tops[head.index], frame);
      const selection =
        mark.start < mark.end
          ? this.selectionBoxes(paragraphs, laid, tops, frame, clamp(mark.start), clamp(mark.end))
          : [];
      result.set(mark.key, { caret, selection });
    }
    this.element.replaceChildren();
    return result;
  }

  private copyStyle(): Frame {
    const computed = getComputedStyle(this.textarea);
    const style = this.element.style;
    for (const name of COPIED_STYLES) style[name] = computed[name];
    const left = parseFloat(computed.paddingLeft) || 0;
    const right = parseFloat(computed.paddingRight) || 0;
    // clientWidth leaves out the scrollbar, as the textarea's lines do.
    const width = Math.max(0, this.textarea.clientWidth - left - right);
    style.width = `${width}px`;
    const key = [width, ...COPIED_STYLES.map((name) => computed[name])].join("|");
    if (key !== this.styleKey) {
      this.styleKey = key;
      this.heights.clear();
    }
    return { left, top: parseFloat(computed.paddingTop) || 0, width };
  }

  /** The top of paragraphs 0..last, laying out only those not measured before. */
  private paragraphTops(paragraphs: Paragraphs, last: number): number[] {
    const unknown: string[] = [];
    for (let i = 0; i <= last; i++) {
      if (!this.heights.has(paragraphs.texts[i])) unknown.push(paragraphs.texts[i]);
    }
    if (unknown.length > 0) this.measureHeights([...new Set(unknown)]);
    const tops: number[] = [];
    let top = 0;
    for (let i = 0; i <= last; i++) {
      tops.push(top);
      top += this.heights.get(paragraphs.texts[i])!;
    }
    this.forgetStaleHeights(paragraphs);
    return tops;
  }

  private measureHeights(texts: string[]): void {
    const doc = this.element.ownerDocument;
    const blocks = texts.map((text) => {
      const block = doc.createElement("div");
      block.textContent = text || EMPTY_LINE;
      return block;
    });
    this.element.replaceChildren(...blocks);
    // One layout for all of them: heights are read after every block is in.
    blocks.forEach((block, i) => this.heights.set(texts[i], block.getBoundingClientRect().height));
    this.element.replaceChildren();
  }

  /** Typing leaves one stale height per keystroke behind; drop them now and then. */
  private forgetStaleHeights(paragraphs: Paragraphs): void {
    if (this.heights.size <= 2 * paragraphs.texts.length + 200) return;
    const current = new Set(paragraphs.texts);
    for (const text of this.heights.keys()) if (!current.has(text)) this.heights.delete(text);
  }

  /** Lays out each paragraph holding a mark, with an empty marker at each offset. */
  private layOutMarked(
    paragraphs: Paragraphs,
    markerOffsets: Map<number, Set<number>>,
  ): Map<number, MarkedParagraph> {
    const doc = this.element.ownerDocument;
    const laid = new Map<number, MarkedParagraph>();
    for (const [index, offsets] of markerOffsets) {
      laid.set(index, new MarkedParagraph(doc, paragraphs.texts[index], offsets));
    }
    this.element.replaceChildren(...[...laid.values()].map((p) => p.block));
    return laid;
  }

  private place(box: Box, paragraphTop: number, frame: Frame): Box {
    return { ...box, x: frame.left + box.x, y: frame.top + paragraphTop + box.y };
  }

  private selectionBoxes(
    paragraphs: Paragraphs,
    laid: Map<number, MarkedParagraph>,
    tops: number[],
    frame: Frame,
    start: number,
    end: number,
  ): Box[] {
    const from = paragraphs.locate(start);
    const to = paragraphs.locate(end);
    const boxes: Box[] = [];
    const add = (index: number, local: Box[]) =>
      boxes.push(...local.map((b) => this.place(b, tops[index], frame)));
    if (from.index === to.index) {
      add(from.index, laid.get(from.index)!.range(from.offset, to.offset));
      return boxes;
    }
    add(from.index, laid.get(from.index)!.range(from.offset, undefined));
    // Paragraphs wholly inside the selection: one block each, not laid out again.
    for (let i = from.index + 1; i < to.index; i++) {
      boxes.push({
        x: frame.left,
        y: frame.top + tops[i],
        width: frame.width,
        height: this.heights.get(paragraphs.texts[i])!,
      });
    }
    add(to.index, laid.get(to.index)!.range(undefined, to.offset));
    return boxes;
  }
}

/** One paragraph in the mirror, split at its marker offsets. */
class MarkedParagraph {
  readonly block: HTMLDivElement;
  private readonly markers = new Map<number, HTMLSpanElement>();

  constructor(doc: Document, text: string, offsets: Set<number>) {
    this.block = doc.createElement("div");
    let previous = 0;
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      if (offset > previous) this.block.append(text.slice(previous, offset));
      const marker = doc.createElement("span");
      this.markers.set(offset, marker);
      this.block.append(marker);
      previous = offset;
    }
    this.block.append(text.slice(previous) || EMPTY_LINE);
  }

  /** A caret box at an offset, relative to the paragraph's top left. */
  box(offset: number): Box {
    const origin = this.block.getBoundingClientRect();
    const rect = this.markers.get(offset)!.getBoundingClientRect();
    const height = rect.height >= 1 ? rect.height : lineHeight(this.block);
    return { x: rect.left - origin.left, y: rect.top - origin.top, width: 0, height };
  }

  /** Line boxes of the text between two offsets (undefined: the paragraph's start or end). */
  range(start: number | undefined, end: number | undefined): Box[] {
    const origin = this.block.getBoundingClientRect();
    const range = this.block.ownerDocument.createRange();
    if (start === undefined) range.setStart(this.block, 0);
    else range.setStartAfter(this.markers.get(start)!);
    if (end === undefined) range.setEnd(this.block, this.block.childNodes.length);
    else range.setEndBefore(this.markers.get(end)!);
    const boxes: Box[] = [];
    for (const rect of Array.from(range.getClientRects())) {
      if (rect.width < 0.5) continue; // the empty markers inside
      boxes.push({
        x: rect.left - origin.left,
        y: rect.top - origin.top,
        width: rect.width,
        height: rect.height,
      });
    }
    return boxes;
  }
}

function lineHeight(element: HTMLElement): number {
  const style = getComputedStyle(element);
  const value = parseFloat(style.lineHeight);
  return Number.isFinite(value) ? value : parseFloat(style.fontSize) * 1.2;
}
