// The AppContext the views use, on top of a Session: batches local edits and
// remote changes into one Submit and one repaint per animation frame, and
// turns the session's roster and status into what the views need.
import type { Changes, ConveneDocument, IdKey } from "../crdt/api";
import type { Session } from "../net/session";
import type { AppContext, Participant, PresenceInit } from "./context";
import { pastMembers } from "./api-client";
import { showToast } from "./dom";
import { Listeners } from "./listeners";

export class SessionContext implements AppContext {
  private readonly changeListeners = new Listeners<Changes>();
  private readonly presenceListeners = new Listeners();
  private frameRequested = false;
  private flushNeeded = false;
  private pendingChanges: Changes = { entities: new Set(), texts: new Set(), structure: false };
  private readonly unsubscribe: (() => void)[] = [];
  /** Set by the shell: which map the map view shows. */
  currentMapSource: () => IdKey | undefined = () => undefined;

  /** Names of everyone who ever joined (GET …/members), loaded on first need. */
  private pastNames = new Map<string, string>();
  private pastNamesLoadedAt = -Infinity;

  /** `token` reads the members list (names of members who are offline). */
  constructor(
    readonly session: Session,
    private readonly token?: string,
  ) {
    this.unsubscribe.push(
      session.onRemoteChange(() => this.scheduleFrame()),
      session.onPresence(() => this.notifyPresence()),
      session.onJoined(() => this.notifyPresence()),
      session.onReset(() => {
        // The replica was rebuilt without a refused edit: repaint everything.
        this.pendingChanges.structure = true;
        this.scheduleFrame();
      }),
    );
  }

  get doc(): ConveneDocument {
    return this.session.doc;
  }

  get me(): Participant {
    return this.session.me();
  }

  get canEdit(): boolean {
    const role = this.session.role();
    return role === "convener" || role === "participant";
  }

  participants(): Participant[] {
    return this.session.members();
  }

  participant(id: string): Participant | undefined {
    return this.session.member(id);
  }

  memberOfReplica(replica: string | bigint): { id: string; name: string } | undefined {
    let id: string;
    try {
      const value = BigInt(replica);
      if (value <= 0n || value >= 1n << 64n) return undefined;
      id = value.toString(16).padStart(16, "0");
    } catch {
      return undefined;
    }
    const name = this.participant(id)?.name ?? this.pastNames.get(id);
    if (name === undefined) this.loadPastNames();
    return { id, name: name ?? "someone" };
  }

  /** At most every 30 s: an unknown author may have joined since. */
  private loadPastNames(): void {
    const now = performance.now();
    if (!this.token || now - this.pastNamesLoadedAt < 30_000) return;
    this.pastNamesLoadedAt = now;
    pastMembers(this.session.convening, this.token)
      .then((members) => {
        this.pastNames = new Map(members.map((m) => [m.id, m.name]));
        this.notifyPresence();
      })
      .catch(() => {
        // Offline: names wait for the next attempt.
      });
  }

  edited(checkpoint = false): void {
    if (checkpoint) this.doc.undoCheckpoint();
    this.flushNeeded = true;
    this.scheduleFrame();
  }

  undo(): void {
    if (!this.canEdit) return;
    this.doc.undoCheckpoint();
    if (!this.doc.canUndo()) return;
    this.doc.undo();
    this.edited(true);
  }

  redo(): void {
    if (!this.canEdit || !this.doc.canRedo()) return;
    this.doc.redo();
    this.edited(true);
  }

  onChange(listener: (changes: Changes) => void): () => void {
    return this.changeListeners.add(listener);
  }

  onPresence(listener: () => void): () => void {
    return this.presenceListeners.add(listener);
  }

  setPresence(update: PresenceInit): void {
    this.session.setPresence(update);
  }

  currentMap(): IdKey | undefined {
    return this.currentMapSource();
  }

  toast(message: string, kind: "info" | "error" = "info"): void {
    showToast(message, kind);
  }

  /** Repaints every view now (e.g. after the role became known). */
  repaintAll(): void {
    this.pendingChanges.structure = true;
    this.scheduleFrame();
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
  }

  private scheduleFrame(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.runFrame());
  }

  private runFrame(): void {
    this.frameRequested = false;
    if (this.flushNeeded) {
      this.flushNeeded = false;
      // Sending and storing the frame's edits is no part of what the frame
      // shows: done once it is painted, a keystroke's echo is not delayed by it.
      afterFrame(() =>
        this.session.flush().catch((e: unknown) => {
          this.toast(e instanceof Error ? e.message : String(e), "error");
        }),
      );
    }
    const fresh = this.doc.takeChanges();
    const changes = this.pendingChanges;
    this.pendingChanges = { entities: new Set(), texts: new Set(), structure: false };
    for (const id of fresh.entities) changes.entities.add(id);
    for (const id of fresh.texts) changes.texts.add(id);
    changes.structure ||= fresh.structure;
    if (changes.entities.size === 0 && changes.texts.size === 0 && !changes.structure) return;
    this.changeListeners.emit(changes);
  }

  private notifyPresence(): void {
    this.presenceListeners.emit();
  }
}

/**
 * Runs `task` after the current frame's rendering: a message posted from a
 * frame callback is handled once the frame's style, layout and paint are done.
 */
function afterFrame(task: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(null);
}
