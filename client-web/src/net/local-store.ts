// IndexedDB persistence of convenings joined in this browser: enough to show a
// convening after a reload with no network, and to resend edits the server has
// not acknowledged without losing or repeating any.
//
// Per convening:
// - `joins`:   the join record (token, who I am, role, replicas and their
//              secrets, last seen seq, last activity);
// - `log`:     committed ops (SequencedOp bytes) by seq;
// - `pending`: local ops (Op bytes) by replica and counter, not yet acknowledged.
//
// Several tabs share the database. Every read-modify-write happens inside one
// transaction, so concurrent tabs never lose each other's updates.
import { fromBinary } from "@bufbuild/protobuf";
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { OpSchema, type Op } from "../gen/convene/v1/ops_pb";
import { SequencedOpSchema, type SequencedOp } from "../gen/convene/v1/protocol_pb";
import type { RoleName } from "../ui/context";
import { encodeOp, encodeSequencedOp, rememberOpBytes } from "./op-bytes";
import { toSafeNumber } from "./wire";

/** Unacknowledged ops kept per replica: the most one Hello can resend. */
export const MAX_PENDING_OPS = 100_000;

/** Replicas remembered per convening (those with pending ops are always kept). */
const MAX_REMEMBERED_REPLICAS = 8;

export interface JoinRecord {
  convening: string;
  token: string;
  name: string;
  colour: string;
  /** "" until the server has told us (the first Welcome). */
  role: RoleName | "";
  conveningName: string;
  /** The replica used last, decimal. */
  replica: string;
  /** Replicas this browser has used here, most recent first, decimal. */
  replicas: string[];
  /**
   * The secret of each replica in `replicas` (replica.ts). Records stored
   * before secrets existed have none: their replicas get one when next used.
   */
  secrets?: Record<string, Uint8Array>;
  /** Highest seq received whose op is in `log` (protocol.md). */
  lastSeenSeq: number;
  /** The last time the convening was opened or synced here (the start page's "last activity"). */
  updatedMs: number;
}

/** Too many edits wait for the server; nothing more is stored until some are acknowledged. */
export class PendingLimitError extends Error {
  constructor(limit: number) {
    super(`${limit} edits are waiting to reach the server; reconnect before editing more`);
    this.name = "PendingLimitError";
  }
}

/** What the network layer learned is committed, written in one transaction. */
export interface CommitRecord {
  log: SequencedOp[];
  lastSeenSeq: number;
  /** Pending ops of `replica` with counter <= `through` are committed. */
  committed: { replica: string; through: bigint }[];
}

interface ConveneDB extends DBSchema {
  joins: { key: string; value: JoinRecord };
  log: { key: [string, number]; value: Uint8Array };
  pending: { key: [string, string, number]; value: Uint8Array };
}

const DB_VERSION = 1;
const LAST_KEY = Number.MAX_SAFE_INTEGER;

export class LocalStore {
  private constructor(
    private readonly db: IDBPDatabase<ConveneDB>,
    private readonly maxPending: number,
  ) {}

  /** Opens (creating if needed) the database; `name` lets tests keep databases apart. */
  static async open(options: { name?: string; maxPendingOps?: number } = {}): Promise<LocalStore> {
    const db = await openDB<ConveneDB>(options.name ?? "convene", DB_VERSION, {
      upgrade(database) {
        database.createObjectStore("joins", { keyPath: "convening" });
        database.createObjectStore("log");
        database.createObjectStore("pending");
      },
      blocking() {
        // A newer version in another tab wants the database: let it.
        db.close();
      },
    });
    return new LocalStore(db, options.maxPendingOps ?? MAX_PENDING_OPS);
  }

  get pendingLimit(): number {
    return this.maxPending;
  }

  close(): void {
    this.db.close();
  }

  async join(convening: string): Promise<JoinRecord | undefined> {
    return this.db.get("joins", convening);
  }

  /** Every convening joined in this browser (for a "recent convenings" list). */
  async joins(): Promise<JoinRecord[]> {
    return this.db.getAll("joins");
  }

  /** Read-modify-write of a join record in one transaction. */
  async updateJoin(
    convening: string,
    change: (current: JoinRecord) => Partial<JoinRecord>,
  ): Promise<JoinRecord> {
    const tx = this.db.transaction("joins", "readwrite");
    const current = (await tx.store.get(convening)) ?? emptyJoin(convening);
    const next: JoinRecord = {
      ...current,
      ...change(current),
      convening,
      updatedMs: Date.now(),
    };
    await tx.store.put(next);
    await tx.done;
    return next;
  }

  /** Committed ops in seq order; records that do not decode are counted, not returned. */
  async loadLog(convening: string): Promise<{ ops: SequencedOp[]; corrupt: number }> {
    const values = await this.db.getAll("log", conveningRange(convening));
    const ops: SequencedOp[] = [];
    let corrupt = 0;
    for (const bytes of values) {
      try {
        ops.push(fromBinary(SequencedOpSchema, bytes));
      } catch {
        corrupt++;
      }
    }
    return { ops, corrupt };
  }

