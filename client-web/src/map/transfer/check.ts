// Checks a LandscapeData before anything of it is applied (an import is all or
// nothing, and ops once made cannot be taken back unseen): the readers check
// their files, but the model can come from anywhere, and an edit the CRDT
// refused half-way would leave half a map. Every problem is an ImportError
// naming the element, connection, shape, field or kind.
import { tagProblem } from "../../crdt/vocabulary-checks";
import * as limits from "../../crdt/limits";
import * as checks from "../formats/checks";
import { fail, ImportError } from "../formats/checks";
import type { FieldValue, LandscapeData, Perspectives } from "../formats";
import { boundaryTypes, connectionKinds, directions, elementKinds, scales } from "./keys";

/** What every limit error adds: where the bounds are written. */
export const LIMITS_NOTE =
  "an import holds at most 5,000 elements, 20,000 connections, 1,000 shapes and 100 custom " +
  "fields, from a file of at most 20 MB (docs/formats.md, “Limits of an import”)";

function checkLimit(count: number, max: number, what: string): void {
  if (count > max)
    throw new ImportError(`${count.toLocaleString("en")} ${what}: too many — ${LIMITS_NOTE}`);
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function checkTags(where: string, tags: unknown): void {
  if (!Array.isArray(tags)) fail(where, "tags are not a list");
  if (tags.length > limits.TAGS_PER_TARGET)
    fail(where, `more than ${limits.TAGS_PER_TARGET} tags (${tags.length})`);
  for (const tag of tags) {
    const problem = typeof tag === "string" ? tagProblem(tag) : "is not text";
    if (problem !== null) fail(where, `tag '${String(tag)}' ${problem}`);
  }
  if (new Set(tags).size !== tags.length) fail(where, "a tag is listed twice");
}

function checkValues(where: string, values: unknown, fields: Set<string>): void {
  if (!isObject(values)) fail(where, "custom field values are not an object");
  for (const [name, value] of Object.entries(values)) {
    if (!fields.has(name)) fail(where, `a value for '${name}', which is not a field`);
    checkFieldValue(where, name, value as FieldValue);
  }
}

function checkFieldValue(where: string, name: string, value: FieldValue): void {
  if (typeof value === "number") checks.checkFieldNumber(where, name, value);
  else if (typeof value === "string") checks.checkText(where, name, value, limits.FIELD_TEXT_BYTES);
  else fail(where, `${name} is neither text nor a number`);
}

function checkPerspectives(where: string, perspectives: Perspectives | undefined): void {
  if (perspectives === undefined) return;
  if (!isObject(perspectives)) fail(where, "perspectives are not an object");
  for (const [aspect, byName] of Object.entries(perspectives)) {
    checks.checkAspect(where, aspect);
    if (!isObject(byName)) fail(where, `perspective ${aspect} is not an object`);
    for (const [name, value] of Object.entries(byName)) {
      checks.checkName(where, "participant name", name, checks.PERSON_NAME_BYTES);
      if (typeof value !== "number") fail(where, `${aspect} of ${name} is not a number`);
      checks.checkPerspectiveValue(where, aspect, value);
    }
  }
}

/** A field's or kind's name: valid, and the only one of its sort so named. */
function checkDefinitionName(where: string, name: string, seen: Set<string>): void {
  checks.checkName(where, "name", name, limits.VOCABULARY_NAME_BYTES);
  if (seen.has(name)) fail(where, `the name '${name}' is taken by an earlier one`);
  seen.add(name);
}

function checkVocabulary(data: LandscapeData): void {
  const names = new Set<string>();
  data.fields.forEach((field, i) => {
    const where = `Field ${i + 1}`;
    checkDefinitionName(where, field.name, names);
    if (!["text", "number", "choice"].includes(field.type))
      fail(where, `type '${field.type}' is not text, number or choice`);
    if (field.choices.length > limits.FIELD_CHOICES)
      fail(where, `more than ${limits.FIELD_CHOICES} choices`);
    for (const choice of field.choices)
      checks.checkName(where, "choice", choice, limits.CHOICE_BYTES);
    if (new Set(field.choices).size !== field.choices.length)
      fail(where, "a choice is listed twice");
  });
  const kinds = new Set<string>();
  data.kinds.forEach((kind, i) => {
    const where = `Kind ${i + 1}`;
    checkDefinitionName(where, kind.name, kinds);
    if (elementKinds.valueOf(kind.base) === undefined)
      fail(where, `base kind '${kind.base}' is not a built-in kind`);
  });
}

function checkElements(data: LandscapeData, fields: Set<string>): Set<string> {
  const ids = new Set<string>();
  const kinds = new Set(data.kinds.map((k) => k.name));
  data.elements.forEach((e, i) => {
    const where = `Element ${i + 1}${e.id ? ` ('${e.id}')` : ""}`;
    if (typeof e.id !== "string" || e.id === "") fail(where, "it has no id");
    if (ids.has(e.id)) fail(where, "a second element with this id");
    ids.add(e.id);
    checks.checkLabel(where, e.label);
    checks.checkNotes(where, e.description);
    if (e.kind !== "" && elementKinds.valueOf(e.kind) === undefined)
      fail(where, `kind '${e.kind}' is not a built-in kind`);
    if (e.customKind !== undefined && !kinds.has(e.customKind))
      fail(where, `custom kind '${e.customKind}' is not among the kinds`);
    if (e.scale !== undefined && scales.valueOf(e.scale) === undefined)
      fail(where, `scale '${e.scale}' is not a scale`);
    if ((e.x === undefined) !== (e.y === undefined)) fail(where, "x and y come together");
    if (e.x !== undefined) checks.checkCoordinate(where, "x", e.x);
    if (e.y !== undefined) checks.checkCoordinate(where, "y", e.y);
    if (e.color !== undefined) checks.checkStyle(where, "color", e.color);
    if (e.shape !== undefined) checks.checkStyle(where, "shape", e.shape);
    if (e.person !== undefined)
      checks.checkName(where, "person", e.person, checks.PERSON_NAME_BYTES);
    checkTags(where, e.tags);
    checkValues(where, e.fields, fields);
    checkPerspectives(where, e.perspectives);
  });
  return ids;
}

function checkConnections(data: LandscapeData, fields: Set<string>, elements: Set<string>): void {
  data.connections.forEach((c, i) => {
    const where = `Connection ${i + 1}${c.id ? ` ('${c.id}')` : ""}`;
    for (const end of [c.from, c.to])
      if (!elements.has(end)) fail(where, `no element '${end}' to connect`);
    if (c.kind !== undefined && connectionKinds.valueOf(c.kind) === undefined)
      fail(where, `kind '${c.kind}' is not a connection kind`);
    if (directions.valueOf(c.direction) === undefined)
      fail(where, `direction '${c.direction}' is not none, forward or both`);
    checks.checkLabel(where, c.label);
    if (c.depth !== undefined) checks.checkDepth(where, c.depth);
    checkTags(where, c.tags);
    checkValues(where, c.fields, fields);
    checkPerspectives(where, c.perspectives);
  });
}

function checkShapes(data: LandscapeData): void {
  data.shapes.forEach((s, i) => {
    const where = `Shape ${i + 1}${s.id ? ` ('${s.id}')` : ""}`;
    if (s.geometry !== "polyline" && s.geometry !== "polygon")
      fail(where, `geometry '${String(s.geometry)}' is not polyline or polygon`);
    checks.checkPathLength(where, s.path.length, s.geometry);
    s.path.forEach((p, n) => {
      checks.checkCoordinate(where, `point ${n + 1} x`, p.x);
      checks.checkCoordinate(where, `point ${n + 1} y`, p.y);
    });
    checks.checkLabel(where, s.label);
    if (s.type !== undefined && boundaryTypes.valueOf(s.type) === undefined)
      fail(where, `type '${s.type}' is not a boundary type`);
    if (s.sphereOf !== undefined)
      checks.checkName(where, "sphere of", s.sphereOf, checks.PERSON_NAME_BYTES);
  });
}

/** Throws an ImportError naming the first problem; returns when all is well. */
export function checkLandscape(data: LandscapeData): void {
  for (const list of ["elements", "connections", "shapes", "fields", "kinds"] as const)
    if (!Array.isArray(data[list])) throw new ImportError(`The data has no list of ${list}`);
  checkLimit(data.elements.length, checks.MAX_ELEMENTS, "elements");
  checkLimit(data.connections.length, checks.MAX_CONNECTIONS, "connections");
  checkLimit(data.shapes.length, checks.MAX_SHAPES, "shapes");
  checkLimit(data.fields.length, checks.MAX_FIELDS, "custom fields");
  if (data.kinds.length > checks.MAX_KINDS)
    throw new ImportError(
      `${data.kinds.length} custom kinds: a map holds at most ${checks.MAX_KINDS}`,
    );
  checkVocabulary(data);
  const fields = new Set(data.fields.map((f) => f.name));
  const elements = checkElements(data, fields);
  checkConnections(data, fields, elements);
  checkShapes(data);
}
