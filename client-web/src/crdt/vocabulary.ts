// A map's own vocabulary (docs/crdt.md, "Vocabulary"): tags on elements and
// connections, custom fields and their values, custom kinds, style rules and
// saved views.
//
// - Tags and field values are last-writer-wins per (target, tag) and
//   (target, field); a tag taken away or a value cleared keeps its stamp, so
//   a late, older write cannot bring it back.
// - Fields, kinds, rules and views are entities of their map, named by their
//   create op: every field a last-writer-wins register (match, choices,
//   viewport and filter each one register), remove-wins liveness, visible iff
//   it and its map are live.
// - Nothing is checked against a field's type: the type may change
//   concurrently, and validity must not depend on order.
import type { Op, OpId as PbOpId } from "../gen/convene/v1/ops_pb";
import type { FieldValue, IdKey, TagUse } from "./api";
import type { ChangeLog } from "./changes";
import {
  compareIds,
  keyOf,
  refIsZero,
  refOf,
  refValid,
  type Id,
  type Ref,
  type Stamp,
} from "./ids";
import type { ElementEntity, Landscape } from "./landscape";
import { checkRestoredRemovals, Lww, restoredRemovals } from "./lww";
import { invalid, missing, type Problem } from "./status";
import { compareCodePoints } from "./utf8";
import type { VersionVector } from "./version";
import { checkFieldValue, checkOptionalId, checkTag } from "./vocabulary-checks";
import {
  checkValues,
  definitionOp,
  newDefinition,
  SORT_NAMES,
  writeDefinition,
  type AnyDef,
  type DefinitionOp,
  type Sort,
} from "./vocabulary-defs";

export class Vocabulary {
  readonly definitions = new Map<IdKey, AnyDef>();
  private readonly byMap = new Map<IdKey, AnyDef[]>();
  /** target -> tag -> on, stamped. */
  private readonly tags = new Map<IdKey, Map<string, Lww<boolean>>>();
  /** target -> field -> value (undefined: cleared), stamped. */
  private readonly values = new Map<IdKey, Map<IdKey, Lww<FieldValue | undefined>>>();

  constructor(
    private readonly landscape: Landscape,
    private readonly changes: ChangeLog,
  ) {}

  /** True for the vocabulary's ops, and Remove/Restore of its definitions. */
  handles(op: Op): boolean {
    const b = op.body;
    if (b.case === "setTag" || b.case === "setFieldValue") return true;
    if (b.case === "remove" || b.case === "restore") {
      return this.definitions.has(keyOf(refOf(b.value.target)));
    }
    return definitionOp(op) !== undefined;
  }

  // ---- validation ------------------------------------------------------------

  /** Validates an op handles() accepted (its id, counter and lamport are checked elsewhere). */
  validate(op: Op, applied: VersionVector): Problem {
    const b = op.body;
    switch (b.case) {
      case "setTag":
        return (
          checkTag(b.value.tag, "set_tag", "tag") ??
          this.checkRef(refOf(b.value.target), this.targetMap, applied, "set_tag.target")
        );
      case "setFieldValue": {
        const v = b.value;
        const target = refOf(v.target);
        return (
          checkFieldValue(v, "set_field_value") ??
          this.checkRef(target, this.targetMap, applied, "set_field_value.target") ??
          this.checkRef(refOf(v.field), this.mapOf("field"), applied, "set_field_value.field", {
            map: this.targetMap(keyOf(target))!,
          })
        );
      }
      case "remove":
        return null; // handles() saw the target is a definition
      case "restore": {
        const target = refOf(b.value.target);
        const liveness = this.definitions.get(keyOf(target))!.liveness; // see handles()
        return checkRestoredRemovals(liveness, target, b.value.removals, applied);
      }
      default: {
        const d = definitionOp(op);
        return d ? this.checkDefinitionOp(d, applied) : invalid("not a vocabulary op");
      }
    }
  }

  /** The map of an element or connection; undefined for anything else. */
  private readonly targetMap = (key: IdKey): IdKey | undefined =>
    this.landscape.elements.get(key)?.map ?? this.landscape.connections.get(key)?.map;

  private readonly elementMap = (key: IdKey): IdKey | undefined =>
    this.landscape.elements.get(key)?.map;

  /** The map of a definition of this sort; undefined for anything else. */
  private mapOf(sort: Sort): (key: IdKey) => IdKey | undefined {
    return (key) => {
      const def = this.definitions.get(key);
      return def?.sort === sort ? def.map : undefined;
    };
  }

