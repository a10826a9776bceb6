// What an import may hold: the CRDT's limits on every string and number
// (docs/crdt.md "Limits", crdt/limits.ts) and the bounds of one import
// (docs/formats.md "Limits of an import"). Readers check each value where they
// meet it, so the error can say which row, line or element it came from.
import * as limits from "../../crdt/limits";
import { isWellFormed, utf8Length } from "../../crdt/utf8";
import { tagProblem } from "../../crdt/vocabulary-checks";

/** A file refused whole; the message names where (row, line or element). */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportError";
  }
}

export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const MAX_ELEMENTS = 5_000;
export const MAX_CONNECTIONS = 20_000;
export const MAX_SHAPES = 1_000;
export const MAX_FIELDS = 100;
/** Server admission (docs/crdt.md "Admission"): custom kinds per map. */
export const MAX_KINDS = limits.VOCABULARY_PER_MAP;
export {
  FIELD_NUMBER,
  FIELD_TEXT_BYTES,
  TAGS_PER_TARGET,
  VOCABULARY_NAME_BYTES,
} from "../../crdt/limits";
/** Participants are named in files; a name is held to a vocabulary name's bound. */
export const PERSON_NAME_BYTES = limits.VOCABULARY_NAME_BYTES;
/** Deeper XML than this is refused before it is walked. */
export const MAX_XML_DEPTH = 64;

export function fail(where: string, problem: string): never {
  throw new ImportError(`${where}: ${problem}`);
}

export function checkFileSize(bytes: number, what: string): void {
  if (bytes > MAX_FILE_BYTES) fail(what, `the file is larger than 20 MB (${bytes} bytes)`);
}

export function checkCount(count: number, max: number, what: string): void {
  if (count > max) fail(what, `more than ${max.toLocaleString("en")} (${count})`);
}

/** A string of at most `maxBytes` UTF-8 bytes. */
export function checkText(where: string, column: string, s: string, maxBytes: number): string {
  if (!isWellFormed(s)) fail(where, `${column} is not valid Unicode`);
  const n = utf8Length(s);
  if (n > maxBytes) fail(where, `${column} is longer than ${maxBytes} bytes (${n})`);
  return s;
}

/** A name (field, kind, aspect, participant): non-empty, bounded. */
export function checkName(where: string, column: string, s: string, maxBytes: number): string {
  if (s === "") fail(where, `${column} is empty`);
  return checkText(where, column, s, maxBytes);
}

export const checkLabel = (where: string, s: string) =>
  checkText(where, "label", s, limits.LABEL_BYTES);
export const checkNotes = (where: string, s: string) =>
  checkText(where, "description", s, limits.NOTES_BYTES);
export const checkStyle = (where: string, column: string, s: string) =>
  checkText(where, column, s, limits.STYLE_BYTES);

/** A tag, trimmed: 1–64 bytes, no control character (the CRDT's own check). */
export function checkTag(where: string, raw: string): string {
  const tag = raw.trim();
  const problem = tagProblem(tag);
  if (problem !== null) fail(where, `tag '${tag}' ${problem}`);
  return tag;
}

export function checkCoordinate(where: string, column: string, v: number): number {
  if (!Number.isFinite(v) || Math.abs(v) > limits.COORDINATE)
    fail(where, `${column} ${v} is beyond ±10,000,000`);
  return v;
}

export function checkPerspectiveValue(where: string, column: string, v: number): number {
  if (!Number.isFinite(v) || Math.abs(v) > limits.PERSPECTIVE_VALUE)
    fail(where, `${column} value ${v} is beyond ±1,000,000`);
  return v;
}

export function checkFieldNumber(where: string, column: string, v: number): number {
  if (!Number.isFinite(v) || Math.abs(v) > limits.FIELD_NUMBER)
    fail(where, `${column} value ${v} is beyond ±10^15`);
  return v;
}

export function checkDepth(where: string, v: number): number {
  if (!Number.isInteger(v) || v < limits.MIN_DEPTH || v > limits.MAX_DEPTH)
    fail(where, `depth ${v} is not 1, 2 or 3`);
  return v;
}

export function checkPathLength(where: string, points: number, geometry: string): void {
  const min = geometry === "polygon" ? 3 : 2;
  if (points < min) fail(where, `a ${geometry} needs at least ${min} points (has ${points})`);
  if (points > limits.PATH_POINTS) fail(where, `more than ${limits.PATH_POINTS} points`);
}

export const checkAspect = (where: string, s: string) =>
  checkName(where, "perspective aspect", s, limits.ASPECT_BYTES);
