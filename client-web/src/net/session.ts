// One convening, live and offline: the browser's replica kept in step with
// convene-server over the WebSocket protocol (docs/protocol.md), and with
// IndexedDB so that it survives reloads without network.
//
// Local edits go doc.takeOutbox() -> pending (IndexedDB, durable) -> Submit;
// an Ack drops them from pending. Remote ops are applied, logged and stored.
// After any break the connection comes back with Hello{last_seen_seq, resend:
// pending}: the server sends what we missed and acknowledges what it already
// had, so nothing is lost or applied twice.
import { create, fromBinary } from "@bufbuild/protobuf";
import type { ApplyResult, ConveneDocument } from "../crdt/api";
import { Document } from "../crdt/document";
import type { Op } from "../gen/convene/v1/ops_pb";
import {
  ErrorCode,
  PresenceStateSchema,
  ServerMessageSchema,
  type Ack,
  type Error as ServerError,
  type PresenceState,
  type PresenceUpdate,
  type SequencedOp,
  type ServerMessage,
  type Welcome,
} from "../gen/convene/v1/protocol_pb";
import type { Participant, PresenceInit, RoleName } from "../ui/context";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import { CommittedLog } from "./committed-log";
import {
  LocalStore,
  PendingLimitError,
  rememberReplica,
  secretsFor,
  type CommitRecord,
  type JoinRecord,
} from "./local-store";
import { encodeOp, rememberFrameOps } from "./op-bytes";
import { boundedPresence, mergePresence, Roster, Throttle } from "./presence";
import {
  claimReplica,
  defaultLocks,
  lockReplica,
  randomReplica,
  randomSecret,
  type LockManagerLike,
} from "./replica";
import { splitForFrames } from "./split-ops";
import { SubmitHold, type HoldReason } from "./submit-hold";
import {
  chunkOps,
  type ClientBody,
  encodeClientMessage,
  FRAME_BUDGET_BYTES,
  frameMessages,
  MAX_OPS_PER_RESEND,
  MAX_OPS_PER_SUBMIT,
  memberIdOf,
  opKey,
  PROTOCOL_VERSION,
  roleName,
} from "./wire";

/**
 * held: the server refused our latest edits for now (too fast, or over a
 * quota that frees up with time); they wait `waitMs` and go out again.
 * full: the convening is full; the edits stay on this device, resent now and
 * then. denied: the token does not admit. revoked: a convener withdrew this
 * browser's access; its copy of the convening was deleted.
 */
export type SessionState =
  | "connecting"
  | "saved"
  | "saving"
  | "offline"
  | "reconnecting"
  | "held"
  | "full"
  | "denied"
  | "revoked";

export interface SessionStatus {
  state: SessionState;
  /** Edits stored in this browser that the server has not acknowledged yet. */
  pending: number;
  /** held: when the edits go out again. */
  waitMs?: number;
}

export interface SessionError {
  /**
   * server: an Error frame; refused: the server will never accept one of our
   * edits (it and the later ones were undone); decode / unexpected: a frame
   * that made no sense (ignored); storage: IndexedDB failed; apply: a
   * committed op the document could not apply.
   */
  kind: "server" | "refused" | "decode" | "unexpected" | "storage" | "apply";
  message: string;
  code?: ErrorCode;
  /** The op concerned, "replica:counter". */
  op?: string;
}

