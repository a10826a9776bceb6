import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { OpSchema } from "../../../src/gen/convene/v1/ops_pb";
import { SequencedOpSchema, type SequencedOp } from "../../../src/gen/convene/v1/protocol_pb";
import { describeOp, groupEvents } from "../../../src/ui/history";
import { statusText } from "../../../src/ui/shell-status";

const variant = { replica: 1n, counter: 1n };

function typed(seq: number, author: string, text: string): SequencedOp {
  return create(SequencedOpSchema, {
    seq: BigInt(seq),
    author,
    serverTimeMs: BigInt(seq * 1000),
    op: { body: { case: "textInsert", value: { variant, text } } },
  });
}

function moved(seq: number, author: string, element: bigint): SequencedOp {
  return create(SequencedOpSchema, {
    seq: BigInt(seq),
    author,
    serverTimeMs: BigInt(seq * 1000),
    op: {
      body: {
        case: "updateElement",
        value: { element: { replica: 2n, counter: element }, fields: { position: { x: 1, y: 2 } } },
      },
    },
  });
}

describe("history events", () => {
  it("reads one author's consecutive typing in a variant as one change", () => {
    const log = [typed(1, "ana", "Dear "), typed(2, "ana", "partners"), typed(3, "ana", ",")];
    const groups = groupEvents(log, 3, 10);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({
      author: "ana",
      lastSeq: 3,
      description: "wrote “Dear partners,”",
    });
  });

  it("keeps different authors and different targets apart, newest first", () => {
    const log = [
      typed(1, "ana", "Hello"),
      typed(2, "ben", "Hi"),
      moved(3, "ben", 5n),
      moved(4, "ben", 5n),
      moved(5, "ben", 6n),
    ];
    const groups = groupEvents(log, 5, 10);
    expect(groups.map((g) => [g.author, g.lastSeq, g.description])).toEqual([
      ["ben", 5, "moved an element"],
      ["ben", 4, "moved an element"],
      ["ben", 2, "wrote “Hi”"],
      ["ana", 1, "wrote “Hello”"],
    ]);
  });

  it("stops at the slider position and at the limit", () => {
    const log = [
      typed(1, "ana", "a"),
      moved(2, "ben", 1n),
      typed(3, "ana", "b"),
      moved(4, "ben", 2n),
    ];
    expect(groupEvents(log, 2, 10).map((g) => g.lastSeq)).toEqual([2, 1]);
    expect(groupEvents(log, 4, 2).map((g) => g.lastSeq)).toEqual([4, 3]);
    expect(groupEvents(log, 0, 10)).toEqual([]);
  });

  it("describes map and draft ops in words", () => {
    const op = (body: Parameters<typeof create<typeof OpSchema>>[1]) => create(OpSchema, body);
    expect(describeOp(op({ body: { case: "createMap", value: { name: "Basin" } } }))).toBe(
      "created the map “Basin”",
    );
    expect(
      describeOp(
        op({ body: { case: "createElement", value: { fields: { kind: 1, label: "City hall" } } } }),
      ),
    ).toBe("added an institution “City hall”");
    expect(
      describeOp(
        op({
          body: {
            case: "textDelete",
            value: { variant, ranges: [{ replica: 1n, counter: 3n, length: 4n }] },
          },
        }),
      ),
    ).toBe("deleted 4 characters");
  });
});

describe("save status", () => {
  it("says what is waiting", () => {
    expect(statusText({ state: "saved", pending: 0 })).toBe("Saved");
    expect(statusText({ state: "offline", pending: 3 })).toBe("Offline — 3 edits waiting");
    expect(statusText({ state: "offline", pending: 1 })).toBe("Offline — 1 edit waiting");
    expect(statusText({ state: "reconnecting", pending: 0 })).toBe("Reconnecting…");
    expect(statusText({ state: "saving", pending: 2 })).toBe("Saving…");
  });
});
