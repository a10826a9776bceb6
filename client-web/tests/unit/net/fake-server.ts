// A scripted stand-in for convene-server behind a fake WebSocket: it decodes
// ClientMessage frames and answers ServerMessage frames the way the server's
// rooms do (docs/protocol.md): Hello -> Welcome (ops after last_seen_seq),
// Submit -> validate with a real Document, seq, Ops to the others then Ack
// to the author; duplicates re-acknowledged; presence relayed; Ping -> Pong.
// To a client that sets Hello.batches, what it sends one connection in one
// turn arrives as one Batch frame (unless `batching` is off).
// Like the server, it closes a connection with 1009 on a message above its
// limit, and can refuse Submits as over a rate (ERROR_RATE_LIMITED naming the
// first op, then nothing of that connection until the refused op comes again)
// or ops as over a quota (ERROR_QUOTA naming the op; the rest of its Submit is
// not taken). It binds each replica to the secret of its first Hello
// (ERROR_REPLICA_CLAIMED for another), can revoke a token (ERROR_REVOKED at
// Hello and to live connections), and ignores presence over its limits.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Buffer } from "node:buffer";
import { Document } from "../../../src/crdt/document";
import type { Op } from "../../../src/gen/convene/v1/ops_pb";
import {
  ClientMessageSchema,
  ErrorCode,
  MemberSchema,
  PresenceStateSchema,
  Role,
  SequencedOpSchema,
  BatchSchema,
  ServerMessageSchema,
  type ClientMessage,
  type Member,
  type SequencedOp,
} from "../../../src/gen/convene/v1/protocol_pb";
import { SERVER_MESSAGE_LIMIT_BYTES } from "../../../src/net/wire";

type ServerBody = MessageInitShape<typeof ServerMessageSchema>["body"];
type ClientCase = NonNullable<ClientMessage["body"]["case"]>;
type BodyOf<K extends ClientCase> = Extract<ClientMessage["body"], { case: K }>["value"];

export function spanOf(op: Op): bigint {
  if (op.body.case === "textInsert") return BigInt([...op.body.value.text].length);
  if (op.body.case === "textDelete") {
    return op.body.value.ranges.reduce((sum, r) => sum + r.length, 0n);
  }
  return 1n;
}

export class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;

  binaryType = "blob";
  readyState = FakeSocket.CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  /** Everything the client sent, decoded. */
  readonly sent: ClientMessage[] = [];
  replica = 0n;
  token = "";
  memberId = "";
  name = "";
  colour = "";
  role = Role.UNSPECIFIED;
  joined = false;
  closedByClient: number | undefined;
  /** Hello.batches, while the server batches. */
  batches = false;
  /** Frames of this turn, for one Batch. */
  private outbox: Uint8Array[] = [];
  /** Batch frames delivered. */
  batchFrames = 0;

  constructor(
    readonly server: FakeServer,
    readonly url: string,
  ) {}

  /** Submits are refused as over the rate until one starts at this counter. */
  heldFrom: bigint | undefined;

  send(data: Uint8Array): void {
    if (this.readyState !== FakeSocket.OPEN) throw new Error("socket is not open");
    this.server.frameSizes.push(data.length);
    if (data.length > this.server.maxMessageBytes) {
      this.drop(1009);
      return;
    }
    const message = fromBinary(ClientMessageSchema, data);
    this.sent.push(message);
    if (this.server.paused) this.server.queued.push([this, message]);
    else this.server.receive(this, message);
  }

  close(code = 1000): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.readyState = FakeSocket.CLOSED;
    this.closedByClient = code;
    this.server.left(this);
  }

  /**
   * Server side: one ServerMessage, delivered in a later task, as browsers do;
   * to a batching client, with the others of this turn in one Batch frame.
   */
  deliver(body: ServerBody): void {
    const bytes = toBinary(ServerMessageSchema, create(ServerMessageSchema, { body }));
    if (!this.batches) return this.deliverRaw(bytes.slice().buffer);
    this.outbox.push(bytes);
    if (this.outbox.length === 1) setImmediate(() => this.deliverBatch());
  }

  private deliverBatch(): void {
    const messages = this.outbox.map((bytes) => fromBinary(ServerMessageSchema, bytes));
    this.outbox = [];
    const frame =
      messages.length === 1
        ? toBinary(ServerMessageSchema, messages[0])
        : toBinary(
            ServerMessageSchema,
            create(ServerMessageSchema, {
              body: { case: "batch", value: create(BatchSchema, { messages }) },
            }),
          );
    if (messages.length > 1) this.batchFrames++;
    if (this.readyState === FakeSocket.OPEN) this.onmessage?.({ data: frame.slice().buffer });
  }

  deliverRaw(data: unknown): void {
    setImmediate(() => {
      if (this.readyState === FakeSocket.OPEN) this.onmessage?.({ data });
    });
  }

  /** Server side: the connection ends (close frame or dropped TCP). */
  drop(code = 1006): void {
    if (this.readyState === FakeSocket.CLOSED) return;
    this.server.left(this);
    // Frames already sent arrive before the close.
    setImmediate(() => {
      if (this.readyState === FakeSocket.CLOSED) return;
      this.readyState = FakeSocket.CLOSED;
      this.onclose?.({ code });
    });
  }
}

