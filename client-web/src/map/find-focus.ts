// Find and focus on the map view: owns the search index, the MapFilter and
// the path between two elements, and turns them into marks on the scene
// (faded, match, path, focus). The map view tells it what changed and gives
// it a few verbs (select, go to a viewport); the search box and the filter
// card are its views.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { ConnectionKind, ElementKind, ScaleLevel } from "../gen/convene/v1/ops_pb";
import {
  fitViewport,
  polygonCentroid,
  quadPoint,
  type Insets,
  type Pt,
  type Size,
  type Viewport,
} from "./geometry";
import { FilterPanel, type FilterChoice, type FilterChoices } from "./filter-panel";
import {
  activeCount,
  ALL_SCALES,
  authorOf,
  emptyFilter,
  evaluateFilter,
  type ConnectionFacts,
  type ElementFacts,
  type MapFilter,
} from "./filter";
import { Finder, LISTED } from "./find";
import { buildAdjacency, shortestPath } from "./graph";
import { idToKey } from "./ids";
import type { Scene } from "./scene";
import { positionOf, shapePoints } from "./scene";
import { SearchIndex, type SearchHit } from "./search";
import { CONNECTION_KINDS, connectionKindInfo, ELEMENT_KINDS, kindInfo, levelInfo } from "./style";

/** The vocabulary reads this needs; a document without them has no tags or custom kinds. */
interface VocabularyReads {
  tagsOf?(target: IdKey): string[];
  kindsOf?(map: IdKey): { id: IdKey; name: string }[];
}

export interface FindFocusHost {
  doc(): ConveneDocument;
  readonly scene: Scene;
  currentMap(): IdKey | undefined;
  selection(): ReadonlySet<IdKey>;
  select(ids: IdKey[]): void;
  viewport(): Viewport;
  size(): Size;
  /** Screen space that floating cards cover, to fit content clear of them. */
  insets(): Insets;
  /** Moves the view there, animated (ends following someone). */
  goTo(v: Viewport): void;
  /** Who a member is (by member id: their replica in hex), "someone" when not known. */
  memberName(memberId: string): string;
  /** Gives the keyboard back to the map. */
  focusCanvas(): void;
  setHint(text: string | undefined): void;
  /** The filter or the card changed (the toolbar and legend show it). */
  changed(): void;
}

const NONE: ReadonlySet<IdKey> = new Set();
/** The longest the search index waits for an idle moment after a map is shown. */
const INDEX_WITHIN_MS = 1_000;

export class FindAndFocus {
  readonly finder: Finder;
  readonly panel: FilterPanel;
  private readonly index = new SearchIndex();
  /** The index holds the map shown (reindex, searchIndex). */
  private indexed = false;
  private filter_: MapFilter = emptyFilter();
  /** The path's first end while its other end is being picked. */
  private pathFrom: IdKey | undefined;
  private pathText: string | undefined;

  constructor(private readonly host: FindFocusHost) {
    this.finder = new Finder({
      search: (q) => this.searchIndex().search(q, Infinity),
      describe: (id) => this.describe(id),
      queryChanged: (q, found) => this.searchChanged(q, found),
      choose: (id) => this.goToEntity(id),
    });
    this.panel = new FilterPanel({
      filter: () => this.filter_,
      setFilter: (f) => this.setFilter(f),
      choices: () => this.choices(),
      selectedElement: () => {
        const id = this.selectedElement();
        return id === undefined ? undefined : { id, label: this.labelOf(id) };
      },
      labelOf: (id) => this.labelOf(id),
      startPath: () => this.startPath(),
      pathMessage: () => this.pathText,
      clearPath: () => this.clearPath(),
      close: () => this.toggleFilters(false),
    });
  }

  get filter(): MapFilter {
    return this.filter_;
  }

  /** Whether anything narrows or marks the map. */
  filtering(): boolean {
    return activeCount(this.filter_) > 0 || this.filter_.highlights.length > 0;
  }

  private get vocabulary(): VocabularyReads {
    return this.host.doc() as ConveneDocument & VocabularyReads;
  }

  // ---- what the map view tells it ------------------------------------------------

  /** Another map is shown (or the same one drawn afresh): filters refer to its entities. */
  mapShown(): void {
    this.filter_ = emptyFilter();
    this.pathFrom = undefined;
    this.pathText = undefined;
    this.finder.close();
    this.reindex();
  }

