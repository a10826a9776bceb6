// Undo and redo: per replica, steps between checkpoints, inverses computed
// before each edit, re-inserted text tracked through new ids.
import { describe, expect, test } from "vitest";
import { Document } from "../../../src/crdt/document";
import { MAX_STEPS, UndoManager } from "../../../src/crdt/undo";
import { ScaleLevel } from "../../../src/gen/convene/v1/ops_pb";
import { state, sync } from "./helpers";

describe("text", () => {
  test("undo and redo of inserts and deletes, twice over", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.undoCheckpoint();
    a.insertText(d, 0, "Hello world");
    a.undoCheckpoint();
    a.deleteText(d, 5, 6);
    a.undoCheckpoint();
    expect(a.text(d)).toBe("Hello");
    a.undo();
    expect(a.text(d)).toBe("Hello world");
    a.undo();
    expect(a.text(d)).toBe("");
    a.redo();
    expect(a.text(d)).toBe("Hello world");
    a.redo();
    expect(a.text(d)).toBe("Hello");
    expect(a.canRedo()).toBe(false);
    // Undo twice more, then everything again: the re-inserted text is tracked.
    a.undo();
    a.undo();
    expect(a.text(d)).toBe("");
    a.redo();
    a.redo();
    expect(a.text(d)).toBe("Hello");
    // Every undo was an ordinary op: another replica ends the same.
    const b = new Document(2n);
    sync(a, b);
    expect(b.text(d)).toBe("Hello");
    expect(state(b)).toEqual(state(a));
  });

  test("a step that typed and corrected itself undoes as a whole", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "base ");
    a.undoCheckpoint();
    a.insertText(d, 5, "abc");
    a.deleteText(d, 6, 1); // the "b" typed in this same step
    a.insertText(d, 7, "d");
    expect(a.text(d)).toBe("base acd");
    a.undoCheckpoint();
    a.undo();
    expect(a.text(d)).toBe("base ");
    a.redo();
    expect(a.text(d)).toBe("base acd");
  });

  test("undo only touches my own edits", () => {
    const a = new Document(1n);
    const b = new Document(2n);
    const d = a.createDraft("d");
    sync(a, b);
    a.undoCheckpoint();
    a.insertText(d, 0, "mine ");
    sync(a, b);
    b.insertText(d, 5, "theirs");
    sync(b, a);
    expect(a.text(d)).toBe("mine theirs");
    a.undo();
    expect(a.text(d)).toBe("theirs");
    sync(a, b);
    b.undo();
    expect(b.text(d)).toBe("");
    sync(b, a);
    expect(a.text(d)).toBe("");
  });

  test("deleted text comes back directly before its tombstones", () => {
    const a = new Document(1n);
    const b = new Document(2n);
    const d = a.createDraft("d");
    a.insertText(d, 0, "one two three");
    sync(a, b);
    a.undoCheckpoint();
    a.deleteText(d, 3, 4); // " two"
    sync(a, b);
    b.insertText(d, 3, "!"); // concurrently typed right where it was
    sync(b, a);
    a.undo();
    sync(a, b);
    expect(a.text(d)).toBe(b.text(d));
    // "!" was typed before the tombstones, so it stays before the text.
    expect(a.text(d)).toBe("one! two three");
  });
});

