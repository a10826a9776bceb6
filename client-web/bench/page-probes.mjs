// What the benchmark runs inside the page. `installProbes` is injected with
// page.addInitScript, before the app's own code, so that every WebSocket the
// app opens reports when each frame arrived and when the app's handler for it
// returned; the probes below turn that into "arrived -> painted" times.
//
// "Painted" here means: the main thread has finished the rendering work of
// the frame that first shows the change (requestAnimationFrame callbacks,
// style, layout, paint and commit to the compositor). It is taken with a
// task posted from a requestAnimationFrame callback of that frame, which the
// browser runs only after the frame's rendering steps. Rasterising and
// compositing on other threads come after and are not included.

/** Injected with page.addInitScript (serialised: it may use nothing from this module). */
export function installProbes() {
  const TAG_WELCOME = 0x0a; // ServerMessage field 1 (welcome), length-delimited
  const TAG_OPS = 0x12; // ServerMessage field 2 (ops)
  const bench = {
    frames: [],
    joinClickedAt: undefined,
    load: undefined,
    edit: undefined,
    /** Runs `done(time)` once the current frame's rendering is over. */
    afterFrame(done) {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(performance.now());
      channel.port2.postMessage(null);
    },
    /** Each frame, runs `check()` after the app's frame callbacks until it is true. */
    untilFrame(check, done, frames = 600) {
      const step = () => {
        if (check()) return done(performance.now());
        if (--frames > 0) requestAnimationFrame(step);
        else done(undefined);
      };
      requestAnimationFrame(step);
    },
    /**
     * Elements shown on the map: those drawn as SVG nodes (built: not empty)
     * and those a large map seen whole paints on its canvas (far-view.ts).
     */
    shownElements() {
      const far = document.querySelector("canvas.cv-far");
      return (
        document.querySelectorAll("g[data-id][data-kind]:not(:empty)").length +
        Number(far?.dataset.elements ?? 0)
      );
    },
    /** Connections shown, the same way. */
    shownConnections() {
      const far = document.querySelector("canvas.cv-far");
      return (
        document.querySelectorAll("g[data-conn]:not(:empty)").length +
        Number(far?.dataset.connections ?? 0)
      );
    },
  };
  window.__bench = bench;

  // The profile is stored already, so the join page only needs the click.
  localStorage.setItem("convene.profile", JSON.stringify({ name: "Bench", colour: "#3d5a80" }));
  document.addEventListener(
    "submit",
    () => {
      bench.joinClickedAt ??= performance.now();
    },
    true,
  );

  function arrived(tag, arrivedAt, handledAt) {
    if (tag === TAG_WELCOME && bench.load && bench.load.welcomeAt === undefined) {
      const load = bench.load;
      load.welcomeAt = arrivedAt;
      load.welcomeHandledAt = handledAt;
      // Registered after the app's handler asked for its frame: this check
      // runs after the app's frame callback, in the same frame.
      bench.untilFrame(
        () => bench.shownElements() >= load.expected,
        (domAt) => {
          load.domAt = domAt;
          if (domAt === undefined) return load.resolve(load);
          bench.afterFrame((paintedAt) => {
            load.paintedAt = paintedAt;
            load.resolve(load);
          });
        },
      );
    }
    const edit = bench.edit;
    if (tag === TAG_OPS && edit && edit.arrivedAt === undefined) {
      edit.arrivedAt = arrivedAt;
      edit.handledAt = handledAt;
      const node = () => document.querySelector(`g[data-id="${edit.id}"]`);
      const far = () => document.querySelector("canvas.cv-far");
      bench.untilFrame(
        () =>
          node()?.getAttribute("transform") === edit.transform ||
          (Number(far()?.dataset.elements) > 0 && far().dataset.places !== edit.places),
        (domAt) => {
          edit.domAt = domAt;
          if (domAt === undefined) return edit.resolve(edit);
          bench.afterFrame((paintedAt) => {
            edit.paintedAt = paintedAt;
            edit.resolve(edit);
          });
        },
      );
    }
  }

  // The first frame the app sends on a socket is its Hello.
  const send = WebSocket.prototype.send;
  const sentOn = new WeakSet();
  WebSocket.prototype.send = function (data) {
    if (!sentOn.has(this)) {
      sentOn.add(this);
      if (bench.load && bench.load.helloAt === undefined) bench.load.helloAt = performance.now();
    }
    return send.call(this, data);
  };

  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, "onmessage");
  const handlers = new WeakMap();
  Object.defineProperty(WebSocket.prototype, "onmessage", {
    configurable: true,
    enumerable: onmessage.enumerable,
    get() {
      return handlers.get(this) ?? null;
    },
    set(handler) {
      handlers.set(this, handler);
      if (typeof handler !== "function") return onmessage.set.call(this, handler);
      onmessage.set.call(this, function (event) {
        const arrivedAt = performance.now();
        try {
          return handler.call(this, event);
        } finally {
          const data = event.data;
          const tag =
            data instanceof ArrayBuffer && data.byteLength > 0 ? new Uint8Array(data)[0] : -1;
          const handledAt = performance.now();
          bench.frames.push({ tag, bytes: data.byteLength ?? 0, arrivedAt, handledAt });
          arrived(tag, arrivedAt, handledAt);
        }
      });
    },
  });
}

/** Page side: expect the Welcome of the next join to bring `expected` elements. */
export function armLoad(expected) {
  const bench = window.__bench;
  bench.load = { expected };
  bench.load.done = new Promise((resolve) => (bench.load.resolve = resolve));
}

/** Page side: the next Ops frame should move element `id` to `transform`. */
export function armEdit({ id, transform }) {
  const bench = window.__bench;
  // A large map seen whole paints its elements (far-view.ts): a move changes
  // the checksum of the places it painted.
  const places = document.querySelector("canvas.cv-far")?.dataset.places;
  bench.edit = { id, transform, places };
  bench.edit.done = new Promise((resolve) => (bench.edit.resolve = resolve));
}

/**
 * Page side, before typing into `selector` (the draft's editor unless named):
 * per keystroke, the keydown's timestamp, the app's input handling (a
 * listener added after the app's own runs after it) and the next frame, from
 * its first requestAnimationFrame callback (ours, asked for before the app's)
 * to the end of its rendering.
 */
export function installKeyProbes(selector = "[data-testid=draft-editor]") {
  const bench = window.__bench;
  const textarea = document.querySelector(selector);
  bench.keys = [];
  let current;
  window.addEventListener(
    "keydown",
    (event) => {
      current = { eventAt: event.timeStamp, keydownAt: performance.now() };
      current.done = new Promise((resolve) => (current.resolve = resolve));
      bench.keys.push(current);
    },
    true,
  );
  window.addEventListener(
    "input",
    () => {
      const key = current;
      if (!key || key.inputAt !== undefined) return;
      key.inputAt = performance.now();
      requestAnimationFrame(() => {
        key.frameAt = performance.now();
        bench.afterFrame((paintedAt) => {
          key.paintedAt = paintedAt;
          key.resolve();
        });
      });
    },
    true,
  );
  textarea.addEventListener("input", () => {
    if (current && current.inputHandledAt === undefined) current.inputHandledAt = performance.now();
  });
}
