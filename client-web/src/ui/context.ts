// What every view of the app (map, drafts, history, header) is given: the
// document replica, who I am, who else is here, and the three verbs that keep
// the replica, the server and the screen in step.
import type { ConveneDocument, Changes, IdKey } from "../crdt/api";
import type { PresenceState } from "../gen/convene/v1/protocol_pb";
import type { PresenceStateSchema } from "../gen/convene/v1/protocol_pb";
import type { MessageInitShape } from "@bufbuild/protobuf";

export type RoleName = "convener" | "participant" | "observer";

export interface Participant {
  /** Member id: the hex of the participant's replica (stable per browser). */
  id: string;
  name: string;
  colour: string; // "#rrggbb"
  role: RoleName;
  presence?: PresenceState;
}

export type PresenceInit = MessageInitShape<typeof PresenceStateSchema>;

export interface AppContext {
  readonly doc: ConveneDocument;
  /** Me. `me.id` is what self_of, sphere_of and perspectives name. */
  readonly me: Participant;
  /** False for observers: views disable their controls, not just get refused. */
  readonly canEdit: boolean;
  /** Everyone online, me included. */
  participants(): Participant[];
  participant(id: string): Participant | undefined;

  /**
   * Call after local edits. Schedules one Submit and one repaint at the next
   * animation frame, however many edits happened before it (drags, typing).
   * `checkpoint`: the edit completes an undo step (a drop, a field committed);
   * typing and drags pass false until they end.
   */
  edited(checkpoint?: boolean): void;

  /** Undo / redo my own edits (Ctrl+Z, Ctrl+Shift+Z anywhere in the app). */
  undo(): void;
  redo(): void;

  /** Called once per animation frame with everything that changed, local or remote. */
  onChange(listener: (changes: Changes) => void): () => void;
  /** Someone joined, left, moved their cursor, changed selection or caret. */
  onPresence(listener: () => void): () => void;
  /** My ephemeral state, merged into what was set before and throttled. */
  setPresence(update: PresenceInit): void;

  /**
   * Who made ops with a replica (an entity's creator: the replica part of its
   * id, decimal or bigint). A member id is its replica in hex, so the id is
   * always known; the name is the member's, online or not, once the members
   * list has loaded ("someone" until then; presence listeners hear when it has).
   */
  memberOfReplica?(replica: string | bigint): { id: string; name: string } | undefined;

  /** The map currently shown (maps tab), for presence and follow. */
  currentMap(): IdKey | undefined;
  /** Show a short message (an error, "link copied"). */
  toast(message: string, kind?: "info" | "error"): void;
}
