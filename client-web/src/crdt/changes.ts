// What changed since the last takeChanges(): filled in by every apply and
// local edit, drained by the UI once per frame.
import type { Changes, IdKey } from "./api";

export class ChangeLog {
  private entities = new Set<IdKey>();
  private texts = new Set<IdKey>();
  private structure = false;

  /** An entity whose visible state may differ. */
  touch(id: IdKey): void {
    this.entities.add(id);
  }

  /** A variant whose text changed. */
  touchText(variant: IdKey): void {
    this.entities.add(variant);
    this.texts.add(variant);
  }

  /** A map, draft or variant was created, removed, restored or renamed. */
  touchStructure(id: IdKey): void {
    this.entities.add(id);
    this.structure = true;
  }

  take(): Changes {
    const out: Changes = { entities: this.entities, texts: this.texts, structure: this.structure };
    this.entities = new Set();
    this.texts = new Set();
    this.structure = false;
    return out;
  }
}
