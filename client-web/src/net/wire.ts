// Small pieces shared by the network layer: protocol constants, ids as the
// server spells them, and the frame limits of docs/protocol.md.
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { Op } from "../gen/convene/v1/ops_pb";
import { ClientMessageSchema, Role } from "../gen/convene/v1/protocol_pb";
import type { RoleName } from "../ui/context";

export const PROTOCOL_VERSION = 1;

/** ServerMessage.batch and Batch.messages (protocol.proto). */
const SERVER_BATCH_FIELD = 7;
const BATCH_MESSAGES_FIELD = 1;

/**
 * The ServerMessages of a frame, as bytes: the frame itself, or each message
 * of a Batch (views into the frame, so the ops in them keep their bytes).
 * Throws on a malformed Batch.
 */
export function frameMessages(frame: Uint8Array): Uint8Array[] {
  if (frame.length === 0) return [frame];
  const top = new BinaryReader(frame);
  const [field, wireType] = top.tag();
  if (field !== SERVER_BATCH_FIELD || wireType !== WireType.LengthDelimited) return [frame];
  const batch = new BinaryReader(top.bytes());
  if (top.pos !== top.len) throw new Error("a Batch frame with bytes after the Batch");
  const messages: Uint8Array[] = [];
  while (batch.pos < batch.len) {
    const [f, t] = batch.tag();
    if (f !== BATCH_MESSAGES_FIELD || t !== WireType.LengthDelimited)
      throw new Error(`a Batch with field ${f}`);
    messages.push(batch.bytes());
  }
  return messages;
}

/**
 * Encoded ops per frame. The server closes a connection that sends a message
 * above 1 MiB (--max-message-bytes, docs/security.md); the rest is room for
 * the envelope and Hello's other fields. Ops larger than this are split first
 * (split-ops.ts).
 */
export const FRAME_BUDGET_BYTES = 768 * 1024;
/** The server's default message limit. */
export const SERVER_MESSAGE_LIMIT_BYTES = 1024 * 1024;
/** Ops per Submit (protocol.md, "Limits"). */
export const MAX_OPS_PER_SUBMIT = 10_000;
/** Ops per Hello.resend (protocol.md, "Limits"). */
export const MAX_OPS_PER_RESEND = 100_000;

/** The member id of a replica: 16 lower-case hex digits (server's member_id_of). */
export function memberIdOf(replica: bigint): string {
  return replica.toString(16).padStart(16, "0");
}

/** "replica:counter" in decimal, as crdt.md and IdKey spell op ids. */
export function opKey(replica: bigint, counter: bigint): string {
  return `${replica}:${counter}`;
}

export function roleName(role: Role): RoleName | undefined {
  switch (role) {
    case Role.CONVENER:
      return "convener";
    case Role.PARTICIPANT:
      return "participant";
    case Role.OBSERVER:
      return "observer";
    default:
      return undefined;
  }
}

export type ClientBody = MessageInitShape<typeof ClientMessageSchema>["body"];

export function encodeClientMessage(body: ClientBody): Uint8Array<ArrayBuffer> {
  return toBinary(ClientMessageSchema, create(ClientMessageSchema, { body }));
}

/**
 * Splits ops into runs that each fit one frame: at most `maxOps` ops and
 * about FRAME_BUDGET_BYTES of encoded ops. `sizeOf` gives an op's encoded size.
 */
export function chunkOps(ops: readonly Op[], maxOps: number, sizeOf: (op: Op) => number): Op[][] {
  const chunks: Op[][] = [];
  let current: Op[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = sizeOf(op) + 8; // tag and length prefix of the repeated field
    if (current.length > 0 && (current.length >= maxOps || bytes + size > FRAME_BUDGET_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(op);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Counters and seqs are uint64; IndexedDB keys and Maps use numbers. */
export function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${what} ${value} is out of range`);
  }
  return Number(value);
}