  /**
   * `ref` must name something `mapOfRef` knows (on `on.map`, if given). An id
   * not applied yet is a missing dependency; an applied one of the wrong type
   * or map is invalid.
   */
  private checkRef(
    ref: Ref,
    mapOfRef: (key: IdKey) => IdKey | undefined,
    applied: VersionVector,
    where: string,
    on?: { map: IdKey },
  ): Problem {
    const key = keyOf(ref);
    const map = mapOfRef(key);
    if (map !== undefined) {
      return on === undefined || map === on.map
        ? null
        : invalid(`${where}: ${key} is on map ${map}`);
    }
    if (!refValid(ref)) return invalid(`${where}: not set`);
    if (!applied.contains(ref)) return missing(ref);
    return invalid(`${where}: ${key} is not of the right type`);
  }

  private checkDefinitionOp(d: DefinitionOp, applied: VersionVector): Problem {
    // Values first: an invalid op must not wait for what it names.
    const values = checkValues(d);
    if (values) return values;
    const named = d.create
      ? this.checkRef(d.ref, (k) => (this.landscape.maps.has(k) ? k : undefined), applied, d.where)
      : this.checkRef(d.ref, this.mapOf(d.sort), applied, `${d.where} (${SORT_NAMES[d.sort]})`);
    if (named) return named;
    const on = { map: d.create ? keyOf(d.ref) : this.definitions.get(keyOf(d.ref))!.map };
    const where = `${d.where}.fields`;
    if (d.sort === "rule" && d.fields.match && !refIsZero(refOf(d.fields.match.field))) {
      return this.checkRef(refOf(d.fields.match.field), this.mapOf("field"), applied, where, on);
    }
    if (d.sort === "view" && d.fields.filter) {
      const f = d.fields.filter;
      const checks: Array<[PbOpId[], (key: IdKey) => IdKey | undefined]> = [
        [f.customKinds, this.mapOf("kind")],
        [refIsZero(refOf(f.focus)) ? [] : [f.focus!], this.elementMap],
        [f.highlights, this.targetMap],
      ];
      for (const [ids, mapOfRef] of checks) {
        for (const id of ids) {
          const problem = this.checkRef(refOf(id), mapOfRef, applied, `${where}.filter`, on);
          if (problem) return problem;
        }
      }
    }
    return null;
  }

  /** An element's custom kind must be a kind of the element's map (the zero id clears it). */
  checkElementKind(op: Op, applied: VersionVector): Problem {
    const b = op.body;
    if (b.case !== "createElement" && b.case !== "updateElement") return null;
    const where = `${b.case}.fields`;
    const kind = refOf(b.value.fields?.customKind);
    if (refIsZero(kind)) return null;
    const problem = checkOptionalId(b.value.fields?.customKind, where, "custom_kind");
    if (problem) return problem;
    const map =
      b.case === "createElement"
        ? keyOf(refOf(b.value.map))
        : this.landscape.elements.get(keyOf(refOf(b.value.element)))!.map;
    return this.checkRef(kind, this.mapOf("kind"), applied, `${where}.custom_kind`, { map });
  }

  // ---- applying --------------------------------------------------------------

  /** Applies an op that passed validate(). */
  apply(op: Op): void {
    const id: Id = { replica: op.replica, counter: Number(op.counter) };
    const stamp: Stamp = { lamport: op.lamport, replica: op.replica };
    const b = op.body;
    switch (b.case) {
      case "setTag": {
        const target = keyOf(refOf(b.value.target));
        const tags = entry(this.tags, target);
        let tag = tags.get(b.value.tag);
        if (!tag) tags.set(b.value.tag, (tag = new Lww(false)));
        if (tag.assign(b.value.on, stamp)) this.changes.touch(target);
        return;
      }
      case "setFieldValue": {
        const target = keyOf(refOf(b.value.target));
        const values = entry(this.values, target);
        const field = keyOf(refOf(b.value.field));
        let value = values.get(field);
        if (!value) values.set(field, (value = new Lww<FieldValue | undefined>(undefined)));
        // Empty text clears, as neither does (docs/crdt.md): one state, one snapshot record.
        const written = b.value.text === "" ? undefined : (b.value.text ?? b.value.number);
        if (value.assign(written, stamp)) this.changes.touch(target);
        return;
      }
      case "remove":
      case "restore": {
        const def = this.definitions.get(keyOf(refOf(b.value.target)))!;
        if (b.case === "remove") def.liveness.addRemoval(id);
        else def.liveness.cancel(restoredRemovals(b.value.removals));
        this.touch(def);
        return;
      }
      default:
        this.applyDefinitionOp(definitionOp(op)!, id, stamp);
    }
  }

