// Reconnection delays: exponential backoff with full jitter, so that many
// clients dropped by the same server restart do not come back in step.

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** No retry sooner than this, whatever the dice say. */
  minMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, minMs: 100 };

/**
 * The delay before retry number `attempt` (0 for the first retry): uniform in
 * [minMs, min(capMs, baseMs * 2^attempt)). `random` returns [0, 1).
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
  return Math.max(options.minMs, jittered);
}
