// What the drafts list and the variant tabs share: which name is being typed
// and which delete waits for its confirming second click.

import type { IdKey } from "../crdt/api";

export type Naming =
  { kind: "new-draft" } | { kind: "new-variant" } | { kind: "rename"; id: IdKey };

export interface ListControls {
  canEdit: boolean;
  naming: Naming | undefined;
  /** A delete button clicked once; a second click within a few seconds deletes. */
  armedDelete: IdKey | undefined;
  startNaming(naming: Naming): void;
  commitName(naming: Naming, name: string): void;
  cancelNaming(): void;
  requestDelete(id: IdKey): void;
}

export function isRenaming(naming: Naming | undefined, id: IdKey): boolean {
  return naming?.kind === "rename" && naming.id === id;
}
