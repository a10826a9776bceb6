import { toBinary } from "@bufbuild/protobuf";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PresenceStateSchema } from "../../../src/gen/convene/v1/protocol_pb";
import type { Session } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import { FAKE_TIMERS, FakeLocks, newStore, openSession, settle } from "./helpers";

const sessions: Session[] = [];

afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  vi.useRealTimers();
});

describe("presence", () => {
  it("sends at most one PresenceState per 50 ms, the latest state last", async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    const session = await openSession(server, await newStore());
    sessions.push(session);
    await settle();

    session.setPresence({ map: { replica: 1n, counter: 1n } });
    for (let x = 1; x <= 10; x++) {
      session.setPresence({ cursor: { x, y: 0 } });
      await vi.advanceTimersByTimeAsync(4);
    }
    // The first went at once; the rest wait for the interval.
    expect(server.sentOf("presence")).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    const sent = server.sentOf("presence");
    expect(sent).toHaveLength(2);
    // Merged: the map set first is still there, the cursor is the last one.
    expect(sent[1].map).toMatchObject({ replica: 1n, counter: 1n });
    expect(sent[1].cursor).toMatchObject({ x: 10, y: 0 });

    await vi.advanceTimersByTimeAsync(1000);
    expect(server.sentOf("presence")).toHaveLength(2);
  });

  it("resends my presence after a reconnection", async () => {
    vi.useFakeTimers(FAKE_TIMERS);
    const server = new FakeServer();
    const session = await openSession(server, await newStore());
    sessions.push(session);
    await settle();
    session.setPresence({ following: "abc" });
    // Presence goes out in the task after the request.
    await vi.advanceTimersByTimeAsync(0);
    expect(server.sentOf("presence")).toHaveLength(1);
    server.live()[0].drop();
    await settle();
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    const sent = server.sentOf("presence");
    expect(sent).toHaveLength(2);
    expect(sent[1].following).toBe("abc");
  });

  it("lists the members online, me included, as they join, move and leave", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const locks = new FakeLocks();
    const ana = await openSession(server, store, { locks });
    sessions.push(ana);
    // Before any Welcome I am known, with my id.
    expect(ana.members().map((m) => m.id)).toEqual([ana.memberId]);
    await settle();

    const bo = await openSession(server, store, { locks, name: "Bo" });
    sessions.push(bo);
    const changed = vi.fn();
    ana.onPresence(changed);
    await settle();
    expect(bo.replica).not.toBe(ana.replica);
    expect(ana.members().map((m) => m.id)).toEqual([ana.memberId, bo.memberId]);
    expect(
      bo
        .members()
        .map((m) => m.id)
        .sort(),
    ).toEqual([ana.memberId, bo.memberId].sort());
    expect(bo.member(ana.memberId)).toMatchObject({
      name: "Ana",
      colour: "#aa3355",
      role: "participant",
    });
    expect(changed).toHaveBeenCalled();

    bo.setPresence({ cursor: { x: 3, y: 4 } });
    await vi.waitFor(() =>
      expect(ana.member(bo.memberId)?.presence?.cursor).toMatchObject({ x: 3, y: 4 }),
    );

    await bo.close();
    await settle();
    expect(ana.members().map((m) => m.id)).toEqual([ana.memberId]);
  });

  it("never lets a member's colour into the UI unless it is #rrggbb", async () => {
    const server = new FakeServer();
    const session = await openSession(server, await newStore());
    sessions.push(session);
    await settle();
    server.live()[0].deliver({
      case: "presence",
      value: {
        members: [{ id: "00000000000000aa", name: "X", colour: "red;background:url(x)", role: 2 }],
      },
    });
    await settle();
    expect(session.member("00000000000000aa")?.colour).toBe("#888888");
  });

  it("sends the first 256 ids of a large selection, and never more than 4 KiB", async () => {
    const server = new FakeServer();
    const session = await openSession(server, await newStore());
    sessions.push(session);
    await settle();
    // Ids with large replicas and counters: 256 of them are above 4 KiB.
    const big = 1n << 62n;
    const selection = Array.from({ length: 1000 }, (_, i) => ({
      replica: big + BigInt(i),
      counter: big + BigInt(i),
    }));
    session.setPresence({ selection, cursor: { x: 1, y: 2 } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
    const [sent] = server.sentOf("presence");
    expect(sent.selection.length).toBeGreaterThan(100);
    expect(sent.selection.length).toBeLessThanOrEqual(256);
    expect(toBinary(PresenceStateSchema, sent).length).toBeLessThan(4096);
    expect(sent.selection.map((id) => id.counter)).toEqual(
      selection.slice(0, sent.selection.length).map((id) => id.counter),
    );
    expect(sent.cursor).toMatchObject({ x: 1, y: 2 });
    expect(server.presenceRefused).toBe(0);

    // Small ids: exactly the first 256.
    session.setPresence({
      selection: selection.map((_, i) => ({ replica: 3n, counter: BigInt(i + 1) })),
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await settle();
    expect(server.sentOf("presence")[1].selection).toHaveLength(256);
    expect(server.presenceRefused).toBe(0);
    // My own view keeps the whole selection.
    expect(session.me().presence?.selection).toHaveLength(1000);
  });
});