  /** The whole map was drawn again (history moved): keep the filter, re-read everything. */
  redrawn(): void {
    this.reindex();
  }

  /** Entities the document changed, after the scene has redrawn them. */
  entitiesChanged(ids: Iterable<IdKey>): void {
    const scene = this.host.scene;
    if (this.indexed)
      for (const id of ids) {
        if (scene.typeOf(id) === undefined) this.index.delete(id);
        else this.indexOne(id);
      }
    this.apply();
    this.finder.refresh();
    this.panel.refresh();
  }

  selectionChanged(selection: ReadonlySet<IdKey>): void {
    if (this.pathFrom !== undefined && selection.size === 1) {
      const [to] = selection;
      if (to !== this.pathFrom && this.host.scene.typeOf(to) === "element")
        this.showPath(this.pathFrom, to);
    }
    this.panel.refresh();
  }

  /** Escape: stops picking a path's end. Returns whether it did. */
  cancel(): boolean {
    if (this.pathFrom === undefined) return false;
    this.pathFrom = undefined;
    this.pathText = undefined;
    this.host.setHint(undefined);
    this.panel.refresh();
    return true;
  }

  find(): void {
    if (this.host.currentMap() !== undefined) this.finder.open();
  }

  toggleFilters(open = !this.panel.isOpen()): void {
    this.panel.toggle(open);
    this.host.changed();
  }

  setFilter(filter: MapFilter): void {
    const focusMoved = filter.focus && filter.focus.element !== this.filter_.focus?.element;
    const depthChanged = filter.focus && filter.focus.depth !== this.filter_.focus?.depth;
    this.filter_ = filter;
    const result = this.apply();
    if ((focusMoved || depthChanged) && result?.focus) this.fit(result.focus.elements.keys());
    this.panel.refresh();
    this.host.changed();
  }

  // ---- marks ----------------------------------------------------------------------

  private apply() {
    const scene = this.host.scene;
    const filter = this.filter_;
    const result =
      activeCount(filter) > 0
        ? evaluateFilter(filter, this.elementFacts(), this.connectionFacts())
        : undefined;
    scene.setMarked("faded", result?.faded ?? new Set());
    scene.setMarked("focus", filter.focus ? new Set([filter.focus.element]) : NONE);
    scene.setMarked("path", new Set(filter.highlights));
    scene.root.classList.toggle("cv-highlighting", filter.highlights.length > 0);
    this.markFound(filter.search.trim() ? this.searchIndex().search(filter.search, Infinity) : []);
    const faded = scene.marked("faded");
    const selection = [...this.host.selection()];
    if (selection.some((id) => faded.has(id)))
      this.host.select(selection.filter((id) => !faded.has(id)));
    return result;
  }

  private *elementFacts(): Iterable<ElementFacts> {
    const tagsOf = this.vocabulary.tagsOf?.bind(this.vocabulary);
    for (const [id, record] of this.host.scene.elements) {
      const f = record.view.fields;
      yield {
        id,
        kind: f.kind ?? ElementKind.UNSPECIFIED,
        customKind: idToKey(f.customKind),
        scale: f.scale ?? ScaleLevel.UNSPECIFIED,
        tags: tagsOf?.(id) ?? [],
        author: authorOf(id),
      };
    }
  }

  private *connectionFacts(): Iterable<ConnectionFacts> {
    const tagsOf = this.vocabulary.tagsOf?.bind(this.vocabulary);
    for (const [id, record] of this.host.scene.connections) {
      const v = record.view;
      yield {
        id,
        from: v.from,
        to: v.to,
        kind: v.fields.kind ?? ConnectionKind.UNSPECIFIED,
        tags: tagsOf?.(id) ?? [],
        author: authorOf(id),
      };
    }
  }

  // ---- search -----------------------------------------------------------------------

  /**
   * Forgets the index: it is built again when the page is next idle, or by
   * the first search if that comes sooner. Not while a map is shown: on a
   * large map that is 20 ms of the first paint.
   */
  private reindex(): void {
    this.index.clear();
    this.indexed = false;
    this.apply();
    this.panel.refresh();
    if (typeof requestIdleCallback === "function")
      requestIdleCallback(() => this.searchIndex(), { timeout: INDEX_WITHIN_MS });
  }

