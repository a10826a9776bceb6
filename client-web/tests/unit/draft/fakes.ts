// Test doubles for the drafts view: a document that keeps drafts, variants
// and texts with per-character ids and tombstones (enough for anchorAt /
// positionOf to behave as the contract says), and an AppContext whose
// "animation frame" is an explicit flush().

import type {
  Changes,
  ConveneDocument,
  IdKey,
  NamedView,
  VariantView,
} from "../../../src/crdt/api";
import { EditError } from "../../../src/crdt/api";
import type { AppContext, Participant, PresenceInit } from "../../../src/ui/context";
import { Listeners } from "../../../src/ui/listeners";

interface Char {
  id: IdKey;
  ch: string; // one code point
  deleted: boolean;
}

interface Variant {
  id: IdKey;
  draft: IdKey;
  name: string;
  copiedFrom: IdKey | "";
  removed: boolean;
  chars: Char[];
}

export class FakeDocument {
  readonly replica = 1n;
  private counter = 0;
  private author = "1";
  private readonly draftList: { id: IdKey; name: string; removed: boolean }[] = [];
  private readonly variantMap = new Map<IdKey, Variant>();
  private changes: Changes = { entities: new Set(), texts: new Set(), structure: false };
  /** Every local edit call, for assertions. */
  readonly log: string[] = [];

  asDocument(): ConveneDocument {
    return this as unknown as ConveneDocument;
  }

  /** Runs edits as another replica (a remote participant). */
  remote(run: () => void): void {
    const saved = this.author;
    this.author = "2";
    try {
      run();
    } finally {
      this.author = saved;
    }
  }

  private nextId(): IdKey {
    return `${this.author}:${++this.counter}`;
  }

  createDraft(name: string): IdKey {
    const id = this.nextId();
    this.draftList.push({ id, name, removed: false });
    this.variantMap.set(id, {
      id,
      draft: id,
      name: "base",
      copiedFrom: "",
      removed: false,
      chars: [],
    });
    this.changes.structure = true;
    this.log.push(`createDraft ${name}`);
    return id;
  }

  createVariant(draft: IdKey, name: string, copyFrom?: IdKey): IdKey {
    const id = this.nextId();
    const source = copyFrom ? this.variantMap.get(copyFrom) : undefined;
    const text = source ? this.text(source.id) : "";
    this.variantMap.set(id, {
      id,
      draft,
      name,
      copiedFrom: copyFrom ?? "",
      removed: false,
      chars: [],
    });
    this.insertRaw(id, 0, text);
    this.changes.structure = true;
    this.log.push(`createVariant ${name} from ${copyFrom ?? ""}`);
    return id;
  }

  rename(target: IdKey, name: string): void {
    const draft = this.draftList.find((d) => d.id === target);
    if (draft) draft.name = name;
    else this.variant(target).name = name;
    this.changes.structure = true;
    this.log.push(`rename ${target} ${name}`);
  }

  remove(target: IdKey): void {
    const draft = this.draftList.find((d) => d.id === target);
    if (draft) draft.removed = true;
    else this.variant(target).removed = true;
    this.changes.structure = true;
    this.log.push(`remove ${target}`);
  }

  drafts(): NamedView[] {
    return this.draftList.filter((d) => !d.removed).map(({ id, name }) => ({ id, name }));
  }

  variants(draft: IdKey): VariantView[] {
    return [...this.variantMap.values()]
      .filter((v) => v.draft === draft && !v.removed)
      .map(({ id, name, draft: d, copiedFrom }) => ({ id, name, draft: d, copiedFrom }));
  }

  text(variant: IdKey): string {
    return this.visible(variant)
      .map((c) => c.ch)
      .join("");
  }

  textLength(variant: IdKey): number {
    return this.visible(variant).length;
  }

  insertText(variant: IdKey, pos: number, text: string): void {
    if (pos < 0 || pos > this.textLength(variant))
      throw new EditError(`position ${pos} out of range`);
    this.log.push(`insert ${pos} ${JSON.stringify(text)}`);
    this.insertRaw(variant, pos, text);
  }

  deleteText(variant: IdKey, pos: number, length: number): void {
    const visible = this.visible(variant);
    if (pos < 0 || pos + length > visible.length)
      throw new EditError(`range ${pos}+${length} out of range`);
    this.log.push(`delete ${pos} ${length}`);
    for (const c of visible.slice(pos, pos + length)) c.deleted = true;
    this.changes.texts.add(variant);
  }

  anchorAt(variant: IdKey, pos: number): IdKey | null {
    if (pos <= 0) return null;
    return this.visible(variant)[pos - 1].id;
  }