/** Whether the browser thinks it is online, and when that changes. */
export interface NetworkMonitor {
  online(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

export interface SessionTiming {
  backoff: BackoffOptions;
  /** A Ping this often while joined... */
  pingIntervalMs: number;
  /** ...and the socket is taken for dead when nothing arrives for this long after it. */
  pongTimeoutMs: number;
  /** From opening a socket to its Welcome. */
  handshakeTimeoutMs: number;
  /** At most one PresenceState per interval (the server relays 20 per second). */
  presenceIntervalMs: number;
  /**
   * Pauses before resending what the server refused as over its rate
   * (ERROR_RATE_LIMITED). At least 1.5 s: the server takes tries a second or
   * more apart for a client backing off, not for abuse (decision 30).
   */
  rateLimitBackoff: BackoffOptions;
  /**
   * Pauses while the convening is full (ERROR_QUOTA without a wait): long,
   * since only its operator can make room; every reconnection tries too.
   */
  fullBackoff: { firstMs: number; capMs: number };
}

export const DEFAULT_TIMING: SessionTiming = {
  backoff: DEFAULT_BACKOFF,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 10_000,
  handshakeTimeoutMs: 30_000,
  presenceIntervalMs: 50,
  rateLimitBackoff: { baseMs: 2_000, capMs: 30_000, minMs: 1_500 },
  fullBackoff: { firstMs: 30_000, capMs: 600_000 },
};

export interface SessionOptions {
  convening: string;
  token: string;
  name: string;
  colour: string;
  /** Default: this page's origin, path /ws. */
  wsUrl?: string;
  webSocketFactory?: (url: string) => WebSocket;
  /** Default: the "convene" IndexedDB database, closed with the session. */
  storage?: LocalStore;
  /** Default: navigator.locks; null runs without locks. */
  locks?: LockManagerLike | null;
  /** Default: navigator.onLine and the window's online/offline events. */
  network?: NetworkMonitor;
  /** [0, 1) for backoff jitter. Default: Math.random. */
  random?: () => number;
  timing?: Partial<SessionTiming>;
  /** Default: the CRDT's Document. */
  createDocument?: (replica: bigint) => ConveneDocument;
  /**
   * Resolves when the page has time for deferred IndexedDB writes (large
   * batches of committed ops). Default: requestIdleCallback (at most
   * IDLE_WAIT_MS), else a zero-delay timer.
   */
  whenIdle?: () => Promise<void>;
  /**
   * Resolves once the next frame is painted: a large batch of local ops is
   * written to IndexedDB after it (store()). Default: afterPaint.
   */
  whenPainted?: () => Promise<void>;
}

type Phase = "idle" | "opening" | "joining" | "joined";

/**
 * Committed ops stored per transaction when a frame brings more: a large
 * Welcome is stored in chunks, each when the page is idle, so that storing it
 * neither delays the first paint of what it brings nor blocks a frame for long.
 */
export const COMMIT_CHUNK_OPS = 500;
/** The longest deferred writes wait for an idle moment. */
const IDLE_WAIT_MS = 1_000;

/** Local ops written after the next paint rather than before it (see store()). */
const LARGE_WRITE = 500;
/** The longest such a write waits for a paint (a hidden page paints none). */
const PAINT_WAIT_MS = 100;

/** Reconnections spent waiting for another tab's edits our edits depend on. */
const MAX_MISSING_RETRIES = 5;
type Listener<T> = (value: T) => void;

/** What open() loads before the session exists. */
interface Loaded {
  store: LocalStore;
  ownsStore: boolean;
  join: JoinRecord;
  replica: bigint;
  secret: Uint8Array;
  locks: LockManagerLike | undefined;
  exclusive: boolean;
  release: () => void;
  log: SequencedOp[];
  pending: Map<string, Op[]>;
  problems: SessionError[];
}

export class Session {
  readonly convening: string;
  /** Replaced only when another client turns out to hold it (ERROR_REPLICA_CLAIMED). */
  private replica_: bigint;
  private secret: Uint8Array;

  private doc_: ConveneDocument;
  private readonly log_ = new CommittedLog();
  /** Our ops, durable in IndexedDB, not acknowledged; counter order. */
  private pending: Op[] = [];
  /** Other replicas' pending ops found at open: shown, sent by the tab that claims them. */
  private readonly foreign = new Map<string, Op[]>();
  /** Our ops handed to IndexedDB whose write has not finished; counter order. */
  private unstored: Op[] = [];
  /**
   * A pending-ops write is queued and has not started: ops flushed meanwhile
   * join it (one transaction for all of them) instead of queueing their own.
   */
  private pendingWriteQueued = false;
  private writes: Promise<void> = Promise.resolve();
  /** Bumped when the server refuses an op: writes begun before hold only undone ops. */
  private epoch = 0;
  private lastSeenSeq: number;
  private role_: RoleName | undefined;
  private conveningName_: string;

  private ws: WebSocket | undefined;
  private phase: Phase = "idle";
  private everJoined = false;
  private attempt = 0;
  private denied = false;
  /** A convener withdrew our access: the local copy is deleted, nothing more is stored. */
  private revoked = false;
  private closed = false;
  /** Highest counter of ours sent on this connection. */
  private sentThrough = 0n;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  /** Edits refused for now (rate, quota): sendPending sends nothing while they wait. */
  private readonly hold: SubmitHold;
  private nonce = 0n;
  /** What the server said when it last would not take us in (onJoinRefused); cleared by a Welcome. */
  private joinRefusal: string | undefined;
  /** MISSING_DEPENDENCY answers waited out since the last Ack (see onServerError). */
  private missingRetries = 0;

  private myPresence: PresenceState = create(PresenceStateSchema);
  private presenceSet = false;
  private readonly roster: Roster;
  private readonly presenceThrottle: Throttle;

  private readonly statusListeners = new Set<Listener<SessionStatus>>();
  private readonly presenceListeners = new Set<Listener<void>>();
  private readonly remoteListeners = new Set<Listener<void>>();
  private readonly logListeners = new Set<Listener<void>>();
  private readonly errorListeners = new Set<Listener<SessionError>>();
  private readonly resetListeners = new Set<Listener<ConveneDocument>>();
  private readonly joinedListeners = new Set<Listener<void>>();
  private lastStatus: SessionStatus | undefined;

  private readonly timing: SessionTiming;
  private readonly random: () => number;
  private readonly network: NetworkMonitor;
  private readonly unsubscribeNetwork: () => void;
  private readonly wsUrl: string;
  private readonly webSocketFactory: (url: string) => WebSocket;
  private readonly createDocument: (replica: bigint) => ConveneDocument;
  private readonly whenIdle: () => Promise<void>;
  private readonly whenPainted: () => Promise<void>;

  /**
   * Loads what this browser holds about the convening, builds the replica
   * from it and starts connecting. Resolves without waiting for the network.
   */
  static async open(options: SessionOptions): Promise<Session> {
    // The socket's handshake runs while IndexedDB is read: the Hello needs
    // both, and the server says nothing before it, so nothing is missed.
    const early = openEarlySocket(options);
    let loaded: Loaded;
    try {
      loaded = await load(options);
    } catch (error) {
      early?.close();
      throw error;
    }
    const session = new Session(options, loaded);
    for (const problem of loaded.problems) session.report(problem);
    session.connect(early);
    return session;
  }

  private constructor(
    options: SessionOptions,
    private readonly loaded: Loaded,
  ) {
    this.convening = options.convening;
    this.replica_ = loaded.replica;
    this.secret = loaded.secret;
    this.lastSeenSeq = loaded.join.lastSeenSeq;
    this.role_ = loaded.join.role || undefined;
    this.conveningName_ = loaded.join.conveningName;
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.random = options.random ?? Math.random;
    this.network = options.network ?? browserNetwork();
    this.wsUrl = socketUrl(options);
    this.webSocketFactory = socketFactory(options);
    this.createDocument = options.createDocument ?? ((replica) => new Document(replica));
    this.whenIdle = options.whenIdle ?? browserIdle;
    this.whenPainted = options.whenPainted ?? afterPaint;
    this.roster = new Roster(() => this.me());
    this.presenceThrottle = new Throttle(this.timing.presenceIntervalMs, () => this.sendPresence());
    this.hold = new SubmitHold(this.timing, this.random, () => {
      this.sendPending();
      this.emitStatus();
    });

    for (const entry of loaded.log) this.log_.add(entry);
    this.adoptPending(loaded.pending);
    const built = this.buildDocument();
    this.doc_ = built.doc;
    if (built.failed > 0) loaded.problems.push(unappliable(built.failed));
    this.unsubscribeNetwork = this.network.subscribe((online) => this.onNetworkChange(online));
  }

  // ---- what the app reads -----------------------------------------------------

  get replica(): bigint {
    return this.replica_;
  }

  /** My member id (the hex of my replica), known before any Welcome. */
  get memberId(): string {
    return memberIdOf(this.replica_);
  }

  /**
   * What signs a request as this member (a named version): the member id and
   * the replica's secret in hex, which the server checks as it checks a Hello.
   */
  get signature(): { member: string; secret: string } {
    const secret = Array.from(this.secret, (b) => b.toString(16).padStart(2, "0")).join("");
    return { member: this.memberId, secret };
  }

  /** The replica. It is replaced (see onReset) only when the server refuses an edit. */
  get doc(): ConveneDocument {
    return this.doc_;
  }

  /** My role; undefined until the server has said (first visit, before the Welcome). */
  role(): RoleName | undefined {
    return this.role_;
  }

  conveningName(): string {
    return this.conveningName_;
  }

  /** Me, with my local presence. Until my role is known it reads "observer". */
  me(): Participant {
    return {
      id: this.memberId,
      name: this.loaded.join.name,
      colour: this.loaded.join.colour,
      role: this.role_ ?? "observer",
      presence: this.myPresence,
    };
  }

  /** Everyone online, me first (only me while disconnected). */
  members(): Participant[] {
    return this.roster.list();
  }

  member(id: string): Participant | undefined {
    return this.roster.get(id);
  }

  /** Every committed op in seq order (the history). Do not modify the array. */
  log(): SequencedOp[] {
    return this.log_.inOrder();
  }

  status(): SessionStatus {
    const pending = this.pending.length;
    if (this.revoked) return { state: "revoked", pending };
    if (this.denied) return { state: "denied", pending };
    if (!this.network.online()) return { state: "offline", pending };
    if (this.phase === "joined") {
      if (this.hold.reason === "full") return { state: "full", pending };
      const waitMs = this.hold.remainingMs();
      if (waitMs !== undefined) return { state: "held", pending, waitMs };
      const busy = pending > 0 || this.unstored.length > 0;
      return { state: busy ? "saving" : "saved", pending };
    }
    if (this.phase === "opening" || this.phase === "joining") {
      return { state: this.everJoined ? "reconnecting" : "connecting", pending };
    }
    return { state: "offline", pending };
  }

  // ---- listeners (each returns its unsubscribe function) -------------------------

  onStatus(listener: Listener<SessionStatus>): () => void {
    return subscribe(this.statusListeners, listener);
  }

  /** Someone joined, left or moved (and my own presence changed). */
  onPresence(listener: () => void): () => void {
    return subscribe(this.presenceListeners, listener);
  }

  /** Remote ops were applied to doc: repaint. */
  onRemoteChange(listener: () => void): () => void {
    return subscribe(this.remoteListeners, listener);
  }

  /** log() grew (remote ops, or ours acknowledged). */
  onLog(listener: () => void): () => void {
    return subscribe(this.logListeners, listener);
  }

  onError(listener: Listener<SessionError>): () => void {
    return subscribe(this.errorListeners, listener);
  }

  /** A Welcome arrived: role() and conveningName() may have changed. */
  onJoined(listener: () => void): () => void {
    return subscribe(this.joinedListeners, listener);
  }

  /**
   * The server refused one of our edits: doc was rebuilt without it and the
   * edits made after it (they depended on it). Views must re-read `doc`.
   */
  onReset(listener: Listener<ConveneDocument>): () => void {
    return subscribe(this.resetListeners, listener);
  }

  // ---- what the app does --------------------------------------------------------

  /**
   * Call once per animation frame after local edits: stores the outbox in
   * IndexedDB and submits it. Resolves when the edits are durable locally.
   * Throws PendingLimitError (leaving the edits in the outbox) when too many
   * edits already wait for the server.
   */
  flush(): Promise<void> {
    if (this.closed || this.revoked || this.doc_.outboxSize() === 0) return this.writes;
    const limit = this.loaded.store.pendingLimit;
    if (this.pending.length + this.unstored.length + this.doc_.outboxSize() > limit) {
      throw new PendingLimitError(limit);
    }
    const ops = splitForFrames(this.doc_.takeOutbox());
    const tooLarge = ops.findIndex((op) => this.sizeOf(op) > FRAME_BUDGET_BYTES);
    this.store(tooLarge >= 0 ? ops.slice(0, tooLarge) : ops);
    if (tooLarge >= 0) this.undoUnsendable(ops[tooLarge], ops.length - tooLarge);
    this.emitStatus();
    return this.writes;
  }

  /** Merges into my presence; sent at most once per presenceIntervalMs, latest state. */
  setPresence(update: PresenceInit): void {
    this.myPresence = mergePresence(this.myPresence, update);
    this.presenceSet = true;
    this.presenceThrottle.request();
    this.emit(this.presenceListeners, undefined);
  }

  /** Disconnects, releases the replica and (if opened here) the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeNetwork();
    this.presenceThrottle.cancel();
    clearTimeout(this.reconnectTimer);
    this.dropConnection(1000);
    await this.writes;
    this.loaded.release();
    if (this.loaded.ownsStore) this.loaded.store.close();
  }

  // ---- local edits -> IndexedDB -> server -------------------------------------------

  /**
   * Writes ops to IndexedDB; once durable they are pending and sent. At most
   * one such write is queued at a time: ops flushed while it waits for its
   * turn are written with it, in the same transaction.
   */
  private store(ops: Op[]): void {
    if (ops.length === 0) return;
    this.unstored.push(...ops);
    if (this.pendingWriteQueued) return;
    this.pendingWriteQueued = true;
    const epoch = this.epoch;
    this.enqueue(async () => {
      if (epoch !== this.epoch) return; // undone by a refusal before it started
      // Thousands of ops (an import, a layout) take a third of a second to
      // hand to IndexedDB: after the frame that shows them, not before it.
      if (this.unstored.length >= LARGE_WRITE) await this.whenPainted();
      if (epoch !== this.epoch) return;
      this.pendingWriteQueued = false;
      // Earlier writes have finished (one task at a time): every op still
      // unstored is this write's, and later flushes queue the next write.
      const batch = this.unstored.slice();
      try {
        await this.loaded.store.appendPending(this.convening, this.replica.toString(), batch);
      } catch (error) {
        // Not stored, but the server may still take them: send anyway.
        this.report({ kind: "storage", message: `edits not stored locally: ${describe(error)}` });
      }
      if (epoch !== this.epoch) return; // undone by a refusal meanwhile
      this.unstored.splice(0, batch.length);
      this.pending.push(...batch);
      this.sendPending();
      this.emitStatus();
    });
  }

  /** Sends pending ops not yet sent on this connection, in frames the server takes. */
  private sendPending(): void {
    if (this.phase !== "joined" || this.hold.waiting) return;
    const unsent = this.pending.filter((op) => op.counter > this.sentThrough);
    for (const ops of chunkOps(unsent, MAX_OPS_PER_SUBMIT, (op) => this.sizeOf(op))) {
      if (!this.send({ case: "submit", value: { ops } })) return;
      this.sentThrough = ops[ops.length - 1].counter;
    }
  }

  /**
   * The server will never accept our op at counter `from` (nor the later ones:
   * counters must be contiguous). Drops them, rebuilds the document without
   * them so new edits can flow, and reconnects so that errors about the
   * dropped ops cannot be taken for the new ones that reuse their counters.
   */
  private refuse(from: bigint, why: string, code: ErrorCode): void {
    const lost = this.discardFrom(from);
    this.hold.reset(); // nothing from the held op on is left to hold
    this.rebuildDocument();
    const op = opKey(this.replica, from);
    this.announceUndone({
      kind: "refused",
      code,
      op,
      message: `edit ${op} was refused (${why}); it and ${lost - 1} later edit(s) were undone`,
    });
    if (this.ws) {
      this.dropConnection(1000);
      this.connect();
    }
    this.emitStatus();
  }

  /**
   * Gives up our ops from counter `from` on, in memory and in IndexedDB, with
   * everything newer: writes still under way and edits not flushed yet.
   * Returns how many edits that is. The caller rebuilds the document.
   */
  private discardFrom(from: bigint): number {
    const undone = this.doc_.takeOutbox().length;
    const dropped = this.pending.filter((op) => op.counter >= from).length;
    const lost = dropped + this.unstored.length + undone;
    this.pending = this.pending.filter((op) => op.counter < from);
    this.unstored = [];
    this.pendingWriteQueued = false; // a queued write sees the new epoch and does nothing
    this.epoch++;
    const replica = this.replica.toString();
    this.enqueue(() => this.loaded.store.dropPendingFrom(this.convening, replica, from));
    return lost;
  }

  /** Reports edits undone (the document was rebuilt without them): views re-read it. */
  private announceUndone(error: SessionError): void {
    this.report(error);
    this.emit(this.resetListeners, this.doc_);
    this.emit(this.remoteListeners, undefined);
  }

  /**
   * A local op too large for any frame: the server can never get it. Undone
   * with the edits after it (`count` in all) by rebuilding the document.
   */
  private undoUnsendable(op: Op, count: number): void {
    this.rebuildDocument();
    const key = opKey(op.replica, op.counter);
    this.announceUndone({
      kind: "refused",
      op: key,
      message: `edit ${key} is too large to send; it and ${count - 1} later edit(s) were undone`,
    });
  }

  // ---- connection -------------------------------------------------------------------

  /** Opens a socket, or takes over `opened` (see open()), and says Hello once it is open. */
  private connect(opened?: WebSocket): void {
    if (this.closed || this.denied || this.ws) {
      opened?.close();
      return;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    let ws: WebSocket;
    try {
      ws = opened ?? this.webSocketFactory(this.wsUrl);
    } catch (error) {
      this.report({ kind: "unexpected", message: `cannot open ${this.wsUrl}: ${describe(error)}` });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.phase = "opening";
    ws.binaryType = "arraybuffer";
    ws.onopen = () => ws === this.ws && this.onOpen();
    ws.onmessage = (event: MessageEvent) => ws === this.ws && this.onFrame(event.data);
    ws.onclose = () => ws === this.ws && this.onConnectionLost();
    ws.onerror = () => ws === this.ws && this.onConnectionLost();
    this.handshakeTimer = setTimeout(() => this.onConnectionLost(), this.timing.handshakeTimeoutMs);
    this.emitStatus();
    // A socket taken over may have opened or failed before it had handlers.
    if (ws.readyState === SOCKET_OPEN) this.onOpen();
    else if (ws.readyState >= SOCKET_CLOSING) this.onConnectionLost();
  }

  private onOpen(): void {
    this.phase = "joining";
    const resend = chunkOps(this.pending, MAX_OPS_PER_RESEND, (op) => this.sizeOf(op))[0] ?? [];
    const join = this.loaded.join;
    const sent = this.send({
      case: "hello",
      value: {
        protocol: PROTOCOL_VERSION,
        token: join.token,
        replica: this.replica,
        replicaSecret: this.secret,
        convening: this.convening,
        lastSeenSeq: BigInt(this.lastSeenSeq),
        resend,
        name: join.name,
        colour: join.colour,
        opsOnly: true,
        batches: true,
      },
    });
    if (!sent) return;
    this.sentThrough = resend.length > 0 ? resend[resend.length - 1].counter : 0n;
    this.emitStatus();
  }

  /** The socket closed, failed or went silent: forget it and try again later. */
  private onConnectionLost(): void {
    this.dropConnection(4000);
    this.scheduleReconnect();
  }

  private dropConnection(code: number): void {
    const ws = this.ws;
    clearTimeout(this.handshakeTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.hold.cancel();
    this.handshakeTimer = this.pingTimer = this.pongTimer = undefined;
    this.ws = undefined;
    this.phase = "idle";
    this.sentThrough = 0n;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(code);
      } catch {
        // Already closed or never opened: nothing to release.
      }
    }
    this.roster.clear();
    this.emit(this.presenceListeners, undefined);
    this.emitStatus();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.denied || this.reconnectTimer !== undefined) return;
    const delay = backoffDelay(this.attempt++, this.random, this.timing.backoff);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.emitStatus();
  }

  private onNetworkChange(online: boolean): void {
    if (online && !this.ws) this.connect();
    this.emitStatus();
  }

  /** Dead-socket detection: a Ping now and then, and silence after it ends the socket. */
  private startPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.pongTimer !== undefined) return;
      this.send({ case: "ping", value: { nonce: ++this.nonce } });
      this.pongTimer = setTimeout(() => this.onConnectionLost(), this.timing.pongTimeoutMs);
    }, this.timing.pingIntervalMs);
  }

  private send(body: ClientBody): boolean {
    if (!this.ws || this.phase === "opening") return false;
    try {
      this.ws.send(encodeClientMessage(body));
      return true;
    } catch (error) {
      this.report({ kind: "unexpected", message: `send failed: ${describe(error)}` });
      this.onConnectionLost();
      return false;
    }
  }

  // ---- server -> client -------------------------------------------------------------

  private onFrame(data: unknown): void {
    // Anything arriving proves the socket alive (a Pong may queue behind a big Welcome).
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    let messages: Uint8Array[];
    try {
      if (!(data instanceof ArrayBuffer)) throw new TypeError("not a binary frame");
      messages = frameMessages(new Uint8Array(data));
    } catch (error) {
      this.report({ kind: "decode", message: `ignored a frame: ${describe(error)}` });
      return;
    }
    for (const bytes of messages) this.onMessage(bytes);
  }

  /** One ServerMessage: a frame, or one message of a Batch. */
  private onMessage(bytes: Uint8Array): void {
    let message: ServerMessage;
    try {
      message = fromBinary(ServerMessageSchema, bytes);
      if (message.body.case === "batch") throw new Error("a Batch inside a Batch");
      // Committed ops are stored as the bytes they arrived in (no re-encoding).
      const body = message.body;
      if (body.case === "welcome" || body.case === "ops") rememberFrameOps(bytes, body.value.ops);
    } catch (error) {
      this.report({ kind: "decode", message: `ignored a message: ${describe(error)}` });
      return;
    }
    try {
      this.dispatch(message);
    } catch (error) {
      this.report({
        kind: "unexpected",
        message: `ignored a ${message.body.case ?? "empty"} message: ${describe(error)}`,
      });
    }
  }

  private dispatch(message: ServerMessage): void {
    const body = message.body;
    if (body.case !== "error" && body.case !== "welcome" && this.phase !== "joined") {
      this.report({
        kind: "unexpected",
        message: `${body.case ?? "an empty message"} before Welcome`,
      });
      return;
    }
    switch (body.case) {
      case "welcome":
        return this.onWelcome(body.value);
      case "ops":
        return this.onCommitted(body.value.ops);
      case "ack":
        return this.onAck(body.value);
      case "presence":
        return this.onPresenceUpdate(body.value);
      case "error":
        return this.onServerError(body.value);
      case "pong":
        return;
      default:
        this.report({ kind: "unexpected", message: "a message of an unknown kind" });
    }
  }

  private onWelcome(welcome: Welcome): void {
    if (this.phase !== "joining") {
      this.report({ kind: "unexpected", message: "a second Welcome" });
      return;
    }
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.phase = "joined";
    this.everJoined = true;
    this.attempt = 0;
    this.joinRefusal = undefined;
    this.role_ = roleName(welcome.role) ?? this.role_;
    this.conveningName_ = welcome.conveningName;
    this.roster.reset(welcome.members);
    if (welcome.snapshot.length > 0) {
      this.report({
        kind: "unexpected",
        message: `the server sent a snapshot (seq ${welcome.snapshotSeq}), which this client cannot use; ops before it are missing`,
      });
    }
    const role = this.role_ ?? "";
    const conveningName = this.conveningName_;
    this.enqueue(async () => {
      await this.loaded.store.updateJoin(this.convening, () => ({ role, conveningName }));
    });
    this.onCommitted(welcome.ops);
    this.sendPending();
    if (this.presenceSet) this.sendPresence();
    this.startPinging();
    this.emit(this.joinedListeners, undefined);
    this.emit(this.presenceListeners, undefined);
    this.emitStatus();
  }

  /** Committed ops (Welcome or Ops): applied in seq order, logged and stored. */
  private onCommitted(entries: readonly SequencedOp[]): void {
    const fresh: SequencedOp[] = [];
    const committed = new Map<string, bigint>();
    let changed = false;
    for (const entry of [...entries].sort(bySeq)) {
      const op = entry.op;
      if (!op || entry.seq <= 0n || entry.seq > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.report({
          kind: "unexpected",
          message: `ignored a committed op with seq ${entry.seq}`,
        });
        continue;
      }
      const seq = Number(entry.seq);
      if (this.log_.hasSeq(seq)) continue;
      const result = this.applyTo(this.doc_, op);
      if (result.status === "ok") changed = true;
      else if (result.status !== "duplicate") this.reportApply(op, result, seq);
      this.log_.add(entry);
      fresh.push(entry);
      this.lastSeenSeq = Math.max(this.lastSeenSeq, seq);
      const replica = op.replica.toString();
      if ((committed.get(replica) ?? 0n) < op.counter) committed.set(replica, op.counter);
    }
    if (fresh.length === 0) return;
    const stored = [...committed]
      .filter(([replica]) => this.isMine(replica))
      .map(([replica, through]) => ({ replica, through }));
    this.forgetCommitted(committed);
    this.persistCommitted({ log: fresh, lastSeenSeq: this.lastSeenSeq, committed: stored });
    if (changed) this.emit(this.remoteListeners, undefined);
    this.emit(this.logListeners, undefined);
    this.emitStatus();
  }

  /** Ack{replica, counter, seq}: our ops up to counter are committed, the last at seq. */
  private onAck(ack: Ack): void {
    if (ack.replica !== this.replica) {
      this.report({ kind: "unexpected", message: `an Ack for replica ${ack.replica}` });
      return;
    }
    const seq = ack.seq > BigInt(Number.MAX_SAFE_INTEGER) ? 0 : Number(ack.seq);
    this.missingRetries = 0;
    this.hold.acknowledged(ack.counter);
    // Only ops sent on this connection can be acknowledged on it.
    const covered = (op: Op) => op.counter <= ack.counter && op.counter <= this.sentThrough;
    const done = this.pending.filter(covered);
    this.pending = this.pending.filter((op) => !covered(op));
    // Our own ops' commit time is not sent to us: the local clock stands in.
    const placed = seq > 0 ? this.log_.placeOwn(done, seq, this.memberId, Date.now()) : [];
    this.lastSeenSeq = Math.max(this.lastSeenSeq, seq);
    this.persistCommitted({
      log: placed,
      lastSeenSeq: this.lastSeenSeq,
      committed:
        done.length > 0 ? [{ replica: this.replica.toString(), through: lastOf(done) }] : [],
    });
    if (placed.length > 0) this.emit(this.logListeners, undefined);
    this.emitStatus();
  }

  private onPresenceUpdate(update: PresenceUpdate): void {
    this.roster.update(update.members, update.left);
    this.emit(this.presenceListeners, undefined);
  }

  private onServerError(error: ServerError): void {
    const code = error.code;
    const text = error.message.slice(0, 500);
    switch (code) {
      case ErrorCode.ERROR_UNAUTHORIZED:
      case ErrorCode.ERROR_NOT_FOUND:
        this.report({ kind: "server", code, message: text });
        this.stopForGood();
        return;
      case ErrorCode.ERROR_REVOKED:
        return this.onRevoked();
      case ErrorCode.ERROR_REPLICA_CLAIMED:
        return this.onReplicaClaimed();
      case ErrorCode.ERROR_REPLICA_IN_USE:
      case ErrorCode.ERROR_UNAVAILABLE:
        // The server closes the socket; we come back after the backoff.
        return;
      case ErrorCode.ERROR_RATE_LIMITED:
      case ErrorCode.ERROR_QUOTA:
        if (code === ErrorCode.ERROR_QUOTA && !error.op) return this.onJoinRefused(code, text);
        if (error.op && error.op.replica === this.replica && this.isPending(error.op.counter)) {
          this.onHeld(holdReason(code, error.retryAfterMs), error.op.counter, error.retryAfterMs);
          return;
        }
        break;
      case ErrorCode.ERROR_INVALID_OP:
      case ErrorCode.ERROR_MISSING_DEPENDENCY:
        if (error.op && error.op.replica === this.replica && this.isPending(error.op.counter)) {
          if (this.hold.holds(error.op.counter)) return;
          if (code === ErrorCode.ERROR_MISSING_DEPENDENCY && this.mayStillArrive()) {
            // Our edit builds on another tab's edits that have not reached the
            // server yet: resend after a while instead of giving it up.
            this.missingRetries++;
            this.onConnectionLost();
            return;
          }
          this.refuse(error.op.counter, text, code);
          return;
        }
        break;
    }
    const op = error.op ? opKey(error.op.replica, error.op.counter) : undefined;
    this.report({ kind: "server", code, op, message: text });
  }

  /**
   * The server refused our ops from `counter` on, over its rate or a quota,
   * and takes nothing of ours until that op comes again: resend from it
   * after the wait (submit-hold.ts). Nothing is dropped.
   */
  private onHeld(reason: HoldReason, counter: bigint, retryAfterMs: number): void {
    if (counter - 1n < this.sentThrough) this.sentThrough = counter - 1n;
    this.hold.refused(reason, counter, retryAfterMs);
    this.emitStatus();
  }

  /**
   * The server does not take us in for now (the convening has as many
   * members as it keeps, or as many online as it takes at once) and closes
   * the socket; we come back after the backoff. Said once, not at every try.
   */
  private onJoinRefused(code: ErrorCode, text: string): void {
    if (text === this.joinRefusal) return;
    this.joinRefusal = text;
    this.report({ kind: "server", code, message: text });
  }

  /** Denied for good (the token does not admit, or was revoked): no more reconnecting. */
  private stopForGood(): void {
    this.denied = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.dropConnection(1000);
  }

  /**
   * A convener revoked the token this browser uses (at Hello, or live): stop
   * for good and delete this browser's copy of the convening. Writes already
   * queued run first; nothing is stored after the deletion.
   */
  private onRevoked(): void {
    this.revoked = true;
    this.stopForGood();
    this.presenceThrottle.cancel();
    this.pending = [];
    this.unstored = [];
    this.foreign.clear();
    this.epoch++;
    const store = this.loaded.store;
    this.writes = this.writes
      .then(() => store.forget(this.convening))
      .catch((error: unknown) => this.report({ kind: "storage", message: describe(error) }));
    this.emitStatus();
  }

  /**
   * Another client holds our replica id (say, this browser's storage was
   * copied to another device, which used it first): the server never takes
   * ops under it from us again. A fresh replica takes over. Our edits under
   * the old one that were not acknowledged cannot be sent (their ids are the
   * other client's now): they are undone and reported, as refused edits are.
   */
  private onReplicaClaimed(): void {
    const old = this.replica_;
    const lost = this.discardFrom(0n);
    this.dropConnection(1000);
    this.hold.reset();
    this.loaded.release();
    this.loaded.release = () => {};
    this.replica_ = randomReplica();
    this.secret = randomSecret();
    this.rebuildDocument();
    this.rememberFreshReplica(old);
    if (lost > 0) {
      this.report({
        kind: "refused",
        code: ErrorCode.ERROR_REPLICA_CLAIMED,
        message:
          `another device uses this browser's replica ${memberIdOf(old)}: ` +
          `${lost} edit(s) made here that had not reached the server could not be sent and were undone`,
      });
    }
    // The document has a new replica: views re-read it.
    this.emit(this.resetListeners, this.doc_);
    this.emit(this.remoteListeners, undefined);
    this.enqueue(async () => this.connect());
  }

  /** Locks the replica that replaced `old` and stores it with its secret; `old` is forgotten. */
  private rememberFreshReplica(old: bigint): void {
    const [fresh, secret] = [this.replica_, this.secret];
    const { store, locks } = this.loaded;
    const withPending = new Set(this.foreign.keys());
    this.enqueue(async () => {
      const claim = await lockReplica(this.convening, fresh, locks);
      if (this.closed || fresh !== this.replica_) claim.release();
      else this.loaded.release = claim.release;
      await store.updateJoin(this.convening, (current) => {
        const others = current.replicas.filter((r) => r !== old.toString());
        const replicas = rememberReplica(others, fresh.toString(), withPending);
        const known = { ...current.secrets, [fresh.toString()]: secret };
        return {
          replica: fresh.toString(),
          replicas,
          secrets: secretsFor(replicas, known, randomSecret),
        };
      });
    });
  }

  private sendPresence(): void {
    if (this.phase !== "joined") return; // sent after the next Welcome
    this.send({ case: "presence", value: boundedPresence(this.myPresence) });
  }

  // ---- state helpers ---------------------------------------------------------------

  /** Applies the log, then the pending ops (others', then ours), to a fresh document. */
  private buildDocument(): { doc: ConveneDocument; failed: number } {
    const doc = this.createDocument(this.replica);
    let failed = 0;
    const replay = (op: Op) => {
      const result = this.applyTo(doc, op);
      if (result.status === "invalid" || result.status === "missing") failed++;
    };
    for (const entry of this.log_.inOrder()) if (entry.op) replay(entry.op);
    for (const ops of this.foreign.values()) ops.forEach(replay);
    this.pending.forEach(replay);
    this.unstored.forEach(replay);
    return { doc, failed };
  }

  private rebuildDocument(): void {
    const built = this.buildDocument();
    this.doc_ = built.doc;
    if (built.failed > 0) this.report(unappliable(built.failed));
  }

  /** Splits stored pending ops into ours and others', minus those already committed. */
  private adoptPending(byReplica: Map<string, Op[]>): void {
    const committed = new Map<string, bigint>();
    for (const entry of this.log_.inOrder()) {
      const op = entry.op;
      if (!op) continue;
      const replica = op.replica.toString();
      if (byReplica.has(replica) && (committed.get(replica) ?? 0n) < op.counter) {
        committed.set(replica, op.counter);
      }
    }
    const mine = this.replica.toString();
    for (const [replica, ops] of byReplica) {
      const through = committed.get(replica) ?? 0n;
      const waiting = ops.filter((op) => op.counter > through);
      if (replica === mine) this.pending = this.splitStored(waiting);
      else if (waiting.length > 0) this.foreign.set(replica, waiting);
    }
    if (committed.size > 0) {
      this.persistCommitted({
        log: [],
        lastSeenSeq: 0,
        committed: [...committed].map(([replica, through]) => ({ replica, through })),
      });
    }
  }

  /**
   * Pending ops stored by an older client may be too large for a frame: they
   * are split, and stored split, so that an Ack of the first piece never
   * drops the others with the op they came from (stored by first counter).
   */
  private splitStored(ops: Op[]): Op[] {
    const split = splitForFrames(ops);
    if (split.length === ops.length) return ops;
    const replica = this.replica.toString();
    this.enqueue(() => this.loaded.store.replacePending(this.convening, replica, split));
    return split;
  }

  /** Drops pending ops (ours and others' we hold) that the log shows committed. */
  private forgetCommitted(committed: Map<string, bigint>): void {
    for (const [replica, through] of committed) {
      if (replica === this.replica.toString()) {
        this.pending = this.pending.filter((op) => op.counter > through);
      } else if (this.foreign.has(replica)) {
        const waiting = this.foreign.get(replica)!.filter((op) => op.counter > through);
        if (waiting.length > 0) this.foreign.set(replica, waiting);
        else this.foreign.delete(replica);
      }
    }
  }

  private isMine(replica: string): boolean {
    return replica === this.replica.toString() || this.foreign.has(replica);
  }

  /** Other replicas' edits shown here are not committed yet (and we have not waited long). */
  private mayStillArrive(): boolean {
    return this.foreign.size > 0 && this.missingRetries < MAX_MISSING_RETRIES;
  }

  private isPending(counter: bigint): boolean {
    return this.pending.some((op) => op.counter === counter);
  }

  private applyTo(doc: ConveneDocument, op: Op): ApplyResult {
    try {
      return doc.apply(op);
    } catch (error) {
      return { status: "invalid", message: describe(error) };
    }
  }

  private reportApply(op: Op, result: ApplyResult, seq: number): void {
    const key = opKey(op.replica, op.counter);
    this.report({
      kind: "apply",
      op: key,
      message: `committed op ${key} (seq ${seq}) is ${result.status}: ${result.message ?? ""}`,
    });
  }

  /**
   * Stores what became committed. A large batch (a Welcome) goes in chunks of
   * COMMIT_CHUNK_OPS, each when the page is idle. The join record's
   * lastSeenSeq never claims ops not stored yet: each chunk advances it only
   * to its own highest seq (a reload meanwhile asks the server from there),
   * and the pending ops the batch covers are dropped with the last chunk.
   */
  private persistCommitted(record: CommitRecord): void {
    const store = () => this.loaded.store;
    if (record.log.length <= COMMIT_CHUNK_OPS) {
      this.enqueue(() => store().recordCommitted(this.convening, record));
      return;
    }
    const log = [...record.log].sort(bySeq);
    for (let start = 0; start < log.length; start += COMMIT_CHUNK_OPS) {
      const chunk = log.slice(start, start + COMMIT_CHUNK_OPS);
      const last = start + COMMIT_CHUNK_OPS >= log.length;
      const chunkRecord: CommitRecord = last
        ? { ...record, log: chunk }
        : {
            log: chunk,
            lastSeenSeq: Math.min(record.lastSeenSeq, Number(chunk[chunk.length - 1].seq)),
            committed: [],
          };
      this.enqueue(async () => {
        await this.whenIdle();
        await store().recordCommitted(this.convening, chunkRecord);
      });
    }
  }

  /**
   * IndexedDB work runs one task at a time, in the order it was asked for;
   * none once the local copy is being deleted (revoked).
   */
  private enqueue(task: () => Promise<void>): void {
    if (this.revoked) return;
    this.writes = this.writes.then(task).catch((error: unknown) => {
      this.report({ kind: "storage", message: describe(error) });
    });
  }

  /** Encoded size; the bytes are kept for storing the op (op-bytes.ts). */
  private sizeOf(op: Op): number {
    return encodeOp(op).length;
  }

  private report(error: SessionError): void {
    if (this.errorListeners.size === 0) console.warn(`convene: ${error.message}`);
    this.emit(this.errorListeners, error);
  }

  private emitStatus(): void {
    const status = this.status();
    const last = this.lastStatus;
    if (last && last.state === status.state && last.pending === status.pending) return;
    this.lastStatus = status;
    this.emit(this.statusListeners, status);
  }

  private emit<T>(listeners: Set<Listener<T>>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        console.error("convene: a session listener failed", error);
      }
    }
  }
}