  private applyDefinitionOp(d: DefinitionOp, id: Id, stamp: Stamp): void {
    let def = this.definitions.get(d.create ? keyOf(id) : keyOf(d.ref));
    if (!def) {
      // Creation is a no-op for an id that exists: a second delivery must not reset it.
      const map = keyOf(d.ref);
      def = newDefinition(d.sort, id, map);
      this.definitions.set(def.key, def);
      let ofMap = this.byMap.get(map);
      if (!ofMap) this.byMap.set(map, (ofMap = []));
      ofMap.push(def);
    } else if (d.create) {
      return;
    }
    writeDefinition(def, d, stamp);
    this.touch(def);
  }

  /** A definition and its map: what is drawn with it may look different. */
  private touch(def: AnyDef): void {
    this.changes.touch(def.key);
    this.changes.touch(def.map);
  }

  // ---- queries ---------------------------------------------------------------

  visible(key: IdKey): boolean {
    const def = this.definitions.get(key);
    return def !== undefined && !def.liveness.removed && this.landscape.mapVisible(def.map);
  }

  /** How many definitions of a sort a map has ever had, removed ones too (admission). */
  countOf(map: IdKey, sort: Sort): number {
    return (this.byMap.get(map) ?? []).filter((d) => d.sort === sort).length;
  }

  /** Visible definitions of a sort on a map, by id. */
  definitionsOf<S extends Sort>(map: IdKey, sort: S): Extract<AnyDef, { sort: S }>[] {
    if (!this.landscape.mapVisible(map)) return [];
    return (this.byMap.get(map) ?? [])
      .filter((d): d is Extract<AnyDef, { sort: S }> => d.sort === sort && !d.liveness.removed)
      .sort((a, b) => compareIds(a.id, b.id));
  }

  /** The tags on a target, by code point (whether or not it is visible). */
  tagsOn(target: IdKey): string[] {
    const tags = this.tags.get(target);
    if (!tags) return [];
    return [...tags]
      .filter(([, on]) => on.value)
      .map(([tag]) => tag)
      .sort(compareCodePoints);
  }

  /** Every tag on the map's visible elements and connections, with counts, by code point. */
  tagsInMap(map: IdKey): TagUse[] {
    const counts = new Map<string, number>();
    const l = this.landscape;
    for (const target of [...l.elementsOf(map), ...l.connectionsOf(map)]) {
      for (const tag of this.tagsOn(target.key)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    const tags = [...counts.keys()].sort(compareCodePoints);
    return tags.map((tag) => ({ tag, count: counts.get(tag)! }));
  }

  /** Whether the tag is on the target (for undo). */
  tagOn(target: IdKey, tag: string): boolean {
    return this.tags.get(target)?.get(tag)?.value ?? false;
  }

  /** The value a target holds for a field, visible or not (for undo). */
  storedValue(target: IdKey, field: IdKey): FieldValue | undefined {
    return this.values.get(target)?.get(field)?.value;
  }

  /** field -> value for the target's values of visible fields, by field id. */
  valuesOn(target: IdKey): Map<IdKey, FieldValue> {
    const out = new Map<IdKey, FieldValue>();
    const values = this.values.get(target);
    if (!values) return out;
    const fields = [...values.keys()].filter((f) => this.visible(f));
    for (const field of fields.sort(compareKeys)) {
      const value = values.get(field)!.value;
      if (value !== undefined) out.set(field, value);
    }
    return out;
  }

  /** The element's custom kind if it has one and it is visible. */
  customKindOf(e: ElementEntity): IdKey | undefined {
    const kind = e.customKind.value;
    return kind !== "" && this.visible(kind) ? kind : undefined;
  }
}

function entry<K, V>(outer: Map<IdKey, Map<K, V>>, key: IdKey): Map<K, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map()));
  return inner;
}

/** Id keys in the numeric (replica, counter) order. */
function compareKeys(a: IdKey, b: IdKey): number {
  const [ar, ac] = a.split(":");
  const [br, bc] = b.split(":");
  return compareIds(
    { replica: BigInt(ar), counter: Number(ac) },
    { replica: BigInt(br), counter: Number(bc) },
  );
}