  /** Pending ops of every replica, each list in counter order. */
  async loadPending(convening: string): Promise<{ byReplica: Map<string, Op[]>; corrupt: number }> {
    const tx = this.db.transaction("pending");
    const byReplica = new Map<string, Op[]>();
    let corrupt = 0;
    let cursor = await tx.store.openCursor(pendingRange(convening));
    while (cursor) {
      const replica = cursor.key[1];
      try {
        const op = fromBinary(OpSchema, cursor.value);
        rememberOpBytes(op, cursor.value); // its Ack will store these bytes in the log
        const list = byReplica.get(replica) ?? [];
        list.push(op);
        byReplica.set(replica, list);
      } catch {
        corrupt++;
      }
      cursor = await cursor.continue();
    }
    await tx.done;
    return { byReplica, corrupt };
  }

  /**
   * Appends local ops of `replica` and resolves once the write is durable
   * (strict durability: flushed to disk, not just handed to the OS). Refuses
   * with PendingLimitError when the replica would hold more than the limit.
   */
  async appendPending(convening: string, replica: string, ops: Op[]): Promise<void> {
    if (ops.length === 0) return;
    const tx = this.db.transaction("pending", "readwrite", { durability: "strict" });
    const waiting = await tx.store.count(pendingRange(convening, replica));
    if (waiting + ops.length > this.maxPending) {
      tx.abort();
      await tx.done.catch(() => undefined);
      throw new PendingLimitError(this.maxPending);
    }
    for (const op of ops) {
      const counter = toSafeNumber(op.counter, "counter");
      void tx.store.put(encodeOp(op), [convening, replica, counter]);
    }
    await tx.done;
  }

  /**
   * Stores `ops` of `replica` over what is stored under the same counters (an
   * op replaced by its pieces: the first piece keeps the op's counter).
   */
  async replacePending(convening: string, replica: string, ops: Op[]): Promise<void> {
    const tx = this.db.transaction("pending", "readwrite", { durability: "strict" });
    for (const op of ops) {
      void tx.store.put(encodeOp(op), [convening, replica, toSafeNumber(op.counter, "counter")]);
    }
    await tx.done;
  }

  /**
   * Records committed ops, drops the pending ops they cover, and advances
   * lastSeenSeq, in one transaction. The ops' bytes are those they arrived in,
   * or for our own acknowledged ops those already made for the pending store.
   */
  async recordCommitted(convening: string, record: CommitRecord): Promise<void> {
    const tx = this.db.transaction(["joins", "log", "pending"], "readwrite");
    const log = tx.objectStore("log");
    for (const op of record.log) {
      void log.put(encodeSequencedOp(op), [convening, toSafeNumber(op.seq, "seq")]);
    }
    const pending = tx.objectStore("pending");
    for (const { replica, through } of record.committed) {
      const last = Math.min(toSafeNumber(through, "counter"), LAST_KEY);
      void pending.delete(IDBKeyRange.bound([convening, replica, 0], [convening, replica, last]));
    }
    const joins = tx.objectStore("joins");
    const join = await joins.get(convening);
    if (join && record.lastSeenSeq > join.lastSeenSeq) {
      await joins.put({ ...join, lastSeenSeq: record.lastSeenSeq, updatedMs: Date.now() });
    }
    await tx.done;
  }

  /** Drops pending ops of `replica` from counter `from` on (the server refused them). */
  async dropPendingFrom(convening: string, replica: string, from: bigint): Promise<void> {
    const first = Math.min(toSafeNumber(from, "counter"), LAST_KEY);
    await this.db.delete(
      "pending",
      IDBKeyRange.bound([convening, replica, first], [convening, replica, LAST_KEY]),
    );
  }

  /** Removes everything stored about a convening. */
  async forget(convening: string): Promise<void> {
    const tx = this.db.transaction(["joins", "log", "pending"], "readwrite");
    void tx.objectStore("joins").delete(convening);
    void tx.objectStore("log").delete(conveningRange(convening));
    void tx.objectStore("pending").delete(pendingRange(convening));
    await tx.done;
  }
}

/**
 * The secrets of `replicas` (those of forgotten replicas go), with a fresh
 * one for any that has none yet.
 */
export function secretsFor(
  replicas: readonly string[],
  secrets: Readonly<Record<string, Uint8Array>> = {},
  fresh: () => Uint8Array,
): Record<string, Uint8Array> {
  return Object.fromEntries(replicas.map((r) => [r, secrets[r] ?? fresh()]));
}

/**
 * The replica list after `replica` was used: it goes first; replicas beyond
 * the limit are forgotten unless they still hold pending ops.
 */
export function rememberReplica(
  replicas: readonly string[],
  replica: string,
  withPending: ReadonlySet<string>,
): string[] {
  const rest = replicas.filter((r) => r !== replica);
  const kept = [replica];
  for (const r of rest) {
    if (kept.length < MAX_REMEMBERED_REPLICAS || withPending.has(r)) kept.push(r);
  }
  return kept;
}

function emptyJoin(convening: string): JoinRecord {
  return {
    convening,
    token: "",
    name: "",
    colour: "",
    role: "",
    conveningName: "",
    replica: "",
    replicas: [],
    secrets: {},
    lastSeenSeq: 0,
    updatedMs: 0,
  };
}

function conveningRange(convening: string): IDBKeyRange {
  return IDBKeyRange.bound([convening, 0], [convening, LAST_KEY]);
}

/** Keys [convening, replica, counter]; without a replica, every replica's. */
function pendingRange(convening: string, replica?: string): IDBKeyRange {
  if (replica !== undefined) {
    return IDBKeyRange.bound([convening, replica, 0], [convening, replica, LAST_KEY]);
  }
  // Arrays sort after strings, so [convening, []] is above every [convening, replica, n].
  return IDBKeyRange.bound([convening], [convening, []]);
}