export interface FakeMember {
  name: string;
  colour: string;
}

export class FakeServer {
  /** Committed ops; seq = index + 1. */
  readonly log: SequencedOp[] = [];
  readonly doc = new Document(0n);
  readonly sockets: FakeSocket[] = [];
  /** Token -> role; any other token is refused. */
  readonly tokens = new Map<string, Role>([["tok", Role.PARTICIPANT]]);
  /** When false, sockets fail to open (no network). */
  reachable = true;
  /** When true, Pings are left unanswered (a dead link). */
  silent = false;
  /** Ops the server refuses as invalid, whatever the document says. */
  refuseIf: (op: Op) => boolean = () => false;
  /** When false, committed ops are not acknowledged (the Ack is lost). */
  acking = true;
  /** The largest message taken; a larger one closes the socket with 1009. */
  maxMessageBytes = SERVER_MESSAGE_LIMIT_BYTES;
  /** The size of every frame any client sent. */
  readonly frameSizes: number[] = [];
  /** Submits (not Hello's resend) this answers with ERROR_RATE_LIMITED. */
  overRate: (ops: Op[]) => boolean = () => false;
  /** The wait those refusals name (0: none, as older servers). */
  rateRetryAfterMs = 0;
  conveningName = "Watershed";
  /** Batch frames to clients that ask for them, as the real server does. */
  batching = true;
  /** Each replica's secret (hex), bound by its first Hello. */
  readonly secrets = new Map<bigint, string>();
  /** Tokens a convener revoked. */
  readonly revoked = new Set<string>();
  /** Ops over a quota: refused with ERROR_QUOTA and this wait (0: the convening is full). */
  overQuota: (op: Op) => number | undefined = () => undefined;
  /** When set, Hellos are refused with ERROR_QUOTA naming no op, and closed (a full room). */
  refuseJoins: string | undefined;
  /** PresenceStates refused as too large. */
  presenceRefused = 0;
  /** While paused, what clients send waits (in `queued`) until resume(): frames in flight. */
  paused = false;
  readonly queued: [FakeSocket, ClientMessage][] = [];

  readonly factory = (url: string): WebSocket => {
    const socket = new FakeSocket(this, url);
    this.sockets.push(socket);
    // Opening takes a round trip: a task, not a microtask.
    setImmediate(() => {
      if (socket.readyState !== FakeSocket.CONNECTING) return;
      if (!this.reachable) {
        socket.readyState = FakeSocket.CLOSED;
        socket.onerror?.({});
        socket.onclose?.({ code: 1006 });
        return;
      }
      socket.readyState = FakeSocket.OPEN;
      socket.onopen?.({});
    });
    return socket as unknown as WebSocket;
  };

  /** Every frame of one kind sent by any client, decoded. */
  sentOf<K extends ClientCase>(kind: K): BodyOf<K>[] {
    const found: BodyOf<K>[] = [];
    for (const socket of this.sockets) {
      for (const message of socket.sent) {
        if (message.body.case === kind) found.push(message.body.value as BodyOf<K>);
      }
    }
    return found;
  }

  live(): FakeSocket[] {
    return this.sockets.filter((s) => s.readyState === FakeSocket.OPEN && s.joined);
  }