  /** The search index of the map shown, built if it is not. */
  private searchIndex(): SearchIndex {
    if (this.indexed) return this.index;
    this.indexed = true;
    const scene = this.host.scene;
    for (const id of [
      ...scene.elements.keys(),
      ...scene.connections.keys(),
      ...scene.shapes.keys(),
    ])
      this.indexOne(id);
    return this.index;
  }

  private indexOne(id: IdKey): void {
    const scene = this.host.scene;
    const tags = this.vocabulary.tagsOf?.(id) ?? [];
    const element = scene.elements.get(id);
    if (element) {
      const f = element.view.fields;
      this.index.set(id, { label: f.label ?? "", notes: f.notes ?? "", tags });
      return;
    }
    const view = scene.connections.get(id)?.view ?? scene.shapes.get(id)?.view;
    if (view) this.index.set(id, { label: view.fields.label ?? "", notes: "", tags });
  }

  private searchChanged(query: string, found: readonly SearchHit[]): void {
    // The search text is part of the filter (a saved view keeps it); it marks, never fades.
    this.filter_ = { ...this.filter_, search: query };
    this.markFound(found);
  }

  /**
   * Everything found is marked; those the finder lists are named too (their
   * labels show however far out the map is): a thousand labels for "w"
   * would cover the map and take a frame to lay out.
   */
  private markFound(found: readonly SearchHit[]): void {
    const scene = this.host.scene;
    scene.setMarked("match", new Set(found.map((hit) => hit.id)));
    scene.setMarked("named", new Set(found.slice(0, LISTED).map((hit) => hit.id)));
  }

  private describe(id: IdKey): string {
    const scene = this.host.scene;
    const element = scene.elements.get(id);
    if (element)
      return this.kindName(element.view.fields.kind, idToKey(element.view.fields.customKind));
    const connection = scene.connections.get(id);
    if (connection) {
      const v = connection.view;
      return `${connectionKindInfo(v.fields.kind).label}: ${this.labelOf(v.from)} – ${this.labelOf(v.to)}`;
    }
    return "Shape";
  }

  private kindName(kind: ElementKind | undefined, custom: IdKey | undefined): string {
    const map = this.host.currentMap();
    if (custom !== undefined && map !== undefined) {
      const found = this.vocabulary.kindsOf?.(map).find((k) => k.id === custom);
      if (found) return found.name;
    }
    return kindInfo(kind).label;
  }

  /** Selects a found entity and brings it to the middle of the view. */
  private goToEntity(id: IdKey): void {
    const at = this.centreOf(id);
    if (!at) return;
    const pickingPath = this.pathFrom !== undefined;
    this.host.select([id]);
    this.host.focusCanvas();
    // It ended a path: the view shows the whole path instead.
    if (pickingPath && this.pathFrom === undefined) return;
    const shape = this.host.scene.shapes.get(id);
    if (shape) {
      this.fitPoints(shapePoints(shape.view));
      return;
    }
    const vp = this.host.viewport();
    this.host.goTo({ x: at.x, y: at.y, zoom: Math.max(vp.zoom, 1) });
  }

  private centreOf(id: IdKey): Pt | undefined {
    const scene = this.host.scene;
    const element = scene.elements.get(id);
    if (element) return positionOf(element.view);
    const curve = scene.connections.get(id)?.lastLook?.curve;
    if (curve) return quadPoint(curve, 0.5);
    const shape = scene.shapes.get(id);
    return shape ? polygonCentroid(shapePoints(shape.view)) : undefined;
  }

  /** Fits the view to some elements, unless they are all well inside it already. */
  private fit(ids: Iterable<IdKey>): void {
    const points: Pt[] = [];
    for (const id of ids) {
      const element = this.host.scene.elements.get(id);
      if (element) points.push(positionOf(element.view));
    }
    this.fitPoints(points);
  }

  /** Fits the view to points, with room for the labels around them. */
  private fitPoints(points: Pt[]): void {
    if (points.length === 0) return;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const pad = 60;
    const bounds = {
      minX: Math.min(...xs) - pad,
      minY: Math.min(...ys) - pad,
      maxX: Math.max(...xs) + pad,
      maxY: Math.max(...ys) + pad + 20,
    };
    const insets = this.host.insets();
    // Clear of the filter card too, when it is open beside the map.
    const card = this.panel.isOpen() ? this.panel.element.offsetWidth : 0;
    if (card > 0 && this.host.size().width > 2 * card) insets.right += card;
    const target = fitViewport(bounds, this.host.size(), insets, 1.25);
    this.host.goTo(target);
  }

