// Checks on the values a map's vocabulary ops carry (docs/crdt.md,
// "Vocabulary" and "Limits"), apart from the ids they name, which need the
// document's state (vocabulary.ts checks those).
import {
  ConnectionKind,
  ElementKind,
  FieldType,
  ScaleLevel,
  type FieldDefFields,
  type KindFields,
  type OpId as PbOpId,
  type RuleMatch,
  type SetFieldValue,
  type StringList,
  type StyleRuleFields,
  type ViewFields,
  type ViewFilter,
  type Viewport,
} from "../gen/convene/v1/ops_pb";
import { checkEnum, checkName, checkText, coordinateOk, fieldError, firstProblem } from "./fields";
import { refIsZero, refOf, refValid } from "./ids";
import * as limits from "./limits";
import type { Problem } from "./status";
import { isWellFormed, utf8Length } from "./utf8";

type EnumObject = Record<number, string | number>;

const CONTROL = /\p{Cc}/u;

/** Why `tag` cannot be a tag, or null: 1..64 bytes, no control character, trimmed. */
export function tagProblem(tag: string): string | null {
  if (tag === "") return "empty";
  if (!isWellFormed(tag)) return "not valid UTF-8";
  if (utf8Length(tag) > limits.TAG_BYTES) return `longer than ${limits.TAG_BYTES} bytes`;
  if (CONTROL.test(tag)) return "holds a control character";
  // White space as String.prototype.trim sees it (server/crdt agrees).
  if (tag.trim() !== tag) return "begins or ends with white space";
  return null;
}

export function checkTag(tag: string, where: string, field: string): Problem {
  const problem = tagProblem(tag);
  return problem === null ? null : fieldError(where, field, problem);
}

/** A finite number within ±bound. */
function withinBound(v: number, bound: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= bound;
}

function checkOrder(order: number | undefined, where: string): Problem {
  if (order === undefined || withinBound(order, limits.ORDER)) return null;
  return fieldError(where, "order", "not finite or beyond 1e9");
}

function checkStyle(f: { color?: string; shape?: string }, where: string): Problem {
  return (
    (f.color !== undefined ? checkText(f.color, limits.STYLE_BYTES, where, "color") : null) ??
    (f.shape !== undefined ? checkText(f.shape, limits.STYLE_BYTES, where, "shape") : null)
  );
}

function checkVocabularyName(name: string | undefined, where: string): Problem {
  return name !== undefined ? checkText(name, limits.VOCABULARY_NAME_BYTES, where, "name") : null;
}

function checkChoices(choices: StringList, where: string): Problem {
  const values = choices.values;
  if (values.length > limits.FIELD_CHOICES) {
    return fieldError(where, "choices", `more than ${limits.FIELD_CHOICES}`);
  }
  for (const choice of values) {
    if (choice === "") return fieldError(where, "choices", "a choice is empty");
    const problem = checkText(choice, limits.CHOICE_BYTES, where, "choices");
    if (problem) return problem;
  }
  if (new Set(values).size !== values.length) return fieldError(where, "choices", "repeated");
  return null;
}

export function checkFieldDefFields(f: FieldDefFields, where: string): Problem {
  return firstProblem([
    () => checkVocabularyName(f.name, where),
    () => (f.type !== undefined ? checkEnum(FieldType, f.type, where, "type") : null),
    () => (f.choices !== undefined ? checkChoices(f.choices, where) : null),
  ]);
}

export function checkKindFields(f: KindFields, where: string): Problem {
  return firstProblem([
    () => checkVocabularyName(f.name, where),
    () => (f.base !== undefined ? checkEnum(ElementKind, f.base, where, "base") : null),
    () => checkStyle(f, where),
  ]);
}

/** A zero id means none; any other must be able to name an op. */
export function checkOptionalId(id: PbOpId | undefined, where: string, field: string): Problem {
  const ref = refOf(id);
  if (refIsZero(ref) || refValid(ref)) return null;
  return fieldError(where, field, "has a replica but no counter");
}

/** Exactly one of {tag} or {field, value}; whether the field is of the map is checked later. */
function checkMatch(m: RuleMatch, where: string): Problem {
  if (refIsZero(refOf(m.field))) {
    if (m.value !== "") return fieldError(where, "match.value", "set without a field");
    return checkTag(m.tag, where, "match.tag");
  }
  if (m.tag !== "") return fieldError(where, "match", "names both a tag and a field");
  return (
    checkOptionalId(m.field, where, "match.field") ??
    checkText(m.value, limits.RULE_VALUE_BYTES, where, "match.value")
  );
}

