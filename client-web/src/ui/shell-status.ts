// The save status in the top bar: its words, and when it changes.
import type { SessionStatus } from "../net/session";

export function statusText(status: SessionStatus): string {
  const edits = `${status.pending} edit${status.pending === 1 ? "" : "s"}`;
  const waiting = `${edits} waiting`;
  switch (status.state) {
    case "saved":
      return "Saved";
    case "saving":
      return "Saving…";
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return status.pending > 0 ? `Reconnecting — ${waiting}` : "Reconnecting…";
    case "offline":
      return status.pending > 0 ? `Offline — ${waiting}` : "Offline";
    case "held":
      return `Editing too fast — ${edits} ${status.pending === 1 ? "waits" : "wait"} ${howLong(status.waitMs ?? 0)}`;
    case "full":
      return `The convening is full — ${edits} kept on this device, not shared`;
    case "denied":
      return "No access — the invite was revoked or is unknown";
    case "revoked":
      return "Access withdrawn by the convener";
  }
}

/** A wait in words: exact seconds would change every second, and need not. */
function howLong(ms: number): string {
  if (ms <= 15_000) return "a few seconds";
  if (ms < 90_000) return "about a minute";
  return `about ${Math.round(ms / 60_000)} minutes`;
}

/** How long the status stays "Saving…" after the last acknowledgement, before "Saved". */
export const SAVED_DELAY_MS = 300;

/**
 * Decides when the save status changes. While someone types, every key is an
 * edit that is "saving" until the server acknowledges it a few milliseconds
 * later: following that exactly would flip the top bar between "Saving…" and
 * "Saved" at every keystroke, which flickers and costs each key a repaint. So
 * "Saving…" shows at once and stays until everything has been acknowledged
 * for SAVED_DELAY_MS; "Saved" never shows before it is true. Every other
 * state (offline, reconnecting, no access) shows at once, with its count.
 */
export class StatusDisplay {
  private shown: SessionStatus | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly current: () => SessionStatus,
    private readonly render: (status: SessionStatus) => void,
    private readonly savedDelayMs = SAVED_DELAY_MS,
  ) {}

  /** The session's status changed. */
  update(): void {
    const status = this.current();
    if (status.state === "saved" && this.shown?.state === "saving") {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.show(this.current());
      }, this.savedDelayMs);
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.show(status);
  }

  private show(status: SessionStatus): void {
    const shown = this.shown;
    // "Saving…" shows no count, so a new count while saving changes nothing.
    const same =
      shown?.state === status.state &&
      (status.state === "saving" || shown.pending === status.pending);
    if (same) return;
    this.shown = status;
    this.render(status);
  }
}