  /** Commits ops from a client that is not connected here (another browser). */
  commitForeign(ops: Op[], author = "00000000000000ff"): void {
    const fresh = ops.map((op) => this.commit(op, author));
    for (const socket of this.live()) socket.deliver({ case: "ops", value: { ops: fresh } });
  }

  receive(socket: FakeSocket, message: ClientMessage): void {
    const body = message.body;
    switch (body.case) {
      case "hello":
        return this.hello(socket, body.value);
      case "submit":
        if (this.rateLimited(socket, body.value.ops)) return;
        return this.submit(socket, body.value.ops);
      case "presence":
        if (!this.presenceFits(socket, body.value)) return;
        for (const other of this.live()) {
          if (other === socket) continue;
          other.deliver({
            case: "presence",
            value: { members: [this.member(socket, body.value)] },
          });
        }
        return;
      case "ping":
        if (!this.silent) socket.deliver({ case: "pong", value: { nonce: body.value.nonce } });
        return;
    }
  }

  left(socket: FakeSocket): void {
    if (!socket.joined) return;
    socket.joined = false;
    for (const other of this.live()) {
      other.deliver({ case: "presence", value: { left: [socket.memberId] } });
    }
  }

  /** Handles what arrived while paused, in order. */
  resume(): void {
    this.paused = false;
    for (const [socket, message] of this.queued.splice(0)) {
      if (socket.readyState === FakeSocket.OPEN) this.receive(socket, message);
    }
  }

  /** A convener revokes `token`: its live connections get ERROR_REVOKED and close. */
  revoke(token: string): void {
    this.revoked.add(token);
    for (const socket of this.live()) {
      if (socket.token !== token) continue;
      socket.deliver({
        case: "error",
        value: { code: ErrorCode.ERROR_REVOKED, message: "revoked" },
      });
      socket.drop(1008);
    }
  }

  private hello(socket: FakeSocket, hello: BodyOf<"hello">): void {
    const role = this.tokens.get(hello.token);
    if (this.revoked.has(hello.token)) {
      socket.deliver({
        case: "error",
        value: { code: ErrorCode.ERROR_REVOKED, message: "revoked" },
      });
      socket.drop(1008);
      return;
    }
    if (!this.secretMatches(socket, hello)) return;
    if (this.refuseJoins !== undefined) {
      socket.deliver({
        case: "error",
        value: { code: ErrorCode.ERROR_QUOTA, message: this.refuseJoins },
      });
      socket.drop(1013);
      return;
    }
    if (role === undefined) {
      socket.deliver({
        case: "error",
        value: { code: ErrorCode.ERROR_UNAUTHORIZED, message: "the token does not admit" },
      });
      socket.drop(1008);
      return;
    }
    if (this.live().some((s) => s.replica === hello.replica)) {
      socket.deliver({
        case: "error",
        value: { code: ErrorCode.ERROR_REPLICA_IN_USE, message: "replica in use" },
      });
      socket.drop(1008);
      return;
    }
    socket.replica = hello.replica;
    socket.token = hello.token;
    socket.name = hello.name;
    socket.colour = hello.colour;
    socket.role = role;
    socket.memberId = hello.replica.toString(16).padStart(16, "0");
    socket.batches = this.batching && hello.batches;
    socket.joined = true;
    const me = this.member(socket);
    socket.deliver({
      case: "welcome",
      value: {
        protocol: 1,
        role,
        memberId: socket.memberId,
        headSeq: BigInt(this.log.length),
        ops: this.log.slice(Number(hello.lastSeenSeq)),
        members: this.live().map((s) => this.member(s)),
        conveningName: this.conveningName,
      },
    });
    for (const other of this.live()) {
      if (other !== socket) other.deliver({ case: "presence", value: { members: [me] } });
    }
    if (hello.resend.length > 0) this.submit(socket, hello.resend);
  }

