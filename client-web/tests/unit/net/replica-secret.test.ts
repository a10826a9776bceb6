// Each replica id goes with a secret only this browser holds (Hello.
// replica_secret): kept with the replica across reloads, made for replicas
// remembered from before secrets, and when another client turns out to hold
// our replica (ERROR_REPLICA_CLAIMED), a fresh replica takes over and the
// edits that could not be sent are reported.
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/gen/convene/v1/protocol_pb";
import { REPLICA_SECRET_BYTES } from "../../../src/net/replica";
import type { SessionError } from "../../../src/net/session";
import { FakeServer } from "./fake-server";
import { newStore, openSession, settle, trackSessions } from "./helpers";

const track = trackSessions();

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("replica secrets", () => {
  it("says Hello with 32 random bytes, kept with the replica across reloads", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const first = await openSession(server, store);
    await settle();
    const [hello] = server.sentOf("hello");
    expect(hello.replicaSecret).toHaveLength(REPLICA_SECRET_BYTES);
    expect(hex(hello.replicaSecret)).not.toBe("00".repeat(REPLICA_SECRET_BYTES));
    const replica = first.replica.toString();
    const stored = await store.join("c1");
    expect(hex(stored!.secrets![replica])).toBe(hex(hello.replicaSecret));
    await first.close();

    const again = await track(openSession(server, store));
    await settle();
    const [, second] = server.sentOf("hello");
    expect(second.replica).toBe(first.replica);
    expect(hex(second.replicaSecret)).toBe(hex(hello.replicaSecret));
    expect(again.status()).toEqual({ state: "saved", pending: 0 });
  });

  it("gives each replica its own secret", async () => {
    const server = new FakeServer();
    const store = await newStore();
    await track(openSession(server, store, { convening: "c1" }));
    await track(openSession(server, store, { convening: "c2" }));
    await settle();
    const [a, b] = server.sentOf("hello");
    expect(a.replica).not.toBe(b.replica);
    expect(hex(a.replicaSecret)).not.toBe(hex(b.replicaSecret));
  });

  it("makes a secret for a replica remembered from before secrets, and keeps the replica", async () => {
    const server = new FakeServer();
    const store = await newStore();
    // A join record as older clients stored it: a replica, no secrets.
    await store.updateJoin("c1", () => ({
      token: "tok",
      name: "Ana",
      colour: "#aa3355",
      replica: "4242",
      replicas: ["4242"],
      secrets: undefined,
    }));
    const session = await track(openSession(server, store));
    await settle();
    expect(session.replica).toBe(4242n);
    const [hello] = server.sentOf("hello");
    expect(hello.replicaSecret).toHaveLength(REPLICA_SECRET_BYTES);
    expect(hex((await store.join("c1"))!.secrets!["4242"])).toBe(hex(hello.replicaSecret));
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });
});

describe("a replica another client holds (ERROR_REPLICA_CLAIMED)", () => {
  it("switches to a fresh replica and secret, reports the edits it could not send, and goes on", async () => {
    const server = new FakeServer();
    const store = await newStore();
    // Edits made offline under a replica...
    server.reachable = false;
    const offline = await openSession(server, store);
    const old = offline.replica;
    offline.doc.createMap("Lost 1");
    offline.doc.createMap("Lost 2");
    await offline.flush();
    await offline.close();
    // ...that another client has bound to its own secret meanwhile.
    server.secrets.set(old, "ab".repeat(32));
    server.reachable = true;

    const session = await track(openSession(server, store));
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));
    const resets: unknown[] = [];
    session.onReset((doc) => resets.push(doc));
    await settle();

    expect(session.replica).not.toBe(old);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ kind: "refused", code: ErrorCode.ERROR_REPLICA_CLAIMED });
    expect(errors[0].message).toContain("2 edit(s)");
    expect(resets).toEqual([session.doc]);
    expect(session.doc.maps()).toEqual([]);

    const hellos = server.sentOf("hello");
    expect(hellos).toHaveLength(2);
    expect(hellos[1].replica).toBe(session.replica);
    expect(hellos[1].resend).toEqual([]);
    expect(hex(hellos[1].replicaSecret)).not.toBe(hex(hellos[0].replicaSecret));
    expect(server.secrets.get(session.replica)).toBe(hex(hellos[1].replicaSecret));

    // Stored: the fresh replica with its secret; the old one, its secret and its edits are gone.
    const join = (await store.join("c1"))!;
    expect(join.replica).toBe(session.replica.toString());
    expect(join.replicas).not.toContain(old.toString());
    expect(Object.keys(join.secrets!)).not.toContain(old.toString());
    expect(hex(join.secrets![join.replica])).toBe(hex(hellos[1].replicaSecret));
    expect((await store.loadPending("c1")).byReplica.size).toBe(0);

    session.doc.createMap("Kept");
    await session.flush();
    await settle();
    expect(server.log.map((e) => e.op!.replica)).toEqual([session.replica]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
    expect(session.memberId).toBe(session.replica.toString(16).padStart(16, "0"));
  });

  it("switches without a word when no edit was waiting", async () => {
    const server = new FakeServer();
    const store = await newStore();
    const first = await openSession(server, store);
    await settle();
    const old = first.replica;
    await first.close();
    server.secrets.set(old, "cd".repeat(32));

    const session = await track(openSession(server, store));
    const errors: SessionError[] = [];
    session.onError((e) => errors.push(e));
    await settle();
    expect(session.replica).not.toBe(old);
    expect(errors).toEqual([]);
    expect(session.status()).toEqual({ state: "saved", pending: 0 });
  });
});