  positionOf(variant: IdKey, anchor: IdKey | null): number {
    if (anchor === null) return 0;
    let visibleBefore = 0;
    for (const c of this.variant(variant).chars) {
      if (c.id === anchor) return c.deleted ? visibleBefore : visibleBefore + 1;
      if (!c.deleted) visibleBefore++;
    }
    throw new Error(`unknown anchor ${anchor}`);
  }

  takeChanges(): Changes {
    const changes = this.changes;
    this.changes = { entities: new Set(), texts: new Set(), structure: false };
    return changes;
  }

  undoCheckpoint(): void {}

  private insertRaw(variant: IdKey, pos: number, text: string): void {
    const chars = this.variant(variant).chars;
    // After the visible character before pos (the local insert rule).
    let index = 0;
    if (pos > 0) {
      let seen = 0;
      index = chars.findIndex((c) => !c.deleted && ++seen === pos) + 1;
    }
    const created = Array.from(text, (ch) => ({ id: this.nextId(), ch, deleted: false }));
    chars.splice(index, 0, ...created);
    this.changes.texts.add(variant);
  }

  private visible(variant: IdKey): Char[] {
    return this.variant(variant).chars.filter((c) => !c.deleted);
  }

  private variant(id: IdKey): Variant {
    const variant = this.variantMap.get(id);
    if (!variant) throw new EditError(`no variant ${id}`);
    return variant;
  }
}

export class FakeContext implements AppContext {
  readonly doc: ConveneDocument;
  readonly me: Participant = { id: "aa01", name: "Me", colour: "#3355aa", role: "convener" };
  canEdit = true;
  others: Participant[] = [];
  readonly editedCalls: boolean[] = [];
  readonly presence: PresenceInit[] = [];
  readonly toasts: string[] = [];
  undos = 0;
  redos = 0;
  private readonly changeListeners = new Listeners<Changes>();
  private readonly presenceListeners = new Listeners();

  constructor(readonly fake: FakeDocument = new FakeDocument()) {
    this.doc = fake.asDocument();
  }

  participants(): Participant[] {
    return [this.me, ...this.others];
  }

  participant(id: string): Participant | undefined {
    return this.participants().find((p) => p.id === id);
  }

  edited(checkpoint = false): void {
    this.editedCalls.push(checkpoint);
  }

  undo(): void {
    this.undos++;
  }

  redo(): void {
    this.redos++;
  }

  onChange(listener: (changes: Changes) => void): () => void {
    return this.changeListeners.add(listener);
  }

  onPresence(listener: () => void): () => void {
    return this.presenceListeners.add(listener);
  }

  setPresence(update: PresenceInit): void {
    this.presence.push(update);
  }

  currentMap(): IdKey | undefined {
    return undefined;
  }

  toast(message: string): void {
    this.toasts.push(message);
  }

  /** The next animation frame: everything that changed goes to the views. */
  flush(): void {
    this.changeListeners.emit(this.fake.takeChanges());
  }

  presenceChanged(): void {
    this.presenceListeners.emit();
  }

  listenerCount(): number {
    return this.changeListeners.size + this.presenceListeners.size;
  }
}

/** Types into a textarea the way a browser does: beforeinput, mutation, input. */
export function typeInto(
  textarea: HTMLTextAreaElement,
  inputType: string,
  data: string,
  options: { composing?: boolean } = {},
): void {
  const before = new InputEvent("beforeinput", {
    inputType,
    data,
    cancelable: true,
    bubbles: true,
  });
  if (!textarea.dispatchEvent(before)) return;
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  let next: string;
  let caret: number;
  if (inputType === "deleteContentBackward") {
    const from = start === end ? start - charBefore(value, start) : start;
    next = value.slice(0, from) + value.slice(end);
    caret = from;
  } else if (inputType === "deleteContentForward") {
    const to = start === end ? end + charAfter(value, end) : end;
    next = value.slice(0, start) + value.slice(to);
    caret = start;
  } else {
    next = value.slice(0, start) + data + value.slice(end);
    caret = start + data.length;
  }
  textarea.value = next;
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(
    new InputEvent("input", { inputType, data, bubbles: true, isComposing: options.composing }),
  );
}

function charBefore(value: string, offset: number): number {
  if (offset === 0) return 0;
  const unit = value.charCodeAt(offset - 1);
  return unit >= 0xdc00 && unit <= 0xdfff && offset >= 2 ? 2 : 1;
}

function charAfter(value: string, offset: number): number {
  if (offset >= value.length) return 0;
  const unit = value.charCodeAt(offset);
  return unit >= 0xd800 && unit <= 0xdbff ? 2 : 1;
}