/** Reads the join record, claims a replica, then loads the log and pending ops. */
async function load(options: SessionOptions): Promise<Loaded> {
  const ownsStore = !options.storage;
  const store = options.storage ?? (await LocalStore.open());
  const problems: SessionError[] = [];
  const stored = await store.join(options.convening);
  const pendingLoad = await store.loadPending(options.convening);
  const withPending = new Set(pendingLoad.byReplica.keys());
  // A free replica with pending ops first (they go out with it), then the most recent.
  const remembered = stored?.replicas ?? [];
  const candidates = [
    ...remembered.filter((r) => withPending.has(r)),
    ...[...withPending].filter((r) => !remembered.includes(r)),
    ...remembered.filter((r) => !withPending.has(r)),
  ];
  const locks = options.locks === null ? undefined : (options.locks ?? defaultLocks());
  const claim = await claimReplica(options.convening, candidates, locks);
  const replica = claim.replica.toString();
  let secret: Uint8Array = randomSecret();
  const join = await store.updateJoin(options.convening, (current) => {
    const replicas = rememberReplica(current.replicas, replica, withPending);
    const secrets = secretsFor(replicas, current.secrets, randomSecret);
    secret = secrets[replica];
    return {
      token: options.token,
      name: options.name,
      colour: options.colour,
      replica,
      replicas,
      secrets,
    };
  });
  // The join record is read before the log, so the log holds everything up to its lastSeenSeq.
  const logLoad = await store.loadLog(options.convening);
  if (logLoad.corrupt + pendingLoad.corrupt > 0) {
    problems.push({
      kind: "storage",
      message: `${logLoad.corrupt + pendingLoad.corrupt} stored record(s) could not be read`,
    });
  }
  return {
    store,
    ownsStore,
    join,
    replica: claim.replica,
    secret,
    locks,
    exclusive: claim.exclusive,
    release: claim.release,
    log: logLoad.ops,
    pending: pendingLoad.byReplica,
    problems,
  };
}

