// How a map's own vocabulary styles what is drawn (docs/crdt.md, "Vocabulary"):
// a custom kind's colour and shape first, then the style rules in (order, id)
// order, a later rule's property over an earlier one's, and an element's own
// colour or shape override over everything. Pure: the scene builds one
// MapStyles per repaint (rules indexed by tag and by field value, so an
// entity costs a few map lookups however many rules there are) and asks for
// each entity's style.
import type {
  ConveneDocument,
  FieldDefView,
  FieldValue,
  IdKey,
  KindView,
  StyleRuleView,
} from "../crdt/api";

/** What a rule sets; "" or a size of 1 leaves the property to earlier rules. */
interface IndexedRule {
  rank: number;
  color: string;
  shape: string;
  size: number;
}

export interface MapStyles {
  /** No custom kinds and no rules: nothing to look up. */
  readonly empty: boolean;
  readonly kinds: ReadonlyMap<IdKey, KindView>;
  readonly byTag: ReadonlyMap<string, readonly IndexedRule[]>;
  /** field -> matched value ("3", "high") -> rules */
  readonly byField: ReadonlyMap<IdKey, ReadonlyMap<string, readonly IndexedRule[]>>;
}

/** What an entity is styled by. */
export interface StyleFacts {
  customKind?: IdKey;
  tags: readonly string[];
  value(field: IdKey): FieldValue | undefined;
  /** The entity's own overrides ("" or undefined: none). */
  color?: string;
  shape?: string;
}

export interface ResolvedStyle {
  color?: string;
  shape?: string;
  /** Scale of the node (or the line's width): 1 as drawn. */
  size: number;
}

export const PLAIN_STYLE: ResolvedStyle = Object.freeze({ size: 1 });

/**
 * The index of a map's kinds and rules. `rules` come in the order they apply,
 * as ConveneDocument.styleRulesOf gives them: by (order, id).
 */
export function indexStyles(
  kinds: readonly KindView[],
  rules: readonly StyleRuleView[],
): MapStyles {
  const byTag = new Map<string, IndexedRule[]>();
  const byField = new Map<IdKey, Map<string, IndexedRule[]>>();
  rules.forEach((rule, rank) => {
    const indexed = { rank, color: rule.color, shape: rule.shape, size: rule.size };
    const match = rule.match;
    let bucket: Map<string, IndexedRule[]>;
    let key: string;
    if ("tag" in match) {
      bucket = byTag;
      key = match.tag;
    } else {
      bucket = byField.get(match.field) ?? new Map();
      byField.set(match.field, bucket);
      key = match.value;
    }
    const list = bucket.get(key);
    if (list) list.push(indexed);
    else bucket.set(key, [indexed]);
  });
  return {
    empty: kinds.length === 0 && rules.length === 0,
    kinds: new Map(kinds.map((k) => [k.id, k])),
    byTag,
    byField,
  };
}

export const NO_STYLES: MapStyles = indexStyles([], []);

/** A map's styles as the document has them now. */
export function mapStyles(doc: ConveneDocument, map: IdKey | undefined): MapStyles {
  if (map === undefined) return NO_STYLES;
  return indexStyles(doc.kindsOf(map), doc.styleRulesOf(map));
}

/** A value as rules match it: numbers by their shortest round-trip decimal. */
export function matchValue(value: FieldValue): string {
  return typeof value === "number" ? String(value) : value;
}

