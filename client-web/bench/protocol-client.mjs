// A Node-side Convene client for the benchmark: the app's own CRDT
// (src/crdt/document.ts) and wire helpers loaded through Vite's SSR loader,
// speaking the WebSocket protocol of docs/protocol.md. It builds the big
// convening the browser then loads, and later makes the remote edits the
// browser has to paint.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createServer } from "vite";

/** Loads the TypeScript modules the client needs, then closes Vite. */
export async function loadClientModules(clientRoot) {
  return withClientModules(
    clientRoot,
    {
      document: "/src/crdt/document.ts",
      wire: "/src/net/wire.ts",
      ops: "/src/gen/convene/v1/ops_pb.ts",
      protocol: "/src/gen/convene/v1/protocol_pb.ts",
    },
    ({ document, wire, ops, protocol }) => ({ Document: document.Document, wire, ops, protocol }),
  );
}

/**
 * Loads the client's modules `paths` ({name: "/src/....ts"}) through Vite's
 * SSR loader and returns what `use(modules)` returns; Vite closes after it,
 * so whatever a module loads lazily must be loaded inside `use`.
 */
export async function withClientModules(clientRoot, paths, use) {
  const vite = await createServer({
    root: clientRoot,
    configFile: false,
    logLevel: "error",
    appType: "custom",
    server: { middlewareMode: true, hmr: false, watch: null, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const modules = {};
    for (const [name, path] of Object.entries(paths))
      modules[name] = await vite.ssrLoadModule(path);
    return await use(modules);
  } finally {
    await vite.close();
  }
}

/** POST /api/convenings: {id, convenerToken, participantToken}. */
export async function createConvening(baseUrl, name) {
  const response = await fetch(`${baseUrl}/api/convenings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (response.status !== 201) throw new Error(`create convening: HTTP ${response.status}`);
  const body = await response.json();
  return {
    id: body.id,
    convenerToken: body.convener_token,
    participantToken: body.invites.participant,
  };
}

/** A small deterministic PRNG (mulberry32), so every run builds the same map. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the convening brings together partners from the river basin to share what works " +
  "and what does not in restoring wetlands funding community practice network learning " +
  "we invite you to join three days of field visits workshops and open conversation about " +
  "water land livelihoods and the institutions that shape them"
).split(" ");

/** `length` characters of Markdown-ish prose: headings, paragraphs, blank lines. */
export function draftText(length, rand) {
  const parts = [];
  let size = 0;
  let paragraph = 0;
  while (size < length) {
    let block = paragraph % 6 === 0 ? `## Section ${paragraph / 6 + 1}\n\n` : "";
    const words = 40 + Math.floor(rand() * 80);
    const sentence = [];
    for (let i = 0; i < words; i++) sentence.push(WORDS[Math.floor(rand() * WORDS.length)]);
    block += sentence.join(" ") + ".\n\n";
    parts.push(block);
    size += block.length;
    paragraph++;
  }
  return parts.join("").slice(0, length);
}

/**
 * One WebSocket connection of one replica, with its own copy of the
 * document. Hello/Welcome, Submit/Ack; everything else the server sends
 * (presence, others' ops) is not needed and ignored.
 */
export class ProtocolClient {
  constructor(modules, { baseUrl, convening, token, name, replica }) {
    this.m = modules;
    this.baseUrl = baseUrl;
    this.convening = convening;
    this.token = token;
    this.name = name;
    this.doc = new modules.Document(replica);
    this.replica = replica;
    this.acked = 0n;
    this.ackWaiters = [];
  }

  async connect() {
    const ws = new WebSocket(`${this.baseUrl.replace(/^http/, "ws")}/ws`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    await new Promise((done, fail) => {
      ws.onopen = done;
      ws.onerror = () => fail(new Error("WebSocket failed to open"));
    });
    const welcome = new Promise((done, fail) => {
      this.onWelcome = done;
      this.onError = fail;
    });
    ws.onmessage = (event) => {
      this.welcomeArrivedAt ??= performance.now();
      this.onFrame(event.data);
    };
    ws.onerror = () => this.fail(new Error("WebSocket error"));
    ws.onclose = () => this.fail(new Error("WebSocket closed"));
    this.helloSentAt = performance.now();
    this.send({
      case: "hello",
      value: {
        protocol: this.m.wire.PROTOCOL_VERSION,
        token: this.token,
        replica: this.replica,
        // A fresh replica each time: its secret need not outlive the connection.
        replicaSecret: crypto.getRandomValues(new Uint8Array(32)),
        convening: this.convening,
        lastSeenSeq: 0n,
        name: this.name,
        colour: "#8e5ea2",
        opsOnly: true,
      },
    });
    await welcome;
  }

  send(body) {
    this.ws.send(this.m.wire.encodeClientMessage(body));
  }

  onFrame(data) {
    const message = fromBinary(this.m.protocol.ServerMessageSchema, new Uint8Array(data));
    const body = message.body;
    if (body.case === "welcome") {
      this.onWelcome?.();
    } else if (body.case === "ack") {
      if (body.value.counter > this.acked) this.acked = body.value.counter;
      const done = this.ackWaiters.filter((w) => this.acked >= w.counter);
      this.ackWaiters = this.ackWaiters.filter((w) => this.acked < w.counter);
      for (const w of done) w.done();
    } else if (body.case === "error") {
      this.fail(new Error(`server error ${body.value.code}: ${body.value.message}`));
    }
  }

  /** The connection is of no more use: whoever waits, and the next submit, hear why. */
  fail(error) {
    if (this.closing) return;
    this.failure ??= error;
    this.onError?.(error);
    for (const w of this.ackWaiters) w.fail(error);
    this.ackWaiters = [];
  }

  /** Submits the outbox in frames the server takes; resolves when all are acknowledged. */
  async submitOutbox() {
    if (this.failure) throw this.failure;
    const ops = this.doc.takeOutbox();
    if (ops.length === 0) return 0;
    const sizeOf = (op) => toBinary(this.m.ops.OpSchema, op).length;
    for (const chunk of this.m.wire.chunkOps(ops, this.m.wire.MAX_OPS_PER_SUBMIT, sizeOf)) {
      this.send({ case: "submit", value: { ops: chunk } });
    }
    const last = ops[ops.length - 1].counter;
    await new Promise((done, fail) => {
      if (this.acked >= last) return done();
      this.ackWaiters.push({ counter: last, done, fail });
    });
    return ops.length;
  }

  /** Sends the outbox without waiting for the Ack (the remote edits). */
  submitNow() {
    if (this.failure) throw this.failure;
    const ops = this.doc.takeOutbox();
    if (ops.length > 0) this.send({ case: "submit", value: { ops } });
    return ops.length;
  }

  close() {
    this.closing = true;
    this.ws?.close(1000);
  }
}

/**
 * A client of `convening` ({id}) with `token`, its replica id drawn from
 * `rand`, connected: the server has welcomed it.
 */
export async function connectedClient(modules, { baseUrl, convening, token, name, rand }) {
  const client = new ProtocolClient(modules, {
    baseUrl,
    convening: convening.id,
    token,
    name,
    replica: BigInt(1 + Math.floor(rand() * 2 ** 48)),
  });
  await client.connect();
  return client;
}

/** A new convening called `name` and its convener's client `clientName`, connected. */
export async function newConvening(modules, { baseUrl, name, clientName, rand }) {
  const convening = await createConvening(baseUrl, name);
  const client = await connectedClient(modules, {
    baseUrl,
    convening,
    token: convening.convenerToken,
    name: clientName,
    rand,
  });
  return { convening, client };
}

/**
 * Builds the benchmark convening through `client`: one map with `elements`
 * elements and `connections` connections between random pairs, and one draft
 * of `textLength` characters. Returns the ids the browser is checked against.
 */
export async function seedConvening(client, { elements, connections, textLength, seed }) {
  const { ElementKind, ScaleLevel, Direction, ConnectionKind } = client.m.ops;
  const rand = random(seed);
  const doc = client.doc;
  const map = doc.createMap("Benchmark landscape");
  const side = Math.ceil(Math.sqrt(elements));
  const elementIds = [];
  const kinds = Object.values(ElementKind).filter((v) => typeof v === "number" && v > 0);
  const scales = Object.values(ScaleLevel).filter((v) => typeof v === "number" && v > 0);
  for (let i = 0; i < elements; i++) {
    // A jittered grid: spread out like a real map, nothing stacked.
    const x = Math.round((i % side) * 140 + rand() * 60);
    const y = Math.round(Math.floor(i / side) * 140 + rand() * 60);
    elementIds.push(
      doc.createElement(map, {
        kind: kinds[i % kinds.length],
        label: `Partner ${i + 1}`,
        position: { x, y },
        scale: scales[i % scales.length],
      }),
    );
  }
  const connectionKinds = Object.values(ConnectionKind).filter(
    (v) => typeof v === "number" && v > 0,
  );
  for (let i = 0; i < connections; i++) {
    // Mostly near neighbours (as people draw them), some long links.
    const from = Math.floor(rand() * elements);
    let to =
      rand() < 0.8 ? from + 1 + Math.floor(rand() * 3) * side : Math.floor(rand() * elements);
    to = ((to % elements) + elements) % elements;
    if (to === from) to = (from + 1) % elements;
    doc.createConnection(map, elementIds[from], elementIds[to], {
      direction: i % 3 === 0 ? Direction.FORWARD : Direction.NONE,
      depth: 1 + (i % 3),
      kind: connectionKinds[i % connectionKinds.length],
    });
  }
  const draft = doc.createDraft("Convening call");
  const text = draftText(textLength, rand);
  // Written paragraph by paragraph, as someone would; the outbox joins the
  // run into one insert.
  let pos = 0;
  for (const piece of text.split(/(?<=\n\n)/)) {
    doc.insertText(draft, pos, piece);
    pos += piece.length;
  }
  const ops = await client.submitOutbox();
  return { map, draft, elementIds, ops, textLength: doc.textLength(draft) };
}
