import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SessionStatus } from "../../../src/net/session";
import { StatusDisplay, statusText } from "../../../src/ui/shell-status";

describe("StatusDisplay", () => {
  let status: SessionStatus;
  let shown: string[];
  let display: StatusDisplay;

  beforeEach(() => {
    vi.useFakeTimers();
    status = { state: "connecting", pending: 0 };
    shown = [];
    display = new StatusDisplay(
      () => status,
      (s) => shown.push(`${s.state} ${s.pending}`),
      300,
    );
  });
  afterEach(() => vi.useRealTimers());

  function set(next: SessionStatus): void {
    status = next;
    display.update();
  }

  it("shows saving at once and stays there while keys keep coming", () => {
    set({ state: "saved", pending: 0 });
    for (let key = 0; key < 5; key++) {
      set({ state: "saving", pending: 1 });
      vi.advanceTimersByTime(5);
      set({ state: "saved", pending: 0 });
      vi.advanceTimersByTime(100);
    }
    expect(shown).toEqual(["saved 0", "saving 1"]);
    vi.advanceTimersByTime(199);
    expect(shown).toEqual(["saved 0", "saving 1"]);
    vi.advanceTimersByTime(1);
    expect(shown).toEqual(["saved 0", "saving 1", "saved 0"]);
  });

  it("never shows saved while edits wait", () => {
    set({ state: "saving", pending: 2 });
    set({ state: "saved", pending: 0 });
    set({ state: "saving", pending: 1 });
    vi.advanceTimersByTime(1000);
    expect(shown).toEqual(["saving 2"]);
  });

  it("shows offline and reconnecting at once with their counts, cancelling a saved on its way", () => {
    set({ state: "saving", pending: 1 });
    set({ state: "saved", pending: 0 });
    set({ state: "offline", pending: 1 });
    vi.advanceTimersByTime(1000);
    expect(shown).toEqual(["saving 1", "offline 1"]);
    set({ state: "offline", pending: 2 });
    set({ state: "reconnecting", pending: 2 });
    expect(shown).toEqual(["saving 1", "offline 1", "offline 2", "reconnecting 2"]);
  });

  it("writes nothing when nothing it shows changed", () => {
    set({ state: "offline", pending: 2 });
    set({ state: "offline", pending: 2 });
    expect(shown).toEqual(["offline 2"]);
  });
});

describe("statusText", () => {
  it("says plainly where held edits are", () => {
    expect(statusText({ state: "full", pending: 12 })).toBe(
      "The convening is full — 12 edits kept on this device, not shared",
    );
    expect(statusText({ state: "held", pending: 3, waitMs: 2_000 })).toBe(
      "Editing too fast — 3 edits wait a few seconds",
    );
    expect(statusText({ state: "held", pending: 1, waitMs: 50_000 })).toBe(
      "Editing too fast — 1 edit waits about a minute",
    );
    expect(statusText({ state: "held", pending: 2, waitMs: 240_000 })).toBe(
      "Editing too fast — 2 edits wait about 4 minutes",
    );
    expect(statusText({ state: "revoked", pending: 0 })).toBe("Access withdrawn by the convener");
  });
});
