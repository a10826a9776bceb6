// Which replica id this tab uses for a convening, and the secret that proves
// it is ours.
//
// A replica's ops must carry contiguous counters, and the server admits one
// live connection per replica. So a tab reuses the replica of an earlier visit
// (its pending ops continue where they stopped, and its member id stays the
// same) but never one another tab is using: it claims the replica with a Web
// Lock held for the life of the tab. Without Web Locks it reuses the replica
// anyway; a second tab then waits (REPLICA_IN_USE) until the first is gone.

/** The part of the Web Locks API used here (navigator.locks). */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
}

export interface ReplicaClaim {
  replica: bigint;
  /** False when no lock could be taken (no Web Locks): another tab might use it. */
  exclusive: boolean;
  release(): void;
}

/**
 * Bytes of a replica's secret. The server binds a replica id to the secret of
 * its first Hello and admits later Hellos with that id only if they present
 * it (ERROR_REPLICA_CLAIMED otherwise): so nobody who learns our member id
 * (the hex of the replica, visible to everyone in the room) can take it over.
 */
export const REPLICA_SECRET_BYTES = 32;

export function randomSecret(): Uint8Array<ArrayBuffer> {
  const secret = new Uint8Array(REPLICA_SECRET_BYTES);
  crypto.getRandomValues(secret);
  return secret;
}

/** A random non-zero 64-bit replica id. */
export function randomReplica(): bigint {
  const value = new BigUint64Array(1);
  do crypto.getRandomValues(value);
  while (value[0] === 0n);
  return value[0];
}

export function defaultLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks;
}

/**
 * Claims the first free replica of `candidates` (in order), else a fresh one.
 * Candidates are decimal strings; invalid ones are skipped.
 */
export async function claimReplica(
  convening: string,
  candidates: readonly string[],
  locks: LockManagerLike | undefined,
): Promise<ReplicaClaim> {
  const valid = candidates.map(parseReplica).filter((r): r is bigint => r !== undefined);
  if (!locks) {
    return { replica: valid[0] ?? randomReplica(), exclusive: false, release() {} };
  }
  for (const replica of valid) {
    const claim = await tryLock(locks, lockName(convening, replica));
    if (claim === "unsupported") break;
    if (claim) return { replica, exclusive: true, release: claim };
  }
  // Everything remembered is taken: a fresh id nobody can hold yet.
  for (let attempt = 0; attempt < 3; attempt++) {
    const claim = await lockReplica(convening, randomReplica(), locks);
    if (claim.exclusive) return claim;
  }
  return { replica: valid[0] ?? randomReplica(), exclusive: false, release() {} };
}

/**
 * Locks `replica` (a fresh id, which no other tab can hold yet); without Web
 * Locks, or if it is held after all, the claim is not exclusive.
 */
export async function lockReplica(
  convening: string,
  replica: bigint,
  locks: LockManagerLike | undefined,
): Promise<ReplicaClaim> {
  const claim = locks ? await tryLock(locks, lockName(convening, replica)) : null;
  if (typeof claim === "function") return { replica, exclusive: true, release: claim };
  return { replica, exclusive: false, release() {} };
}

function lockName(convening: string, replica: bigint): string {
  return `convene:replica:${convening}:${replica}`;
}

function parseReplica(text: string): bigint | undefined {
  if (!/^[0-9]{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value > 0n && value < 1n << 64n ? value : undefined;
}

/**
 * Takes the lock if nobody holds it. Resolves with its release function, null
 * when it is held elsewhere, or "unsupported" when the lock manager fails
 * (e.g. a sandboxed frame): then the caller proceeds without locks.
 */
function tryLock(
  locks: LockManagerLike,
  name: string,
): Promise<(() => void) | null | "unsupported"> {
  return new Promise((resolve) => {
    let release = () => {};
    const held = new Promise<void>((done) => (release = done));
    try {
      locks
        .request(name, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(null);
            return;
          }
          resolve(release);
          return held; // kept until release()
        })
        .catch(() => resolve("unsupported"));
    } catch {
      resolve("unsupported");
    }
  });
}