export function resolveStyle(styles: MapStyles, facts: StyleFacts): ResolvedStyle {
  let color: string | undefined;
  let shape: string | undefined;
  let size = 1;
  const kind = facts.customKind !== undefined ? styles.kinds.get(facts.customKind) : undefined;
  if (kind) {
    color = kind.color || undefined;
    shape = kind.shape || undefined;
  }
  const matched: IndexedRule[] = [];
  if (styles.byTag.size > 0) {
    for (const tag of facts.tags) {
      const rules = styles.byTag.get(tag);
      if (rules) matched.push(...rules);
    }
  }
  for (const [field, values] of styles.byField) {
    const value = facts.value(field);
    if (value === undefined) continue;
    const rules = values.get(matchValue(value));
    if (rules) matched.push(...rules);
  }
  if (matched.length > 1) matched.sort((a, b) => a.rank - b.rank);
  for (const rule of matched) {
    if (rule.color) color = rule.color;
    if (rule.shape) shape = rule.shape;
    if (rule.size > 0 && rule.size !== 1) size = rule.size;
  }
  if (facts.color) color = facts.color;
  if (facts.shape) shape = facts.shape;
  if (color === undefined && shape === undefined && size === 1) return PLAIN_STYLE;
  return { color, shape, size };
}

/** The style of one element or connection of the document. */
export function entityStyle(
  doc: ConveneDocument,
  styles: MapStyles,
  id: IdKey,
  own: { color?: string; shape?: string; isElement: boolean },
): ResolvedStyle {
  if (styles.empty) {
    if (!own.color && !own.shape) return PLAIN_STYLE;
    return { color: own.color || undefined, shape: own.shape || undefined, size: 1 };
  }
  return resolveStyle(styles, {
    customKind: own.isElement && styles.kinds.size > 0 ? doc.customKindOf(id) : undefined,
    tags: styles.byTag.size > 0 ? doc.tagsOf(id) : [],
    value: (field) => doc.fieldValue(id, field),
    color: own.color,
    shape: own.shape,
  });
}

// ---- words, for the legend and the dialog --------------------------------------------

/** Named colours offered by the Vocabulary dialog; a rule reads "→ gold" with them. */
export const COLOUR_PRESETS: { name: string; colour: string }[] = [
  { name: "Gold", colour: "#d4a017" },
  { name: "Orange", colour: "#e07b28" },
  { name: "Red", colour: "#c9473f" },
  { name: "Pink", colour: "#c2508a" },
  { name: "Purple", colour: "#7d55b8" },
  { name: "Blue", colour: "#3b6fc0" },
  { name: "Teal", colour: "#2a9d8f" },
  { name: "Green", colour: "#3f9a4a" },
  { name: "Brown", colour: "#8c6239" },
  { name: "Grey", colour: "#6f7c8a" },
];

export const SHAPES: { key: string; label: string }[] = [
  { key: "circle", label: "Circle" },
  { key: "square", label: "Square" },
  { key: "diamond", label: "Diamond" },
  { key: "hexagon", label: "Hexagon" },
];

export const SIZES: { size: number; label: string }[] = [
  { size: 0.5, label: "small" },
  { size: 0.75, label: "smaller" },
  { size: 1.5, label: "large" },
  { size: 2, label: "larger" },
  { size: 3, label: "huge" },
];

export function colourName(colour: string): string {
  const preset = COLOUR_PRESETS.find((p) => p.colour.toLowerCase() === colour.toLowerCase());
  return preset ? preset.name.toLowerCase() : colour;
}

export function sizeName(size: number): string {
  return SIZES.find((s) => s.size === size)?.label ?? `×${size}`;
}

/** "tag: funder" or "Budget = high". */
export function describeMatch(rule: StyleRuleView, fields: readonly FieldDefView[]): string {
  const match = rule.match;
  if ("tag" in match) return `tag: ${match.tag}`;
  const field = fields.find((f) => f.id === match.field);
  return `${field?.name || "a field"} = ${match.value || "(empty)"}`;
}

/** What a rule does, in words: "gold, diamond, large" ("no change" when nothing). */
export function describeEffect(rule: Pick<StyleRuleView, "color" | "shape" | "size">): string {
  const parts: string[] = [];
  if (rule.color) parts.push(colourName(rule.color));
  if (rule.shape) parts.push(rule.shape);
  if (rule.size > 0 && rule.size !== 1) parts.push(sizeName(rule.size));
  return parts.length > 0 ? parts.join(", ") : "no change";
}
