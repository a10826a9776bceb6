// Other people's carets and selections in the variant I am editing, drawn
// over the textarea in their colours, each with a small name flag.

import type { IdKey } from "../crdt/api";
import type { Participant } from "../ui/context";
import type { CodePointText } from "./codepoints";
import { keyFromOpId } from "./ids";
import { TextareaMirror, type MirrorMark } from "./mirror";

export interface RemoteCaret {
  member: string;
  name: string;
  colour: string;
  /** Code point positions, as presence carries them. */
  anchor: number;
  head: number;
}

/** Everyone but me whose caret is in `variant`, ordered by member id. */
export function remoteCaretsIn(
  participants: Participant[],
  me: string,
  variant: IdKey,
): RemoteCaret[] {
  const carets: RemoteCaret[] = [];
  for (const participant of participants) {
    const caret = participant.presence?.caret;
    if (participant.id === me || !caret?.variant) continue;
    if (keyFromOpId(caret.variant) !== variant) continue;
    carets.push({
      member: participant.id,
      name: participant.name,
      colour: participant.colour,
      anchor: Number(caret.anchor),
      head: Number(caret.head),
    });
  }
  return carets.sort((a, b) => (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
}

/** Marks for the mirror: presence positions may be stale, so they are clamped. */
export function mirrorMarks(text: CodePointText, carets: RemoteCaret[]): MirrorMark[] {
  return carets.map((caret) => {
    const anchor = text.toUtf16(Math.min(caret.anchor, text.length));
    const head = text.toUtf16(Math.min(caret.head, text.length));
    return { key: caret.member, start: Math.min(anchor, head), end: Math.max(anchor, head), head };
  });
}

export class RemoteCaretLayer {
  /** Placed over the textarea's padding box; never takes pointer events. */
  readonly element: HTMLDivElement;
  private readonly content: HTMLDivElement;
  private readonly mirror: TextareaMirror;

  constructor(private readonly textarea: HTMLTextAreaElement) {
    const doc = textarea.ownerDocument;
    this.element = doc.createElement("div");
    this.element.className = "draft-overlay";
    this.element.setAttribute("aria-hidden", "true");
    this.content = doc.createElement("div");
    this.content.className = "draft-overlay-content";
    this.element.append(this.content);
    this.mirror = new TextareaMirror(textarea);
  }

  /** The hidden measuring div; the caller puts it next to the textarea. */
  get mirrorElement(): HTMLElement {
    return this.mirror.element;
  }

  render(text: CodePointText, carets: RemoteCaret[]): void {
    if (carets.length === 0) {
      this.content.replaceChildren();
      this.mirror.measure("", []);
      return;
    }
    this.place();
    const geometry = this.mirror.measure(text.value, mirrorMarks(text, carets));
    const doc = this.element.ownerDocument;
    const parts = doc.createDocumentFragment();
    for (const caret of carets) {
      const shape = geometry.get(caret.member);
      if (!shape) continue;
      for (const box of shape.selection) {
        const highlight = doc.createElement("div");
        highlight.className = "remote-selection";
        highlight.style.cssText = `left:${box.x}px;top:${box.y}px;width:${box.width}px;height:${box.height}px`;
        highlight.style.setProperty("--caret-colour", caret.colour);
        parts.append(highlight);
      }
      parts.append(this.caretElement(caret, shape.caret));
    }
    this.content.replaceChildren(parts);
    this.syncScroll();
  }

  /** Follows the textarea's scrolling without measuring again. */
  syncScroll(): void {
    this.content.style.transform = `translate(${-this.textarea.scrollLeft}px, ${-this.textarea.scrollTop}px)`;
  }

  private place(): void {
    const ta = this.textarea;
    const style = this.element.style;
    style.left = `${ta.offsetLeft + ta.clientLeft}px`;
    style.top = `${ta.offsetTop + ta.clientTop}px`;
    style.width = `${ta.clientWidth}px`;
    style.height = `${ta.clientHeight}px`;
  }

  private caretElement(
    caret: RemoteCaret,
    box: { x: number; y: number; height: number },
  ): HTMLElement {
    const doc = this.element.ownerDocument;
    const bar = doc.createElement("div");
    bar.className = "remote-caret";
    bar.dataset.testid = "remote-caret";
    bar.dataset.member = caret.member;
    bar.style.cssText = `left:${box.x}px;top:${box.y}px;height:${box.height}px`;
    bar.style.setProperty("--caret-colour", caret.colour);
    const flag = doc.createElement("span");
    flag.className = "remote-caret-flag";
    // Near the top edge the flag hangs below the line instead of above it.
    if (box.y - this.textarea.scrollTop < 18) flag.classList.add("below");
    flag.textContent = caret.name;
    bar.append(flag);
    return bar;
  }
}