describe("maps, drafts and variants", () => {
  test("removal and creation of a variant, and its rename", () => {
    const a = new Document(1n);
    const d = a.createDraft("d");
    a.undoCheckpoint();
    const v = a.createVariant(d, "v");
    a.undoCheckpoint();
    a.rename(v, "renamed");
    a.undoCheckpoint();
    a.remove(v);
    a.undoCheckpoint();
    const names = () => a.variants(d).map((x) => x.name);
    expect(names()).toEqual(["base"]);
    a.undo();
    expect(names()).toEqual(["base", "renamed"]);
    a.undo();
    expect(names()).toEqual(["base", "v"]);
    a.undo();
    expect(names()).toEqual(["base"]);
    a.redo();
    expect(names()).toEqual(["base", "v"]);
  });

  test("element, connection and perspective edits, step by step", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    const fields = { label: "Ministry", position: { x: 1, y: 2 }, scale: ScaleLevel.NATIONAL };
    const e = a.createElement(map, fields);
    const g = a.createElement(map, fields);
    const c = a.createConnection(map, e, g, { depth: 1 });
    a.undoCheckpoint();
    a.updateElement(e, { position: { x: 50, y: 60 } }); // a drag and, in one step, a relabel
    a.updateElement(e, { label: "Ministry of Water" });
    a.undoCheckpoint();
    a.updateConnection(c, { depth: 3 });
    a.setPerspective(c, "strength", "me", 4);
    a.undoCheckpoint();
    a.remove(g);
    a.undoCheckpoint();
    expect(a.connection(c)).toBeUndefined();

    a.undo(); // the removal
    expect(a.element(g)).toBeDefined();
    expect(a.connection(c)).toBeDefined();
    a.undo(); // depth and perspective
    expect(a.connection(c)!.fields.depth).toBe(1);
    expect(a.perspectives(c).size).toBe(0);
    a.undo(); // move and relabel
    const moved = a.element(e)!.fields;
    expect(moved.position).toMatchObject({ x: 1, y: 2 });
    expect(moved.label).toBe("Ministry");
    expect(moved.scale).toBe(ScaleLevel.NATIONAL); // untouched

    a.redo();
    expect(a.element(e)!.fields.position).toMatchObject({ x: 50, y: 60 });
    expect(a.element(e)!.fields.label).toBe("Ministry of Water");
    a.redo();
    expect(a.perspectives(c).get("strength")!.values.get("me")).toBe(4);
    a.redo();
    expect(a.element(g)).toBeUndefined();
    expect(a.canRedo()).toBe(false);

    // A new edit after undo forks history: redo is gone.
    a.undo();
    expect(a.canRedo()).toBe(true);
    a.updateElement(e, { label: "x" });
    expect(a.canRedo()).toBe(false);
  });

  test("a concurrent removal survives my undo of mine", () => {
    const a = new Document(1n);
    const b = new Document(2n);
    const d = a.createDraft("d");
    const v = a.createVariant(d, "v");
    sync(a, b);
    a.undoCheckpoint();
    a.remove(v);
    b.remove(v); // concurrently
    sync(a, b);
    sync(b, a);
    a.undo(); // cancels only a's own removal
    sync(a, b);
    expect(a.variants(d).map((x) => x.id)).toEqual([d]);
    expect(state(a)).toEqual(state(b));
  });

  test("nothing to undo or redo is a no-op", () => {
    const a = new Document(1n);
    expect(a.canUndo()).toBe(false);
    a.undo();
    a.redo();
    expect(a.outboxSize()).toBe(0);
  });
});

describe("the history itself", () => {
  test("keeps the newest 500 steps", () => {
    const a = new Document(1n);
    const map = a.createMap("m");
    for (let i = 0; i < MAX_STEPS + 20; i++) {
      a.undoCheckpoint();
      a.rename(map, `name ${i}`);
    }
    let undone = 0;
    while (a.canUndo()) {
      a.undo();
      undone++;
    }
    expect(undone).toBe(MAX_STEPS);
    expect(a.maps()[0].name).toBe("name 19");
  });

  test("resolves re-inserted spans through chains of incarnations", () => {
    const undo = new UndoManager();
    undo.addIncarnation({ replica: 1n, counter: 10, length: 5 }, { replica: 1n, counter: 100 });
    undo.addIncarnation({ replica: 1n, counter: 101, length: 2 }, { replica: 1n, counter: 200 });
    expect(undo.resolve({ replica: 1n, counter: 8, length: 8 })).toEqual([
      { replica: 1n, counter: 8, length: 2 }, // never moved
      { replica: 1n, counter: 100, length: 1 },
      { replica: 1n, counter: 200, length: 2 }, // moved twice
      { replica: 1n, counter: 103, length: 2 },
      { replica: 1n, counter: 15, length: 1 },
    ]);
  });

  test("characters typed in the open step need no re-insertion when deleted", () => {
    const undo = new UndoManager();
    undo.recordText("delete", { replica: 1n, counter: 1 }, { replica: 1n, counter: 5, length: 3 });
    const kept = undo.dropCreatedInOpenStep([{ replica: 1n, counter: 3, length: 7 }]);
    expect(kept).toEqual([
      { replica: 1n, counter: 3, length: 2 },
      { replica: 1n, counter: 8, length: 2 },
    ]);
    undo.checkpoint(); // closed: everything must come back on undo
    expect(undo.dropCreatedInOpenStep([{ replica: 1n, counter: 5, length: 1 }])).toHaveLength(1);
  });
});
