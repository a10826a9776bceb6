// What the JSON formats share: parsing with a named error, and plain values.
import { checkFileSize, fail } from "./checks";
import type { Cell } from "./columns";

export function parseJson(text: string, format: string): unknown {
  checkFileSize(text.length, format);
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (e) {
    return fail(format, `not JSON (${(e as Error).message})`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A list under `key`, or an error naming it. */
export function listAt(doc: Record<string, unknown>, key: string, format: string): unknown[] {
  const list = doc[key] ?? [];
  if (!Array.isArray(list)) fail(format, `"${key}" is not a list`);
  return list;
}

/** A JSON value as a cell: lists of text stay lists, objects and null are dropped. */
export function jsonCell(v: unknown): Cell {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.filter((x) => x !== null && typeof x !== "object").map(String);
  return undefined;
}