  // ---- path ---------------------------------------------------------------------------

  private selectedElement(): IdKey | undefined {
    const selection = this.host.selection();
    if (selection.size !== 1) return undefined;
    const [id] = selection;
    return this.host.scene.typeOf(id) === "element" ? id : undefined;
  }

  private startPath(): void {
    const from = this.selectedElement();
    if (from === undefined) return;
    this.pathFrom = from;
    this.pathText = `Pick the other end: click it on the map, or find it (/).`;
    this.host.setHint(
      `Path from ${this.labelOf(from)}: click the other element, or find it with / (Esc cancels).`,
    );
    this.panel.refresh();
  }

  /** Highlights a shortest path through the connections shown (either way along them). */
  private showPath(from: IdKey, to: IdKey): void {
    this.pathFrom = undefined;
    this.host.setHint(undefined);
    const scene = this.host.scene;
    const edges = [...scene.connections.values()]
      .filter((c) => scene.isShown(c.view.id))
      .map((c) => c.view);
    const path = shortestPath(buildAdjacency(edges), from, to);
    const names = `${this.labelOf(from)} and ${this.labelOf(to)}`;
    if (!path) {
      this.pathText = `No path joins ${names} through the connections shown.`;
      this.setFilter({ ...this.filter_, highlights: [from, to] });
      return;
    }
    const steps = path.connections.length;
    this.pathText =
      `${path.elements.map((id) => this.labelOf(id)).join(" → ")}: ` +
      `${steps} step${steps === 1 ? "" : "s"} (connections taken either way).`;
    this.setFilter({ ...this.filter_, highlights: [...path.elements, ...path.connections] });
    this.fit(path.elements);
  }

  private clearPath(): void {
    this.pathFrom = undefined;
    this.pathText = undefined;
    this.host.setHint(undefined);
    this.setFilter({ ...this.filter_, highlights: [] });
  }

  // ---- choices --------------------------------------------------------------------------

  labelOf(id: IdKey): string {
    const element = this.host.scene.elements.get(id);
    if (!element) return "?";
    const f = element.view.fields;
    return f.label?.trim() || kindInfo(f.kind).label;
  }

  private choices(): FilterChoices {
    const count = <T>(values: Iterable<T>) => {
      const counts = new Map<T, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      return counts;
    };
    const facts = [...this.elementFacts()];
    const links = [...this.connectionFacts()];
    const kinds = count(facts.map((e) => e.kind));
    const scales = count(facts.map((e) => e.scale));
    const customKinds = count(facts.flatMap((e) => (e.customKind ? [e.customKind] : [])));
    // Tags and authors select connections too (filter.ts): they count both.
    const both = [...facts, ...links];
    const tags = count(both.flatMap((e) => e.tags));
    const authors = count(both.map((e) => e.author));
    const connectionKinds = count(links.map((c) => c.kind));
    const map = this.host.currentMap();
    const kindNames = new Map(
      (map === undefined ? [] : (this.vocabulary.kindsOf?.(map) ?? [])).map((k) => [k.id, k.name]),
    );
    const choice = <T>(value: T, label: string, n: number, colour?: string): FilterChoice<T> => ({
      value,
      label,
      count: n,
      colour,
    });
    return {
      kinds: ELEMENT_KINDS.filter((k) => kinds.has(k.kind)).map((k) =>
        choice(k.kind, k.label, kinds.get(k.kind)!),
      ),
      customKinds: [...customKinds].map(([id, n]) =>
        choice(id, kindNames.get(id) ?? "Custom kind", n),
      ),
      scales: ALL_SCALES.filter((l) => scales.has(l)).map((l) =>
        choice(l, levelInfo(l).label, scales.get(l)!, levelInfo(l).colour),
      ),
      tags: [...tags].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([tag, n]) => choice(tag, tag, n)),
      connectionKinds: CONNECTION_KINDS.filter((k) => connectionKinds.has(k.kind)).map((k) =>
        choice(k.kind, k.label, connectionKinds.get(k.kind)!, k.colour),
      ),
      authors: [...authors].map(([member, n]) => choice(member, this.host.memberName(member), n)),
    };
  }
}
