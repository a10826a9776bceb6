// The read-only views queries hand out: protobuf field messages with every
// field present, built fresh so callers cannot change the document's state.
import { create } from "@bufbuild/protobuf";
import {
  ConnectionFieldsSchema,
  ElementFieldsSchema,
  ShapeFieldsSchema,
} from "../gen/convene/v1/ops_pb";
import type { ConnectionView, ElementView, IdKey, ShapeView } from "./api";
import { parseIdKey, toPbId } from "./ids";
import type { ConnectionEntity, ElementEntity, ShapeEntity } from "./landscape";

/** `kindVisible` says whether the element's custom kind is shown (not removed). */
export function elementView(e: ElementEntity, kindVisible: (kind: IdKey) => boolean): ElementView {
  const kind = e.customKind.value !== "" && kindVisible(e.customKind.value);
  const fields = create(ElementFieldsSchema, {
    kind: e.kind.value,
    label: e.label.value,
    notes: e.notes.value,
    position: { x: e.position.value.x, y: e.position.value.y },
    scale: e.scale.value,
    color: e.color.value,
    shape: e.shape.value,
    selfOf: e.selfOf.value,
    customKind: kind ? toPbId(parseIdKey(e.customKind.value)!) : undefined,
    pinned: e.pinned.value,
  });
  return { id: e.key, map: e.map, fields };
}

export function connectionView(c: ConnectionEntity): ConnectionView {
  const fields = create(ConnectionFieldsSchema, {
    direction: c.direction.value,
    depth: c.depth.value,
    kind: c.kind.value,
    label: c.label.value,
  });
  return { id: c.key, map: c.map, from: c.from, to: c.to, fields };
}

export function shapeView(s: ShapeEntity): ShapeView {
  const fields = create(ShapeFieldsSchema, {
    path: { points: s.path.value.map((p) => ({ x: p.x, y: p.y })) },
    type: s.type.value,
    label: s.label.value,
    sphereOf: s.sphereOf.value,
  });
  return { id: s.key, map: s.map, geometry: s.geometry, fields };
}
