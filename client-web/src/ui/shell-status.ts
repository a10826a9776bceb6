// The words of the save status in the top bar.
import type { SessionStatus } from "../net/session";

export function statusText(status: SessionStatus): string {
  const waiting = `${status.pending} edit${status.pending === 1 ? "" : "s"} waiting`;
  switch (status.state) {
    case "saved":
      return "Saved";
    case "saving":
      return `Saving… (${waiting})`;
    case "connecting":
      return "Connecting…";
    case "reconnecting":
      return status.pending > 0 ? `Reconnecting — ${waiting}` : "Reconnecting…";
    case "offline":
      return status.pending > 0 ? `Offline — ${waiting}` : "Offline";
    case "denied":
      return "No access — the invite was revoked or is unknown";
  }
}