  /** Binds a replica to its first secret; answers a Hello with another one as the server does. */
  private secretMatches(socket: FakeSocket, hello: BodyOf<"hello">): boolean {
    const secret = Buffer.from(hello.replicaSecret).toString("hex");
    const fail = (code: ErrorCode) => {
      socket.deliver({ case: "error", value: { code, message: "replica secret" } });
      socket.drop(1008);
      return false;
    };
    if (hello.replicaSecret.length < 16 || hello.replicaSecret.length > 64) {
      return fail(ErrorCode.ERROR_MALFORMED);
    }
    const bound = this.secrets.get(hello.replica);
    if (bound !== undefined && bound !== secret) return fail(ErrorCode.ERROR_REPLICA_CLAIMED);
    this.secrets.set(hello.replica, secret);
    return true;
  }

  private presenceFits(socket: FakeSocket, presence: BodyOf<"presence">): boolean {
    const bytes = toBinary(PresenceStateSchema, presence).length;
    if (bytes <= 4096 && presence.selection.length <= 256) return true;
    this.presenceRefused++;
    socket.deliver({
      case: "error",
      value: { code: ErrorCode.ERROR_TOO_LARGE, message: "presence too large" },
    });
    return false;
  }

  private rateLimited(socket: FakeSocket, ops: Op[]): boolean {
    const first = ops[0];
    if (!first) return false;
    const held = socket.heldFrom !== undefined && first.counter > socket.heldFrom;
    if (!held && !this.overRate(ops)) {
      socket.heldFrom = undefined;
      return false;
    }
    if (!held) socket.heldFrom = first.counter;
    socket.deliver({
      case: "error",
      value: {
        code: ErrorCode.ERROR_RATE_LIMITED,
        message: "over the rate",
        op: { replica: first.replica, counter: first.counter },
        retryAfterMs: this.rateRetryAfterMs,
      },
    });
    return true;
  }

  private submit(socket: FakeSocket, ops: Op[]): void {
    const fresh: SequencedOp[] = [];
    let ack: { counter: bigint; seq: bigint } | undefined;
    for (const op of ops) {
      const id = `${op.replica}:${op.counter}`;
      const retryAfterMs = op.replica === socket.replica ? this.overQuota(op) : undefined;
      if (retryAfterMs !== undefined) {
        socket.deliver({
          case: "error",
          value: {
            code: ErrorCode.ERROR_QUOTA,
            message: "over a quota",
            op: { replica: op.replica, counter: op.counter },
            retryAfterMs,
          },
        });
        break;
      }
      const result =
        op.replica !== socket.replica || this.refuseIf(op)
          ? { status: "invalid", message: "refused" }
          : this.doc.apply(op);
      if (result.status === "duplicate") {
        const seq = this.log.find(
          (e) => e.op!.replica === op.replica && e.op!.counter === op.counter,
        )?.seq;
        socket.deliver({
          case: "ack",
          value: { replica: op.replica, counter: op.counter + spanOf(op) - 1n, seq: seq ?? 0n },
        });
        continue;
      }
      if (result.status !== "ok") {
        socket.deliver({
          case: "error",
          value: {
            code:
              result.status === "missing"
                ? ErrorCode.ERROR_MISSING_DEPENDENCY
                : ErrorCode.ERROR_INVALID_OP,
            message: `op ${id}: ${result.message ?? result.status}`,
            op: { replica: op.replica, counter: op.counter },
          },
        });
        break;
      }
      const entry = this.commit(op, socket.memberId, false);
      fresh.push(entry);
      ack = { counter: op.counter + spanOf(op) - 1n, seq: entry.seq };
    }
    if (fresh.length === 0) return;
    for (const other of this.live()) {
      if (other !== socket) other.deliver({ case: "ops", value: { ops: fresh } });
    }
    if (this.acking) socket.deliver({ case: "ack", value: { replica: socket.replica, ...ack! } });
  }

  private commit(op: Op, author: string, apply = true): SequencedOp {
    if (apply) {
      const result = this.doc.apply(op);
      if (result.status !== "ok") throw new Error(`fake server: ${result.message}`);
    }
    const entry = create(SequencedOpSchema, {
      seq: BigInt(this.log.length + 1),
      op,
      author,
      serverTimeMs: 1_700_000_000_000n,
    });
    this.log.push(entry);
    return entry;
  }

  private member(socket: FakeSocket, presence?: Member["presence"]): Member {
    return create(MemberSchema, {
      id: socket.memberId,
      name: socket.name,
      colour: socket.colour,
      role: socket.role,
      presence,
    });
  }
}
