// Which replica id this tab uses for a convening.
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
    const replica = randomReplica();
    const claim = await tryLock(locks, lockName(convening, replica));
    if (claim === "unsupported") break;
    if (claim) return { replica, exclusive: true, release: claim };
  }
  return { replica: valid[0] ?? randomReplica(), exclusive: false, release() {} };
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
