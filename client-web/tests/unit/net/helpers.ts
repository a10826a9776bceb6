// Shared test scaffolding: isolated IndexedDB databases, a controllable
// network monitor, fake Web Locks, and a way to let async work finish.
import "fake-indexeddb/auto";
import { afterEach, vi } from "vitest";
import { Document } from "../../../src/crdt/document";
import type { Op } from "../../../src/gen/convene/v1/ops_pb";
import { LocalStore } from "../../../src/net/local-store";
import type { LockManagerLike } from "../../../src/net/replica";
import { Session, type NetworkMonitor, type SessionOptions } from "../../../src/net/session";
import type { FakeServer } from "./fake-server";

let databases = 0;

/** A fresh database per test: tests never see each other's state. */
export function newStore(options: { maxPendingOps?: number } = {}): Promise<LocalStore> {
  return LocalStore.open({ name: `convene-test-${++databases}`, ...options });
}

/**
 * Lets IndexedDB (scheduled with setImmediate, which the tests never fake)
 * and the fake sockets (microtasks) run until quiet.
 */
export async function settle(rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Only the timers the session uses; IndexedDB keeps its real setImmediate. */
export const FAKE_TIMERS = {
  toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] as (
    "setTimeout" | "clearTimeout" | "setInterval" | "clearInterval" | "Date"
  )[],
};

export class FakeNetwork implements NetworkMonitor {
  private listeners = new Set<(online: boolean) => void>();
  constructor(private state = true) {}
  online(): boolean {
    return this.state;
  }
  subscribe(listener: (online: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(online: boolean): void {
    this.state = online;
    for (const listener of this.listeners) listener(online);
  }
}

/** navigator.locks with ifAvailable, as browsers implement it. */
export class FakeLocks implements LockManagerLike {
  readonly held = new Set<string>();
  async request(
    name: string,
    _options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown> {
    if (this.held.has(name)) return callback(null);
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
    }
  }
}

export function openSession(
  server: FakeServer,
  storage: LocalStore,
  extra: Partial<SessionOptions> = {},
): Promise<Session> {
  return Session.open({
    convening: "c1",
    token: "tok",
    name: "Ana",
    colour: "#aa3355",
    webSocketFactory: server.factory,
    storage,
    locks: null,
    network: new FakeNetwork(),
    random: () => 0.5,
    ...extra,
  });
}

/** Ops made by another browser (replica 255): a map, and an element on it. */
export function foreignOps(): { ops: Op[]; map: string; element: string } {
  const other = new Document(255n);
  const map = other.createMap("Rivers");
  const element = other.createElement(map, { label: "Weir" });
  return { ops: other.takeOutbox(), map, element };
}

/**
 * Sessions a test opens through the returned function are closed after it,
 * and real timers are back.
 */
export function trackSessions(): (session: Promise<Session>) => Promise<Session> {
  const sessions: Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
    vi.useRealTimers();
  });
  return async (session) => {
    const s = await session;
    sessions.push(s);
    return s;
  };
}
