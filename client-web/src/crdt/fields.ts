// Checks on the values ops carry (limits.ts, enum ranges, UTF-8), in the
// order the C++ library checks them, and the enum names of the canonical JSON.
import {
  BoundaryType,
  ConnectionKind,
  Direction,
  ElementKind,
  Geometry,
  ScaleLevel,
  type ConnectionFields,
  type ElementFields,
  type Point,
  type PointList,
  type ShapeFields,
} from "../gen/convene/v1/ops_pb";
import * as limits from "./limits";
import { invalid, type Problem } from "./status";
import { isWellFormed, utf8Length } from "./utf8";

type EnumObject = Record<number, string | number>;

export function fieldError(where: string, field: string, problem: string): Problem {
  return invalid(`${where}.${field}: ${problem}`);
}

/** A string within `maxBytes` of UTF-8 (only scalar values can be encoded). */
export function checkText(s: string, maxBytes: number, where: string, field: string): Problem {
  if (utf8Length(s) > maxBytes) return fieldError(where, field, `longer than ${maxBytes} bytes`);
  if (!isWellFormed(s)) return fieldError(where, field, "not valid UTF-8");
  return null;
}

/** Participant ids and aspect names name something, so they cannot be empty. */
export function checkName(s: string, maxBytes: number, where: string, field: string): Problem {
  if (s === "") return fieldError(where, field, "empty");
  return checkText(s, maxBytes, where, field);
}

/** A declared value of a proto enum (protobuf keeps values it does not know). */
export function enumValid(values: EnumObject, value: number): boolean {
  return typeof values[value] === "string";
}

export function checkEnum(
  values: EnumObject,
  value: number,
  where: string,
  field: string,
): Problem {
  if (enumValid(values, value)) return null;
  return fieldError(where, field, `unknown enum value ${value}`);
}

/** The canonical JSON name: lower case, "" for UNSPECIFIED. */
export function enumJson(values: EnumObject, value: number): string {
  const name = values[value];
  if (typeof name !== "string" || name === "UNSPECIFIED") return "";
  return name.toLowerCase();
}

export function coordinateOk(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= limits.COORDINATE;
}

export function perspectiveValueOk(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v) <= limits.PERSPECTIVE_VALUE;
}

function checkPoint(p: Point, where: string, field: string): Problem {
  if (coordinateOk(p.x) && coordinateOk(p.y)) return null;
  return fieldError(where, field, "coordinate not finite or beyond 1e7");
}

function checkDepth(depth: number, where: string): Problem {
  if (depth >= limits.MIN_DEPTH && depth <= limits.MAX_DEPTH) return null;
  return fieldError(where, "depth", `${depth} outside 1..3`);
}

export function geometryOk(g: Geometry): boolean {
  return g === Geometry.POLYLINE || g === Geometry.POLYGON;
}

/** A line needs two points, a region three; unknown geometry: no minimum. */
function minPathPoints(g: Geometry): number {
  return g === Geometry.POLYLINE ? 2 : g === Geometry.POLYGON ? 3 : 0;
}

export function checkPath(path: PointList, g: Geometry, where: string): Problem {
  const n = path.points.length;
  if (n > limits.PATH_POINTS) {
    return fieldError(where, "path", `more than ${limits.PATH_POINTS} points`);
  }
  if (n < minPathPoints(g)) {
    return fieldError(where, "path", `${n} points, fewer than the geometry needs`);
  }
  for (const p of path.points) {
    const problem = checkPoint(p, where, "path");
    if (problem) return problem;
  }
  return null;
}

/** The first problem of a list of lazily run checks. */
export function firstProblem(checks: Array<() => Problem>): Problem {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return null;
}

export function checkElementFields(f: ElementFields, where: string): Problem {
  return firstProblem([
    () => (f.kind !== undefined ? checkEnum(ElementKind, f.kind, where, "kind") : null),
    () => (f.label !== undefined ? checkText(f.label, limits.LABEL_BYTES, where, "label") : null),
    () => (f.notes !== undefined ? checkText(f.notes, limits.NOTES_BYTES, where, "notes") : null),
    () => (f.position !== undefined ? checkPoint(f.position, where, "position") : null),
    () => (f.scale !== undefined ? checkEnum(ScaleLevel, f.scale, where, "scale") : null),
    () => (f.color !== undefined ? checkText(f.color, limits.STYLE_BYTES, where, "color") : null),
    () => (f.shape !== undefined ? checkText(f.shape, limits.STYLE_BYTES, where, "shape") : null),
    () =>
      f.selfOf !== undefined
        ? checkText(f.selfOf, limits.PARTICIPANT_BYTES, where, "self_of")
        : null,
  ]);
}

export function checkConnectionFields(f: ConnectionFields, where: string): Problem {
  return firstProblem([
    () =>
      f.direction !== undefined ? checkEnum(Direction, f.direction, where, "direction") : null,
    () => (f.depth !== undefined ? checkDepth(f.depth, where) : null),
    () => (f.kind !== undefined ? checkEnum(ConnectionKind, f.kind, where, "kind") : null),
    () => (f.label !== undefined ? checkText(f.label, limits.LABEL_BYTES, where, "label") : null),
  ]);
}

export function checkShapeFields(f: ShapeFields, g: Geometry, where: string): Problem {
  return firstProblem([
    () => (f.path !== undefined ? checkPath(f.path, g, where) : null),
    () => (f.type !== undefined ? checkEnum(BoundaryType, f.type, where, "type") : null),
    () => (f.label !== undefined ? checkText(f.label, limits.LABEL_BYTES, where, "label") : null),
    () =>
      f.sphereOf !== undefined
        ? checkText(f.sphereOf, limits.PARTICIPANT_BYTES, where, "sphere_of")
        : null,
  ]);
}

export function checkPerspective(
  aspect: string,
  participant: string,
  value: number | undefined,
  where: string,
): Problem {
  return firstProblem([
    () => checkName(aspect, limits.ASPECT_BYTES, where, "aspect"),
    () => checkName(participant, limits.PARTICIPANT_BYTES, where, "participant"),
    () =>
      value !== undefined && !perspectiveValueOk(value)
        ? fieldError(where, "value", "not finite or beyond 1e6")
        : null,
  ]);
}