export function checkRuleFields(f: StyleRuleFields, where: string, creating: boolean): Problem {
  return firstProblem([
    () => (creating && f.match === undefined ? fieldError(where, "match", "not set") : null),
    () => (f.match !== undefined ? checkMatch(f.match, where) : null),
    () => checkStyle(f, where),
    () =>
      f.size !== undefined && !(f.size >= limits.MIN_RULE_SIZE && f.size <= limits.MAX_RULE_SIZE)
        ? fieldError(where, "size", "outside 0.25..4")
        : null,
    () => checkOrder(f.order, where),
  ]);
}

function checkViewport(v: Viewport, where: string): Problem {
  if (!coordinateOk(v.x) || !coordinateOk(v.y)) {
    return fieldError(where, "viewport", "coordinate not finite or beyond 1e7");
  }
  if (!(v.zoom > 0 && v.zoom <= limits.MAX_ZOOM)) {
    return fieldError(where, "viewport.zoom", "outside (0, 1000]");
  }
  // The area shown: 0 when not known; a side never longer than the plane.
  const sideOk = (side: number) =>
    Number.isFinite(side) && side >= 0 && side <= 2 * limits.COORDINATE;
  if (!sideOk(v.width) || !sideOk(v.height)) {
    return fieldError(where, "viewport", "width or height not within [0, 2e7]");
  }
  return null;
}

/** At most `max` entries, each passing `check`. */
function checkList<T>(
  list: T[],
  max: number,
  field: string,
  where: string,
  check: (item: T) => Problem,
): Problem {
  if (list.length > max) return fieldError(where, field, `more than ${max} entries`);
  for (const item of list) {
    const problem = check(item);
    if (problem) return problem;
  }
  return null;
}

/** Ids in a list must be set; what they name is checked against the state. */
function idList(ids: PbOpId[], max: number, field: string, where: string): Problem {
  return checkList(ids, max, field, where, (id) =>
    refValid(refOf(id)) ? null : fieldError(where, field, "an id is not set"),
  );
}

function enumList(list: number[], values: EnumObject, field: string, where: string): Problem {
  const check = (v: number) => checkEnum(values, v, where, field);
  return checkList(list, limits.VIEW_ENUM_LIST, field, where, check);
}

/** The filter's values; the ids it names are checked against the view's map later. */
function checkFilter(f: ViewFilter, where: string): Problem {
  const at = `${where}.filter`;
  const focused = !refIsZero(refOf(f.focus));
  return firstProblem([
    () => enumList(f.kinds, ElementKind, "kinds", at),
    () => idList(f.customKinds, limits.VIEW_ID_LIST, "custom_kinds", at),
    () => enumList(f.scales, ScaleLevel, "scales", at),
    () => checkList(f.tags, limits.VIEW_ID_LIST, "tags", at, (t) => checkTag(t, at, "tags")),
    () => enumList(f.connectionKinds, ConnectionKind, "connection_kinds", at),
    () =>
      checkList(f.authors, limits.VIEW_ID_LIST, "authors", at, (a) =>
        checkName(a, limits.PARTICIPANT_BYTES, at, "authors"),
      ),
    () => checkOptionalId(f.focus, at, "focus"),
    () =>
      (focused ? f.focusDepth >= 1 && f.focusDepth <= 3 : f.focusDepth === 0)
        ? null
        : fieldError(at, "focus_depth", "1..3 with a focus, else 0"),
    () => idList(f.highlights, limits.VIEW_HIGHLIGHTS, "highlights", at),
    () => checkText(f.search, limits.VIEW_SEARCH_BYTES, at, "search"),
  ]);
}

export function checkViewFields(f: ViewFields, where: string): Problem {
  return firstProblem([
    () => checkVocabularyName(f.name, where),
    () => (f.viewport !== undefined ? checkViewport(f.viewport, where) : null),
    () => (f.filter !== undefined ? checkFilter(f.filter, where) : null),
    () => checkOrder(f.order, where),
  ]);
}

/** At most one of text and number; text within 2,000 bytes, numbers within ±1e15. */
export function checkFieldValue(v: SetFieldValue, where: string): Problem {
  if (v.text !== undefined && v.number !== undefined) {
    return fieldError(where, "value", "both text and number");
  }
  if (v.text !== undefined) return checkText(v.text, limits.FIELD_TEXT_BYTES, where, "text");
  if (v.number !== undefined && !withinBound(v.number, limits.FIELD_NUMBER)) {
    return fieldError(where, "number", "not finite or beyond 1e15");
  }
  return null;
}
