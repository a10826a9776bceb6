// The stored form of ops (protobuf bytes), made as rarely as possible.
//
// Storing an op in IndexedDB needs its bytes. Encoding them again and again
// was most of the script time of saving edits and of storing a Welcome, so:
// - committed ops from the server keep the bytes they arrived in (sliced from
//   the frame, see rememberFrameOps);
// - a local op is encoded once (its size is needed anyway to fit it in a
//   frame) and those bytes serve the pending store and, after its Ack, the log,
//   where a SequencedOp's bytes are its small header followed by the op's
//   bytes as field 2 (protobuf fields may come in any order).
import { create, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { OpSchema, type Op } from "../gen/convene/v1/ops_pb";
import { SequencedOpSchema, type SequencedOp } from "../gen/convene/v1/protocol_pb";

const opBytes = new WeakMap<Op, Uint8Array>();
const sequencedBytes = new WeakMap<SequencedOp, Uint8Array>();

/** SequencedOp.op (protocol.proto). */
const SEQUENCED_OP_FIELD = 2;
/** ServerMessage.welcome, Welcome.ops, ServerMessage.ops, Ops.ops (protocol.proto). */
const SERVER_WELCOME_FIELD = 1;
const WELCOME_OPS_FIELD = 7;
const SERVER_OPS_FIELD = 2;
const OPS_OPS_FIELD = 1;

/** The op's protobuf bytes, encoded on first use. Do not modify the op afterwards. */
export function encodeOp(op: Op): Uint8Array {
  let bytes = opBytes.get(op);
  if (!bytes) {
    bytes = toBinary(OpSchema, op);
    opBytes.set(op, bytes);
  }
  return bytes;
}

/** Records bytes known to encode `op` (read from storage), sparing encodeOp the work. */
export function rememberOpBytes(op: Op, bytes: Uint8Array): void {
  opBytes.set(op, bytes);
}

/** The SequencedOp's protobuf bytes: as received if known, else without re-encoding its op. */
export function encodeSequencedOp(entry: SequencedOp): Uint8Array {
  const received = sequencedBytes.get(entry);
  // A copy of the op's part of the frame: storing the view would store
  // (structured-clone) the whole frame. Copied here, when it is stored, which
  // for a large Welcome is after the first paint rather than before it.
  if (received) return received.slice();
  if (!entry.op) return toBinary(SequencedOpSchema, entry);
  const header = toBinary(
    SequencedOpSchema,
    create(SequencedOpSchema, {
      seq: entry.seq,
      author: entry.author,
      serverTimeMs: entry.serverTimeMs,
    }),
  );
  const op = new BinaryWriter()
    .tag(SEQUENCED_OP_FIELD, WireType.LengthDelimited)
    .bytes(encodeOp(entry.op))
    .finish();
  const bytes = new Uint8Array(header.length + op.length);
  bytes.set(header, 0);
  bytes.set(op, header.length);
  return bytes;
}

/**
 * Gives the SequencedOps decoded from a server frame (a Welcome's or an Ops
 * message's, in the frame's order) the bytes they arrived in. Does nothing
 * when the frame does not match (then the ops are encoded when stored).
 */
export function rememberFrameOps(frame: Uint8Array, decoded: readonly SequencedOp[]): void {
  if (decoded.length === 0) return;
  let slices: Uint8Array[];
  try {
    slices = sequencedOpSlices(frame);
  } catch {
    return;
  }
  if (slices.length !== decoded.length) return;
  for (let i = 0; i < slices.length; i++) sequencedBytes.set(decoded[i], slices[i]);
}

/** The bytes of each SequencedOp in a ServerMessage holding a Welcome or Ops. */
function sequencedOpSlices(frame: Uint8Array): Uint8Array[] {
  const slices: Uint8Array[] = [];
  const top = new BinaryReader(frame);
  while (top.pos < top.len) {
    const [field, wireType] = top.tag();
    const body =
      field === SERVER_WELCOME_FIELD
        ? WELCOME_OPS_FIELD
        : field === SERVER_OPS_FIELD
          ? OPS_OPS_FIELD
          : 0;
    if (body === 0 || wireType !== WireType.LengthDelimited) {
      top.skip(wireType, field);
      continue;
    }
    const inner = new BinaryReader(top.bytes());
    while (inner.pos < inner.len) {
      const [innerField, innerType] = inner.tag();
      if (innerField === body && innerType === WireType.LengthDelimited) {
        slices.push(inner.bytes());
      } else {
        inner.skip(innerType, innerField);
      }
    }
  }
  return slices;
}