/** Resolves when the browser is idle (or after IDLE_WAIT_MS); a zero-delay timer elsewhere. */
function browserIdle(): Promise<void> {
  const scope = globalThis as {
    requestIdleCallback?: (callback: () => void, options?: { timeout: number }) => number;
  };
  return new Promise((resolve) => {
    if (scope.requestIdleCallback)
      scope.requestIdleCallback(() => resolve(), { timeout: IDLE_WAIT_MS });
    else setTimeout(resolve, 0);
  });
}

/**
 * Resolves after the next frame is painted: a timer queued from a frame
 * callback runs once that frame's rendering is done. A hidden page paints no
 * frames, so it waits no longer than PAINT_WAIT_MS.
 */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, PAINT_WAIT_MS);
    if (typeof requestAnimationFrame !== "function") return;
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

function holdReason(code: ErrorCode, retryAfterMs: number): HoldReason {
  if (code === ErrorCode.ERROR_RATE_LIMITED) return "rate";
  return retryAfterMs > 0 ? "quota" : "full";
}

function unappliable(count: number): SessionError {
  return { kind: "apply", message: `${count} stored op(s) could not be applied` };
}

function lastOf(ops: Op[]): bigint {
  return ops[ops.length - 1].counter;
}

function bySeq(a: SequencedOp, b: SequencedOp): number {
  return a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
}

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** WebSocket's readyState values (the global may be missing where tests run). */
const SOCKET_OPEN = 1;
const SOCKET_CLOSING = 2;

