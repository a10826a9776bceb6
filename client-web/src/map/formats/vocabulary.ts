// How the words in a file become Convene's kinds, scales, directions and tags
// (docs/formats.md "Columns"), and back. One place, so every format reads
// "Organizational" or "<->" the same way.
import {
  BOUNDARY_TYPES,
  CONNECTION_KINDS,
  DIRECTIONS,
  ELEMENT_KINDS,
  SCALE_LEVELS,
} from "../style";
import { checkTag, fail } from "./checks";
import type {
  BoundaryTypeKey,
  ConnectionKindKey,
  DirectionKey,
  ElementKindKey,
  KindDef,
  ScaleKey,
} from "./model";

const lower = (s: string) => s.trim().toLowerCase();

interface Named {
  key: string;
  label: string;
}

/** The key of an entry named by its key or its label, in any case. */
function keyByName<K extends string>(list: Named[], name: string): K | undefined {
  const n = lower(name);
  const entry = list.find(
    (e) => e.key !== "unspecified" && (e.key === n || e.label.toLowerCase() === n),
  );
  return entry?.key as K | undefined;
}

function labelOf(list: Named[], key: string): string {
  return list.find((e) => e.key === key)?.label ?? "";
}

/** A built-in element kind by its key or label ("community", "Community of practice"). */
export const builtInKind = (type: string) => keyByName<ElementKindKey>(ELEMENT_KINDS, type);
export const kindLabel = (kind: ElementKindKey) => labelOf(ELEMENT_KINDS, kind);

// Words that suggest a built-in kind, for a Type Convene does not know ("NHS
// trust" → institution). Checked in this order; the first kind with a word
// in the type wins.
const KIND_WORDS: [KindDef["base"], string[]][] = [
  [
    "person",
    [
      "person",
      "people",
      "individual",
      "lived experience",
      "patient",
      "carer",
      "citizen",
      "resident",
      "volunteer",
      "champion",
      "lead",
      "director",
      "officer",
      "expert",
      "gp",
      "doctor",
      "nurse",
      "clinician",
    ],
  ],
  ["network", ["network", "alliance", "partnership", "consortium", "coalition", "federation"]],
  ["community", ["community", "forum", "group", "circle", "collective", "association", "team"]],
  ["project", ["project", "programme", "program", "pilot", "initiative", "campaign", "trial"]],
  [
    "institution",
    [
      "institution",
      "organisation",
      "organization",
      "trust",
      "council",
      "authority",
      "agency",
      "department",
      "ministry",
      "government",
      "university",
      "hospital",
      "school",
      "company",
      "charity",
      "foundation",
      "board",
      "regulator",
      "commission",
      "icb",
      "nhs",
      "body",
      "provider",
      "funder",
      "cooperative",
    ],
  ],
  [
    "practice",
    [
      "practice",
      "method",
      "approach",
      "process",
      "service",
      "pathway",
      "intervention",
      "model",
      "ritual",
    ],
  ],
  [
    "artifact",
    [
      "artifact",
      "artefact",
      "document",
      "report",
      "tool",
      "dataset",
      "data",
      "policy",
      "strategy",
      "plan",
      "guideline",
      "framework",
      "publication",
      "resource",
      "platform",
      "system",
    ],
  ],
];

/** The built-in kind a custom kind falls back to, guessed from its name. */
export function nearestKind(type: string): KindDef["base"] {
  const t = ` ${lower(type).replace(/[^\p{L}\p{N}]+/gu, " ")} `;
  for (const [kind, words] of KIND_WORDS) {
    if (words.some((w) => t.includes(` ${w} `) || t.includes(` ${w}s `))) return kind;
  }
  return "note";
}

export function scaleKey(value: string): ScaleKey | undefined {
  return keyByName<ScaleKey>(
    SCALE_LEVELS,
    lower(value) === "organizational" ? "organisational" : value,
  );
}

export const scaleLabel = (scale: ScaleKey) => labelOf(SCALE_LEVELS, scale);
export const connectionKind = (type: string) =>
  keyByName<ConnectionKindKey>(CONNECTION_KINDS, type);
export const connectionKindLabel = (kind: ConnectionKindKey) => labelOf(CONNECTION_KINDS, kind);
export const boundaryType = (type: string) => keyByName<BoundaryTypeKey>(BOUNDARY_TYPES, type);
export const boundaryTypeLabel = (type: BoundaryTypeKey) => labelOf(BOUNDARY_TYPES, type);

const DIRECTION_WORDS: Record<string, DirectionKey> = {
  directed: "forward",
  forward: "forward",
  "->": "forward",
  mutual: "both",
  both: "both",
  "<->": "both",
  undirected: "none",
  none: "none",
  "-": "none",
};

/** Kumu's words; an empty cell is directed, as in Kumu. */
export function direction(where: string, value: string): DirectionKey {
  if (lower(value) === "") return "forward";
  const d = DIRECTION_WORDS[lower(value)];
  if (!d) fail(where, `direction '${value}' is not directed, mutual or undirected`);
  return d;
}

const DIRECTION_NAMES: Record<DirectionKey, string> = {
  forward: "directed",
  both: "mutual",
  none: "undirected",
};

export function directionName(d: DirectionKey): string {
  return DIRECTION_NAMES[d];
}

// Keep DIRECTIONS (style.ts) and this file's keys one set.
if (DIRECTIONS.some((d) => !(d.key in DIRECTION_NAMES))) throw new Error("direction keys");

/**
 * Tags of one cell: `|`-separated (Kumu), or `,`/`;` when there is no `|`.
 * Arrays (JSON) are taken as they are. Trimmed, empty ones dropped, each once.
 */
export function splitTags(where: string, cell: string | string[]): string[] {
  let parts: string[];
  if (Array.isArray(cell)) parts = cell.map(String);
  else if (cell.includes("|")) parts = cell.split("|");
  else parts = cell.split(/[,;]/);
  const tags = parts.map((t) => t.trim()).filter((t) => t !== "");
  return [...new Set(tags.map((t) => checkTag(where, t)))];
}

/**
 * The inverse of splitTags. A single tag holding `,` or `;` gets a trailing
 * `|`, so it is not split on the way back in.
 */
export function joinTags(tags: string[]): string {
  const joined = tags.join("|");
  return tags.length === 1 && /[,;]/.test(joined) ? joined + "|" : joined;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A number written as text, strictly (no "1,5", no "12 people"). */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

const TRUE_WORDS = new Set(["true", "yes", "y", "1", "x"]);
const FALSE_WORDS = new Set(["false", "no", "n", "0", ""]);

export function parsePinned(where: string, value: string | boolean): true | undefined {
  if (typeof value === "boolean") return value || undefined;
  const v = lower(value);
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return undefined;
  fail(where, `Pinned '${value}' is not true or false`);
}
