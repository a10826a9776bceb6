// What an import will do, worked out before anything is applied: which of the
// file's fields, kinds and tags the map already has (by name, without regard
// to case: the map's spelling stays), who the people named in the file are,
// what cannot be carried over and why, and the counts a preview shows.
import type { ConveneDocument, IdKey } from "../../crdt/api";
import * as limits from "../../crdt/limits";
import { ImportError, type LandscapeData } from "../formats";
import { checkLandscape } from "./check";

export interface Member {
  /** Member id: the hex of the member's replica. */
  id: string;
  name: string;
}

export interface ImportOptions {
  /** False for observers: they may not import. */
  canEdit: boolean;
  /** Whoever imports: perspectives in the file are applied as theirs only. */
  me: Member;
  /**
   * Conveners may mark an element as someone else or a shape as someone
   * else's sphere (the server refuses that from anyone else).
   */
  convener: boolean;
  /** Members of the convening by name, online or not (me included or not). */
  members: Member[];
  /** Where elements without a position are laid out (the view's centre). */
  centre?: { x: number; y: number };
}

/** Something of the file an import leaves out: how much, what, and why. */
export interface Dropped {
  count: number;
  what: string;
  why: string;
}

export interface Counted {
  /** Not on the map before: created. */
  added: number;
  /** Matched by name to one the map has. */
  reused: number;
}

export interface ImportSummary {
  elements: number;
  connections: number;
  shapes: number;
  fields: Counted;
  kinds: Counted;
  tags: Counted;
  /** Elements the file gave no position, laid out near the centre. */
  placed: number;
  dropped: Dropped[];
}

export interface ImportPlan {
  summary: ImportSummary;
  /** File field name → the map's field id, or undefined: created. */
  fields: Map<string, IdKey | undefined>;
  kinds: Map<string, IdKey | undefined>;
  /** A tag of the file → the spelling the map (or the file's first use) has. */
  tags: Map<string, string>;
  /** A name in the file → member id, for names the import may use. */
  people: Map<string, string>;
  /** Whose perspectives the file holds are mine: those names. */
  myNames: Set<string>;
}

const fold = (name: string) => name.trim().toLowerCase();

/** By folded name, the first of each (the map's own order: by id). */
function byFoldedName<T>(items: T[], nameOf: (item: T) => string): Map<string, T> {
  const found = new Map<string, T>();
  for (const item of items) if (!found.has(fold(nameOf(item)))) found.set(fold(nameOf(item)), item);
  return found;
}

function matchNames(
  names: string[],
  existing: { id: IdKey; name: string }[],
  counted: Counted,
): Map<string, IdKey | undefined> {
  const known = byFoldedName(existing, (e) => e.name);
  const result = new Map<string, IdKey | undefined>();
  const added = new Set<string>();
  for (const name of names) {
    const id = known.get(fold(name))?.id;
    result.set(name, id);
    if (id !== undefined) counted.reused++;
    else if (!added.has(fold(name))) {
      added.add(fold(name));
      counted.added++;
    }
  }
  return result;
}

function checkVocabularyRoom(what: string, existing: number, added: number): void {
  if (existing + added > limits.VOCABULARY_PER_MAP)
    throw new ImportError(
      `The map has ${existing} ${what}; ${added} more would pass the limit of ` +
        `${limits.VOCABULARY_PER_MAP} per map`,
    );
}

function planTags(doc: ConveneDocument, map: IdKey, data: LandscapeData, counted: Counted) {
  const spelling = new Map<string, string>();
  const onMap = byFoldedName(doc.tagsInMap(map), (t) => t.tag);
  const seen = new Map<string, string>();
  for (const entity of [...data.elements, ...data.connections]) {
    for (const tag of entity.tags) {
      if (spelling.has(tag)) continue;
      const mapSpelling = onMap.get(fold(tag))?.tag;
      const fileSpelling = seen.get(fold(tag));
      if (mapSpelling === undefined && fileSpelling === undefined) {
        counted.added++;
        seen.set(fold(tag), tag);
      } else if (mapSpelling !== undefined && fileSpelling === undefined) {
        counted.reused++;
        seen.set(fold(tag), mapSpelling);
      }
      spelling.set(tag, mapSpelling ?? fileSpelling ?? tag);
    }
  }
  return spelling;
}

/** Each name's member (me first among namesakes), by folded name. */
function memberNames(options: ImportOptions): Map<string, string> {
  const people = new Map<string, string>([[fold(options.me.name), options.me.id]]);
  for (const m of options.members) if (!people.has(fold(m.name))) people.set(fold(m.name), m.id);
  return people;
}

/**
 * Works out the import without applying anything; throws an ImportError
 * when the data or the map cannot take it.
 */
export function planImport(
  doc: ConveneDocument,
  map: IdKey,
  data: LandscapeData,
  options: ImportOptions,
): ImportPlan {
  if (!options.canEdit)
    throw new ImportError("Observers cannot import: ask a convener for a participant link");
  if (!doc.maps().some((m) => m.id === map))
    throw new ImportError("The map is not there (removed?)");
  checkLandscape(data);
  const summary: ImportSummary = {
    elements: data.elements.length,
    connections: data.connections.length,
    shapes: data.shapes.length,
    fields: { added: 0, reused: 0 },
    kinds: { added: 0, reused: 0 },
    tags: { added: 0, reused: 0 },
    placed: data.elements.filter((e) => e.x === undefined).length,
    dropped: [],
  };
  const fields = matchNames(
    data.fields.map((f) => f.name),
    doc.fieldsOf(map),
    summary.fields,
  );
  const kinds = matchNames(
    data.kinds.map((k) => k.name),
    doc.kindsOf(map),
    summary.kinds,
  );
  checkVocabularyRoom("custom fields", doc.fieldsOf(map).length, summary.fields.added);
  checkVocabularyRoom("custom kinds", doc.kindsOf(map).length, summary.kinds.added);
  const tags = planTags(doc, map, data, summary.tags);

  const named = memberNames(options);
  const people = new Map<string, string>();
  const myNames = new Set<string>();
  const drop = (count: number, what: string, why: string) => {
    if (count > 0) summary.dropped.push({ count, what, why });
  };
  // "Person" and "Sphere of": a member of that name, and only me unless a convener imports.
  let unknown = 0;
  let others = 0;
  const person = (name: string | undefined) => {
    if (name === undefined) return;
    const id = named.get(fold(name));
    if (id === undefined) unknown++;
    else if (id !== options.me.id && !options.convener) others++;
    else people.set(name, id);
  };
  for (const e of data.elements) person(e.person);
  for (const s of data.shapes) person(s.sphereOf);
  drop(unknown, "people named in Person or Sphere of", "no member of the convening has that name");
  drop(others, "people named in Person or Sphere of", "only a convener can mark someone else");
  // Perspectives: only my own values can be given (the server refuses others').
  let othersValues = 0;
  for (const entity of [...data.elements, ...data.connections]) {
    for (const byName of Object.values(entity.perspectives ?? {})) {
      for (const name of Object.keys(byName)) {
        if (named.get(fold(name)) === options.me.id) myNames.add(name);
        else othersValues++;
      }
    }
  }
  drop(othersValues, "perspective values of others", "each participant gives only their own");
  return { summary, fields, kinds, tags, people, myNames };
}