function socketUrl(options: SessionOptions): string {
  return options.wsUrl ?? defaultWsUrl();
}

function socketFactory(options: SessionOptions): (url: string) => WebSocket {
  return options.webSocketFactory ?? ((url) => new WebSocket(url));
}

/** The first socket, opened before the replica is loaded; undefined if it cannot be. */
function openEarlySocket(options: SessionOptions): WebSocket | undefined {
  try {
    const ws = socketFactory(options)(socketUrl(options));
    ws.binaryType = "arraybuffer";
    return ws;
  } catch {
    return undefined; // connect() tries again and reports why
  }
}

function defaultWsUrl(): string {
  const location = (globalThis as { location?: Location }).location;
  if (!location) return "ws://localhost/ws";
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

function browserNetwork(): NetworkMonitor {
  const scope = globalThis as {
    navigator?: { onLine?: boolean };
    addEventListener?: (type: string, listener: () => void) => void;
    removeEventListener?: (type: string, listener: () => void) => void;
  };
  return {
    online: () => scope.navigator?.onLine !== false,
    subscribe(listener) {
      if (!scope.addEventListener || !scope.removeEventListener) return () => {};
      const online = () => listener(true);
      const offline = () => listener(false);
      scope.addEventListener("online", online);
      scope.addEventListener("offline", offline);
      return () => {
        scope.removeEventListener?.("online", online);
        scope.removeEventListener?.("offline", offline);
      };
    },
  };
}
