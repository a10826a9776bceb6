// Edits the server has refused for now, not for good: over the connection's
// rate (ERROR_RATE_LIMITED) or over a quota (ERROR_QUOTA: the participant's
// ops or bytes per minute, or the convening's total size). The server took
// nothing from the op it named on; those edits stay pending and go out again
// from that op after a wait. Nothing is ever dropped for this.
import { backoffDelay, type BackoffOptions } from "./backoff";

/**
 * rate: too many ops or messages for the connection; quota: over a quota
 * that frees up with time; full: the convening is full, and waiting does not
 * help until its operator raises the limit (the server gave no wait).
 */
export type HoldReason = "rate" | "quota" | "full";

export interface HoldTiming {
  /** Pauses after refusals for rate that say no wait (older servers). */
  rateLimitBackoff: BackoffOptions;
  /** Pauses while the convening is full: from `firstMs`, doubling to `capMs`. */
  fullBackoff: { firstMs: number; capMs: number };
}

/** A wait the server asked for is stretched by up to this much, so clients do not return in step. */
const SPREAD = 0.2;

export class SubmitHold {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Refusals since the held op was last acknowledged (the pauses grow with them). */
  private refusals = 0;
  private reason_: HoldReason | undefined;
  /** The first op (counter) not taken. */
  private from_ = 0n;
  private resumeAtMs = 0;

  constructor(
    private readonly timing: HoldTiming,
    private readonly random: () => number,
    private readonly resume: () => void,
  ) {}

  /** Submits wait: send nothing until the pause ends. */
  get waiting(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Whether op `counter` was left behind by the refusal: sent after the
   * refused op, before we knew, while the pause lasts. The server may answer
   * it as invalid or missing a dependency (the refused op left a gap); it
   * goes out again with the refused one, and must not be given up for that.
   */
  holds(counter: bigint): boolean {
    return this.waiting && counter > this.from_;
  }

  /** Why edits are held, until the server acknowledges the first one it refused. */
  get reason(): HoldReason | undefined {
    return this.reason_;
  }

  /** How long until the held edits go out again; undefined when not waiting. */
  remainingMs(now = Date.now()): number | undefined {
    return this.waiting ? Math.max(0, this.resumeAtMs - now) : undefined;
  }

  /**
   * The server refused our edits from op `counter` on. Refusals of Submits
   * that were already on their way while we wait change nothing.
   */
  refused(reason: HoldReason, counter: bigint, retryAfterMs: number): void {
    if (this.waiting) return;
    this.reason_ = reason;
    this.from_ = counter;
    const delay = this.delay(reason, retryAfterMs);
    this.resumeAtMs = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.resume();
    }, delay);
  }

  /** Our ops up to `counter` are committed: once that covers the refused op, the hold is over. */
  acknowledged(counter: bigint): void {
    if (this.reason_ === undefined || counter < this.from_) return;
    this.reason_ = undefined;
    this.refusals = 0;
  }

  /**
   * The connection ended: the next Hello resends every pending edit, so the
   * pause ends with it. The reason stays until the server takes the edits.
   */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The held edits were given up (another replica takes over): nothing is held any more. */
  reset(): void {
    this.cancel();
    this.reason_ = undefined;
    this.refusals = 0;
  }

  private delay(reason: HoldReason, retryAfterMs: number): number {
    const attempt = this.refusals++;
    if (retryAfterMs > 0) return this.spread(retryAfterMs);
    if (reason !== "full") return backoffDelay(attempt, this.random, this.timing.rateLimitBackoff);
    const { firstMs, capMs } = this.timing.fullBackoff;
    return this.spread(Math.min(capMs, firstMs * 2 ** Math.min(attempt, 30)));
  }

  private spread(ms: number): number {
    return Math.round(ms * (1 + SPREAD * Math.min(Math.max(this.random(), 0), 1)));
  }
}
