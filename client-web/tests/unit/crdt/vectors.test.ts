// Conformance: replays every file of tests/vectors (written by the C++
// library) and requires exactly its statuses and canonical JSON.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, test } from "vitest";
import { OpSchema, type Op } from "../../../src/gen/convene/v1/ops_pb";
import { Document } from "../../../src/crdt/document";

interface Vector {
  format: number;
  name: string;
  description: string;
  ops: string[];
  runs: { steps: { op: number; expect: string }[] }[];
  expected: unknown;
}

const vectorsDir = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../tests/vectors");
const files = readdirSync(vectorsDir).filter((f) => f.endsWith(".json"));

function bytesOf(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The op, or "undecodable" when protobuf refuses the bytes. */
function decode(hex: string): Op | "undecodable" {
  try {
    return fromBinary(OpSchema, bytesOf(hex));
  } catch {
    return "undecodable";
  }
}

test("the vectors folder holds the conformance files", () => {
  expect(files.length).toBeGreaterThanOrEqual(12);
});

describe.each(files)("%s", (file) => {
  const vector = JSON.parse(readFileSync(join(vectorsDir, file), "utf8")) as Vector;

  test("is format 1", () => {
    expect(vector.format).toBe(1);
  });

  test.each(vector.runs.map((run, i) => [i, run] as const))("run %i", (_, run) => {
    const doc = new Document(0n);
    const statuses = run.steps.map((step) => {
      const op = decode(vector.ops[step.op]);
      return op === "undecodable" ? op : doc.apply(op).status;
    });
    expect(statuses).toEqual(run.steps.map((step) => step.expect));
    // Compared as values, not re-serialised: JSON.stringify would write -0 as 0.
    expect(doc.toJSON()).toEqual(vector.expected);
    expect(doc.checkInvariants()).toBeNull();
  });
});
