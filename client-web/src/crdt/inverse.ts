// Inverses of local edits, for undo (docs/crdt.md, "Undo and redo"): each is
// computed from the state just before the edit applies. A create's inverse is
// a remove; a remove's is a restore of that removal only; an update's is an
// update back to the previous values of the fields it sets. Text edits have
// their own inverses (undo.ts).
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { OpSchema, type Op } from "../gen/convene/v1/ops_pb";
import type { ConnectionInit, ElementInit, ShapeInit } from "./api";
import type { Drafts } from "./drafts";
import { idOfRef, keyOf, parseIdKey, refOf, toPbId, type Id } from "./ids";
import type { ConnectionEntity, ElementEntity, Landscape, ShapeEntity } from "./landscape";
import type { Vocabulary } from "./vocabulary";
import { vocabularyInverse } from "./vocabulary-edits";

type BodyInit = NonNullable<MessageInitShape<typeof OpSchema>["body"]>;

/** An op with only a body: id and lamport are stamped when it is committed. */
export function newOp(body: BodyInit): Op {
  return create(OpSchema, { body });
}

export function restoreOp(target: Id, removals: Id[]): Op {
  return newOp({
    case: "restore",
    value: { target: toPbId(target), removals: removals.map(toPbId) },
  });
}

/** The op undoing `op`, computed from the state before `op` applies. */
export function inverseOf(
  op: Op,
  landscape: Landscape,
  drafts: Drafts,
  vocabulary: Vocabulary,
): Op {
  const id: Id = { replica: op.replica, counter: Number(op.counter) };
  const body = op.body;
  switch (body.case) {
    case "createMap":
    case "createDraft":
    case "createVariant":
    case "createElement":
    case "createConnection":
    case "createShape":
    case "createField":
    case "createKind":
    case "createStyleRule":
    case "createView":
      return newOp({ case: "remove", value: { target: toPbId(id) } });
    case "remove":
      return restoreOp(idOfRef(refOf(body.value.target))!, [id]);
    case "restore":
      return newOp({ case: "remove", value: { target: body.value.target } });
    case "rename": {
      const target = keyOf(refOf(body.value.target));
      const named =
        landscape.maps.get(target) ?? drafts.drafts.get(target) ?? drafts.variants.get(target);
      return newOp({
        case: "rename",
        value: { target: body.value.target, name: named?.name.value ?? "" },
      });
    }
    case "updateElement": {
      const e = landscape.elements.get(keyOf(refOf(body.value.element)))!;
      const fields = previousElementFields(e, body.value.fields ?? {});
      return newOp({ case: "updateElement", value: { element: body.value.element, fields } });
    }
    case "updateConnection": {
      const c = landscape.connections.get(keyOf(refOf(body.value.connection)))!;
      const fields = previousConnectionFields(c, body.value.fields ?? {});
      const value = { connection: body.value.connection, fields };
      return newOp({ case: "updateConnection", value });
    }
    case "updateShape": {
      const s = landscape.shapes.get(keyOf(refOf(body.value.shape)))!;
      const fields = previousShapeFields(s, body.value.fields ?? {});
      return newOp({ case: "updateShape", value: { shape: body.value.shape, fields } });
    }
    case "setPerspective": {
      const p = body.value;
      const target = keyOf(refOf(p.target));
      const value = landscape.perspectiveOf(target, p.aspect, p.participant);
      const inverse = { target: p.target, aspect: p.aspect, participant: p.participant, value };
      return newOp({ case: "setPerspective", value: inverse });
    }
    default:
      // Text ops have their own inverses.
      return vocabularyInverse(op, vocabulary) ?? newOp({ case: undefined });
  }
}

/** The values `changed` would overwrite, as fields of the same shape. */
function previousElementFields(e: ElementEntity, changed: ElementInit): ElementInit {
  const old: ElementInit = {};
  if (changed.kind !== undefined) old.kind = e.kind.value;
  if (changed.label !== undefined) old.label = e.label.value;
  if (changed.notes !== undefined) old.notes = e.notes.value;
  if (changed.position !== undefined) old.position = { ...e.position.value };
  if (changed.scale !== undefined) old.scale = e.scale.value;
  if (changed.color !== undefined) old.color = e.color.value;
  if (changed.shape !== undefined) old.shape = e.shape.value;
  if (changed.selfOf !== undefined) old.selfOf = e.selfOf.value;
  if (changed.customKind !== undefined) {
    const kind = parseIdKey(e.customKind.value); // none: the zero id, which clears
    old.customKind = kind ? toPbId(kind) : { replica: 0n, counter: 0n };
  }
  if (changed.pinned !== undefined) old.pinned = e.pinned.value;
  return old;
}

function previousConnectionFields(c: ConnectionEntity, changed: ConnectionInit): ConnectionInit {
  const old: ConnectionInit = {};
  if (changed.direction !== undefined) old.direction = c.direction.value;
  if (changed.depth !== undefined) old.depth = c.depth.set ? c.depth.value : 1;
  if (changed.kind !== undefined) old.kind = c.kind.value;
  if (changed.label !== undefined) old.label = c.label.value;
  return old;
}

function previousShapeFields(s: ShapeEntity, changed: ShapeInit): ShapeInit {
  const old: ShapeInit = {};
  if (changed.path !== undefined) old.path = { points: s.path.value.map((p) => ({ ...p })) };
  if (changed.type !== undefined) old.type = s.type.value;
  if (changed.label !== undefined) old.label = s.label.value;
  if (changed.sphereOf !== undefined) old.sphereOf = s.sphereOf.value;
  return old;
}
