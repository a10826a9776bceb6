// The keyed SVG of one map: a <g> per element, connection and shape, created,
// updated or removed only when the document says that entity changed, so a
// drag repaints one node and its connections, not the map.
import type { ConnectionView, ConveneDocument, ElementView, IdKey, ShapeView } from "../crdt/api";
import { Direction, Geometry, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { Culling } from "./culling";
import { cloneTemplate, svgEl } from "./dom";
import type { FarItems } from "./far-view";
import { labelMark, matchNodes, noMatchPaths } from "./match-marks";
import {
  bendOffsets,
  boundsContains,
  boundsOf,
  connectionCurve,
  curvePath,
  distance,
  distanceToCurve,
  type Bounds,
  type Pt,
} from "./geometry";
import {
  estimateLabelSize,
  nodeLabelCandidates,
  placeLabels,
  textBounds,
  type Circle,
  type LabelRequest,
} from "./labels";
import {
  connectionChildren,
  connectionExtras,
  connectionHitWidth,
  connectionLabelFrame,
  connectionLabelLines,
  CONNECTION_LABEL_SIZE,
  elementChildren,
  elementLabel,
  elementHandle,
  elementRing,
  elementTitle,
  labelClearance,
  NODE_RADIUS,
  nodeRadius,
  shapeChildren,
  shapeLabel,
  type ConnectionLook,
  type ElementLook,
  type ShapeLook,
  FULL_DETAIL,
  levelOfDetail,
  ZOOMED_OUT,
  type Detail,
  bodyOutline,
} from "./nodes";
import {
  connectionShown,
  kindInfo,
  levelShown,
  showsDisagreement,
  STRENGTH_ASPECT,
  type LevelFilter,
} from "./style";
import { entityStyle, mapStyles, NO_STYLES, type MapStyles } from "./style-rules";

export interface SceneHost {
  doc(): ConveneDocument;
  /** A participant's colour (online or not). */
  colourOf(participant: string): string;
  nameOf(participant: string): string;
  /**
   * True while the view moves: hovering is left alone then (content sliding
   * under a resting pointer is not the pointer's doing).
   */
  viewMoving?(): boolean;
  /** What the far view paints changed (farItems): repaint it. */
  farChanged?(): void;
}

export interface SceneOptions {
  /** Draw selection rings, hit areas and handles (false for a bare picture). */
  interactive: boolean;
  filter: LevelFilter;
  showDisagreement: boolean;
  /** Other participants' selections: entity id -> their colours. */
  remote: ReadonlyMap<IdKey, string[]>;
}

/** A label as placed: its text node, estimated size and the place it was given. */
interface LabelRecord {
  text: SVGTextElement;
  width: number;
  height: number;
  /** The candidate it sits at (labels.ts), -1 when left out; undefined before placing. */
  placed?: number;
}

interface ElementRecord {
  view: ElementView;
  node: SVGGElement;
  look: string;
  lastLook?: ElementLook;
  position: string;
  label?: LabelRecord;
}

interface ConnectionRecord {
  view: ConnectionView;
  node: SVGGElement;
  look: string;
  lastLook?: ConnectionLook;
  label?: LabelRecord;
}

/**
 * Marks the map view puts on entities: faded by the filter (drawn faint and
 * not a target), on a path, the focus of a neighbourhood, as classes
 * `is-<mark>`; matching the search and named (among the best found: labelled
 * however far out), drawn over the map (drawMatches).
 */
export type Mark = "faded" | "match" | "named" | "path" | "focus";

const NO_IDS: ReadonlySet<IdKey> = new Set();
/** Marks drawn in their own layer (drawMatches), not as classes on the map's nodes. */
const SEARCH_MARKS: ReadonlySet<Mark> = new Set(["match", "named"]);
/**
 * Entities redrawn a frame when the zoom changes what is drawn: a large map
 * gains its icons and labels over a few frames, not in one long one.
 */
const DETAIL_BATCH = 150;

interface ShapeRecord {
  view: ShapeView;
  node: SVGGElement;
  look: string;
}

export type EntityType = "element" | "connection" | "shape";

export class Scene {
  readonly root: SVGGElement;
  /**
   * What the search found (match-marks.ts): drawn over the map in a layer of
   * its own, which the map view places above the map's <svg>.
   */
  readonly marksRoot = svgEl("g", { class: "cv-matches" });
  private readonly shapeLayer = svgEl("g", { class: "cv-layer-shapes" });
  private readonly connectionLayer = svgEl("g", { class: "cv-layer-connections" });
  private readonly elementLayer = svgEl("g", { class: "cv-layer-elements" });
  private readonly handleLayer = svgEl("g", { class: "cv-layer-handles" });

  map: IdKey | undefined;
  readonly elements = new Map<IdKey, ElementRecord>();
  readonly connections = new Map<IdKey, ConnectionRecord>();
  readonly shapes = new Map<IdKey, ShapeRecord>();
  /** element -> the connections drawn to or from it */
  private readonly byElement = new Map<IdKey, Set<IdKey>>();
  /** unordered element pair -> the connections between them (they fan out) */
  private readonly byPair = new Map<string, Set<IdKey>>();

  private selected: ReadonlySet<IdKey> = new Set();
  /**
   * Entities drawn with their selection ring, handle, tooltip or hit path and
   * selection line: those
   * the pointer has been over, selected or being connected. Once added, the
   * extras stay (so they fade out as they fade in) until the map is redrawn.
   */
  private decorated = new Set<IdKey>();
  private zoom = 1;
  private detail: Detail = FULL_DETAIL;
  /** Entities in the DOM still drawn at the previous zoom's detail (redetailStep). */
  private redetail: IdKey[] = [];
  /** Entities out of the DOM drawn with less detail than the zoom's: redrawn as they come in. */
  private readonly stale = new Set<IdKey>();
  private redetailFrame: number | undefined;
  private editableHandles = false;
  private readonly marks = new Map<Mark, ReadonlySet<IdKey>>();
  /** Something that moves or resizes a label changed since labels were last placed. */
  private labelsDirty = false;
  /** Which entities are in the DOM on a large map (culling.ts). */
  private readonly culling = new Culling((id) => this.far && this.keeps(id));
  /**
   * A large map seen whole (far-view.ts): its entities stay out of the DOM,
   * unbuilt, and are painted on a canvas, but for those it keeps.
   */
  private far = false;
  /** Entities whose node has no children yet: the far view paints them. */
  private readonly unbuilt = new Set<IdKey>();
  /** What the far view paints may have changed since the host was told. */
  private farDirty = false;
  /** The map's custom kinds and style rules, indexed once per change of them. */
  private styles: MapStyles = NO_STYLES;

  constructor(
    private readonly host: SceneHost,
    readonly options: SceneOptions,
  ) {
    this.root = svgEl("g", { class: "cv-scene" }, [
      this.shapeLayer,
      this.connectionLayer,
      this.elementLayer,
      this.handleLayer,
    ]);
    if (options.interactive) {
      // The pointer reaching an entity gives it its hover extras, before the
      // hover styles that show them apply.
      this.root.addEventListener("pointerover", (e) => {
        // Not while a button is down: a pan or drag passes over entities
        // without hovering them, and each decoration repaints the map.
        if (e.buttons !== 0 && e.pointerType === "mouse") return;
        if (this.host.viewMoving?.()) return;
        const entity = e.target instanceof Element ? e.target.closest("[data-entity]") : null;
        const id = entity?.getAttribute("data-id") ?? entity?.getAttribute("data-conn");
        if (id) this.decorate([id]);
      });
    }
  }

  // ---- whole map --------------------------------------------------------------

  /** Draws `map` from scratch (a map switch, or the document was replaced). */
  render(map: IdKey | undefined): void {
    this.map = map;
    // Drawn afresh at the current detail: nothing waits for it.
    this.redetail = [];
    this.stale.clear();
    this.unbuilt.clear();
    this.farDirty = true;
    this.elements.clear();
    this.connections.clear();
    this.shapes.clear();
    this.byElement.clear();
    this.byPair.clear();
    this.decorated = new Set(this.selected);
    this.culling.clear();
    this.shapeLayer.replaceChildren();
    this.connectionLayer.replaceChildren();
    this.elementLayer.replaceChildren();
    this.marksRoot.replaceChildren();
    this.styles = mapStyles(this.host.doc(), map);
    if (map === undefined) {
      this.renderVertexHandles();
      return;
    }
    const doc = this.host.doc();
    for (const shape of doc.shapes(map)) this.upsertShape(shape);
    for (const element of doc.elements(map)) this.upsertElement(element);
    const pairs = new Set<string>();
    for (const connection of doc.connections(map)) {
      this.index(connection);
      pairs.add(pairKey(connection.from, connection.to));
    }
    for (const pair of pairs) this.layoutPair(pair);
    this.renderVertexHandles();
    this.flushLabels();
  }

  /** Re-reads the given entities from the document and repaints what differs. */
  update(ids: Iterable<IdKey>): void {
    const map = this.map;
    if (map === undefined) return;
    const doc = this.host.doc();
    const connectionsToCheck = new Set<IdKey>();
    let elementAppeared = false;
    const changed = ids instanceof Set ? (ids as ReadonlySet<IdKey>) : new Set(ids);
    // The map is listed when its vocabulary changed: everything may look different.
    const restyle = changed.has(map);
    if (restyle) this.styles = mapStyles(doc, map);
    for (const id of changed) {
      if (id === map) continue;
      const element: ElementView | undefined =
        this.elements.has(id) || !this.connections.has(id) ? doc.element(id) : undefined;
      if (element && element.map === map) {
        if (!this.elements.has(id)) elementAppeared = true;
        this.upsertElement(element);
        for (const c of this.byElement.get(id) ?? []) connectionsToCheck.add(c);
        continue;
      }
      if (this.elements.has(id)) {
        // Its connections are hidden with it; re-reading them finds that out.
        this.removeNode(this.elements, id);
        for (const c of this.byElement.get(id) ?? []) connectionsToCheck.add(c);
        continue;
      }
      if (this.connections.has(id)) {
        connectionsToCheck.add(id);
        continue;
      }
      const connection = doc.connection(id);
      if (connection) {
        if (connection.map === map) connectionsToCheck.add(id);
        continue;
      }
      const shape = doc.shape(id);
      if (shape && shape.map === map) this.upsertShape(shape);
      else if (this.shapes.has(id)) this.removeNode(this.shapes, id);
    }
    if (restyle) {
      for (const record of [...this.elements.values()]) this.upsertElement(record.view);
      for (const id of this.connections.keys()) connectionsToCheck.add(id);
    }
    if (elementAppeared) {
      // A restored element brings back its hidden connections, which the
      // document does not list as changed.
      for (const c of doc.connections(map))
        if (!this.connections.has(c.id)) connectionsToCheck.add(c.id);
    }
    this.refreshConnections(connectionsToCheck);
    this.renderVertexHandles();
    this.scheduleRedetail();
    this.flushLabels();
  }

  private refreshConnections(ids: Set<IdKey>): void {
    const doc = this.host.doc();
    const pairs = new Set<string>();
    for (const id of ids) {
      const old = this.connections.get(id);
      if (old) pairs.add(pairKey(old.view.from, old.view.to));
      const view = doc.connection(id);
      if (
        view &&
        view.map === this.map &&
        this.elements.has(view.from) &&
        this.elements.has(view.to)
      ) {
        this.index(view);
        pairs.add(pairKey(view.from, view.to));
      } else if (old) {
        this.unindex(old.view);
        this.removeNode(this.connections, id);
      }
    }
    for (const pair of pairs) this.layoutPair(pair);
  }

  // ---- elements -----------------------------------------------------------------

  private upsertElement(view: ElementView): void {
    let record = this.elements.get(view.id);
    if (!record) {
      const node = cloneTemplate("element", () =>
        // Focusable: Tab walks the elements, and focus selects (map-view).
        svgEl("g", { class: "cv-element", "data-entity": "element", tabindex: 0 }),
      );
      node.setAttribute("data-id", view.id);
      record = { view, node, look: "", position: "" };
      this.elements.set(view.id, record);
      // Far out it stays out of the DOM (cullElement below), unless kept.
      if (!this.far) this.elementLayer.append(node);
      this.applySelected(node, view.id);
      this.applyMarks(node, view.id);
    }
    record.view = view;
    const look = this.elementLook(view);
    const lookKey = JSON.stringify(look);
    if (lookKey !== record.look) {
      record.look = lookKey;
      record.lastLook = look;
      if (this.far && !this.keeps(view.id)) this.unbuild(record);
      else this.buildElement(record, look);
      if (this.painted(view.id)) this.farDirty = true;
      record.node.setAttribute("data-kind", kindInfo(view.fields.kind).key);
      record.node.setAttribute("data-scale", String(view.fields.scale ?? ScaleLevel.UNSPECIFIED));
      record.node.classList.toggle("is-self", !!view.fields.selfOf);
    }
    const p = positionOf(view);
    const position = `translate(${p.x} ${p.y})`;
    if (position !== record.position) {
      record.position = position;
      record.node.setAttribute("transform", position);
      this.labelsDirty = true;
      if (this.painted(view.id)) this.farDirty = true;
    }
    this.applyFilter(record);
    this.cullElement(record);
  }

  /** Builds an element's node: with the look just worked out, or at the current detail. */
  private buildElement(record: ElementRecord, look?: ElementLook): void {
    if (!look) {
      look = this.elementLook(record.view);
      record.look = JSON.stringify(look);
      record.lastLook = look;
    }
    this.unbuilt.delete(record.view.id);
    record.node.replaceChildren(...elementChildren(look));
    record.label = labelOf(record.node, elementLabel(look));
    this.labelsDirty = true;
  }

  /** Leaves a node without children, for the far view to paint (far-view.ts). */
  private unbuild(record: ElementRecord | ConnectionRecord): void {
    this.unbuilt.add(record.view.id);
    record.node.replaceChildren();
    record.label = undefined;
  }

  /** Builds an entity's node if the far view left it unbuilt. */
  private ensureBuilt(id: IdKey): void {
    if (!this.unbuilt.has(id)) return;
    this.farDirty = true;
    const element = this.elements.get(id);
    if (element) return this.buildElement(element);
    const connection = this.connections.get(id);
    if (connection) this.buildConnection(connection);
  }

  /**
   * What the far view keeps in the DOM, as SVG over its canvas: what the user
   * works with (selected, hovered, focused, on a path).
   */
  private keeps(id: IdKey): boolean {
    if (
      this.selected.has(id) ||
      this.decorated.has(id) ||
      this.marked("focus").has(id) ||
      this.marked("path").has(id)
    )
      return true;
    // A selected element's connections too: dragging it changes no painted line.
    const connection = this.connections.get(id)?.view;
    return !!connection && (this.selected.has(connection.from) || this.selected.has(connection.to));
  }

  /**
   * Painted by the far view (farItems): far out, all that is out of the DOM
   * or unbuilt; nearer in, what is in it but still unbuilt (built a batch a
   * frame, redetailStep).
   */
  private painted(id: IdKey): boolean {
    return this.far
      ? this.culling.isOut(id) || this.unbuilt.has(id)
      : this.unbuilt.has(id) && !this.culling.isOut(id);
  }

  /** Places entities again (the far view keeps other ones now). */
  private replace(ids: Iterable<IdKey>): void {
    if (!this.far) return;
    for (const id of ids) {
      const element = this.elements.get(id);
      if (element) this.cullElement(element);
      const connection = this.connections.get(id);
      if (connection) this.cullConnection(connection);
    }
    this.farDirty = true;
    this.flushFar();
  }

  private cullElement(record: ElementRecord): void {
    if (!this.culling.active()) return;
    const p = positionOf(record.view);
    // The body, a wrapped label below it and the rings round it.
    const box = { minX: p.x - 180, minY: p.y - 80, maxX: p.x + 180, maxY: p.y + 120 };
    const id = record.view.id;
    // Labels are placed among what is in the DOM (placeAllLabels).
    if (this.culling.place(id, record.node, this.elementLayer, box))
      this.labelsDirty = this.farDirty = true;
    if (!this.culling.isOut(id)) this.comeIn(id);
  }

  private cullConnection(record: ConnectionRecord): void {
    const curve = record.lastLook?.curve;
    if (!this.culling.active() || !curve) return;
    const xs = [curve.start.x, curve.control.x, curve.end.x];
    const ys = [curve.start.y, curve.control.y, curve.end.y];
    const pad = 60; // its label, arrowheads and width
    const box = {
      minX: Math.min(...xs) - pad,
      minY: Math.min(...ys) - pad,
      maxX: Math.max(...xs) + pad,
      maxY: Math.max(...ys) + pad,
    };
    const id = record.view.id;
    if (this.culling.place(id, record.node, this.connectionLayer, box))
      this.labelsDirty = this.farDirty = true;
    if (!this.culling.isOut(id)) this.comeIn(id);
  }

  /**
   * The map area on screen (undefined: draw everything). A large map keeps
   * only the entities near it in the DOM (culling.ts).
   */
  setShownArea(area: Bounds | undefined): void {
    const moved = this.far && area ? this.culling.hideAll() : this.culling.follow(area);
    if (!moved) return;
    for (const record of [...this.elements.values()]) this.cullElement(record);
    for (const record of [...this.connections.values()]) this.cullConnection(record);
    if (!area) {
      for (const [id, record] of this.elements)
        this.culling.reveal(id, record.node, this.elementLayer);
      for (const [id, record] of this.connections)
        this.culling.reveal(id, record.node, this.connectionLayer);
      for (const id of [...this.stale, ...this.unbuilt]) this.comeIn(id);
    }
    this.scheduleRedetail();
    this.flushLabels();
  }

  /**
   * Draws a large map seen whole on the far view's canvas, or leaves it; the
   * entities are placed again at the next setShownArea.
   */
  setFarView(on: boolean): void {
    if (on === this.far || !this.options.interactive) return;
    this.far = on;
    this.farDirty = true;
    this.flushFar();
  }

  get farView(): boolean {
    return this.far;
  }

  /**
   * What the far view paints: each shown element and connection that is out
   * of the DOM or not yet built, with its look and how opaque it is.
   */
  farItems(): FarItems | undefined {
    if (!this.far && this.unbuilt.size === 0) return undefined;
    const faded = this.marked("faded");
    const highlighting = this.marked("path").size > 0;
    const alpha = (id: IdKey) => (faded.has(id) ? 0.15 : highlighting ? 0.3 : 1);
    const painted = (id: IdKey, node: SVGGElement) =>
      node.style.display !== "none" && this.painted(id);
    const items: FarItems = { elements: [], connections: [] };
    for (const [id, record] of this.connections)
      if (record.lastLook && painted(id, record.node))
        items.connections.push({ look: record.lastLook, alpha: alpha(id) });
    for (const [id, record] of this.elements)
      if (record.lastLook && painted(id, record.node))
        items.elements.push({
          look: record.lastLook,
          at: positionOf(record.view),
          alpha: alpha(id),
        });
    return items.elements.length + items.connections.length > 0 ? items : undefined;
  }

  /**
   * The element the far view paints under `at` (map units), within `slack`
   * of its body: the topmost, as painted.
   */
  farElementAt(at: Pt, slack: number): IdKey | undefined {
    if (!this.far) return undefined;
    let found: IdKey | undefined;
    for (const [id, record] of this.elements) {
      if (!record.lastLook || !this.reachable(id, record.node) || !this.culling.isOut(id)) continue;
      const p = positionOf(record.view);
      if (Math.hypot(p.x - at.x, p.y - at.y) <= nodeRadius(record.lastLook) + slack) found = id;
    }
    return found;
  }

  /** Tells the host, once a change is done, if what the far view paints changed. */
  private flushFar(): void {
    if (!this.farDirty) return;
    this.farDirty = false;
    this.host.farChanged?.();
  }

  /** Redraws an entity that was out of the DOM when the zoom asked for more detail. */
  private refreshStale(id: IdKey): void {
    if (!this.stale.delete(id)) return;
    const element = this.elements.get(id);
    if (element) this.upsertElement(element.view);
    const connection = this.connections.get(id)?.view;
    if (connection) this.layoutPair(pairKey(connection.from, connection.to));
  }

  /** An element's node, in the DOM even when its place is out of view (to focus it). */
  revealElement(id: IdKey): SVGGElement | undefined {
    const record = this.elements.get(id);
    // Redrawn first: a redraw places it by the window, which may take it out.
    this.refreshStale(id);
    this.ensureBuilt(id);
    if (record) this.culling.reveal(id, record.node, this.elementLayer);
    this.farDirty = true;
    this.flushFar();
    return record?.node;
  }

  private elementLook(view: ElementView): ElementLook {
    const f = view.fields;
    const style = entityStyle(this.host.doc(), this.styles, view.id, {
      color: f.color,
      shape: f.shape,
      isElement: true,
    });
    return {
      kind: f.kind ?? 0,
      label: f.label ?? "",
      scale: f.scale ?? ScaleLevel.UNSPECIFIED,
      colour: style.color,
      shape: style.shape,
      size: style.size === 1 ? undefined : style.size,
      kindName: this.customKindName(view.id),
      pinned: f.pinned || undefined,
      selfColour: f.selfOf ? this.host.colourOf(f.selfOf) : undefined,
      disagreement: this.disagreement(view.id),
      remote: this.options.remote.get(view.id),
      interactive: this.options.interactive,
      decorated: this.options.interactive && this.decorated.has(view.id),
      noIcon: !this.detail.icons || undefined,
    };
  }

  private customKindName(id: IdKey): string | undefined {
    if (this.styles.kinds.size === 0) return undefined;
    const kind = this.host.doc().customKindOf(id);
    return (kind !== undefined && this.styles.kinds.get(kind)?.name) || undefined;
  }

  private disagreement(id: IdKey): number | undefined {
    if (!this.options.showDisagreement) return undefined;
    const summary = this.host.doc().perspectives(id).get(STRENGTH_ASPECT);
    return showsDisagreement(summary) ? summary!.spread : undefined;
  }

  // ---- connections ----------------------------------------------------------------

  private index(view: ConnectionView): void {
    let record = this.connections.get(view.id);
    if (!record) {
      const node = cloneTemplate("connection", () =>
        svgEl("g", { class: "cv-connection", "data-entity": "connection" }),
      );
      node.setAttribute("data-conn", view.id);
      record = { view, node, look: "" };
      this.connections.set(view.id, record);
      this.connectionLayer.append(node);
      this.applySelected(node, view.id);
      this.applyMarks(node, view.id);
      for (const end of [view.from, view.to]) {
        if (!this.byElement.has(end)) this.byElement.set(end, new Set());
        this.byElement.get(end)!.add(view.id);
      }
      const key = pairKey(view.from, view.to);
      if (!this.byPair.has(key)) this.byPair.set(key, new Set());
      this.byPair.get(key)!.add(view.id);
    }
    record.view = view;
  }

  private unindex(view: ConnectionView): void {
    for (const end of [view.from, view.to]) {
      const set = this.byElement.get(end);
      set?.delete(view.id);
      if (set && set.size === 0) this.byElement.delete(end);
    }
    const key = pairKey(view.from, view.to);
    const set = this.byPair.get(key);
    set?.delete(view.id);
    if (set && set.size === 0) this.byPair.delete(key);
  }

  /** Lays out every connection between one pair of elements (they share the fan). */
  private layoutPair(key: string): void {
    const ids = [...(this.byPair.get(key) ?? [])].sort(compareIds);
    if (ids.length === 0) return;
    const [low] = key.split("|");
    const first = this.connections.get(ids[0])!.view;
    const a = this.elements.get(first.from);
    const b = this.elements.get(first.to);
    if (!a || !b) return;
    const bends = bendOffsets(ids.length, distance(positionOf(a.view), positionOf(b.view)));
    ids.forEach((id, i) => {
      const record = this.connections.get(id)!;
      // Bends are measured from the pair's lower id, so A→B and B→A fan apart.
      const flip = record.view.from === low ? 1 : -1;
      this.drawConnection(record, bends[i] * flip);
    });
  }

  private drawConnection(record: ConnectionRecord, bend: number): void {
    const from = this.elements.get(record.view.from);
    const to = this.elements.get(record.view.to);
    if (!from || !to) return;
    const f = record.view.fields;
    const style = entityStyle(this.host.doc(), this.styles, record.view.id, { isElement: false });
    const look: ConnectionLook = {
      curve: connectionCurve(
        positionOf(from.view),
        positionOf(to.view),
        nodeRadius(from.lastLook ?? {}) + 3,
        nodeRadius(to.lastLook ?? {}) + 3,
        bend,
      ),
      direction: f.direction ?? Direction.NONE,
      depth: f.depth || 1,
      kind: f.kind ?? 0,
      label: f.label ?? "",
      colour: style.color,
      size: style.size === 1 ? undefined : style.size,
      disagreement: this.disagreement(record.view.id),
      remote: this.options.remote.get(record.view.id),
      interactive: this.options.interactive,
      decorated: this.options.interactive && this.decorated.has(record.view.id),
      noLabel: !this.detail.connectionLabels || undefined,
    };
    const lookKey = JSON.stringify(look);
    if (lookKey !== record.look) {
      record.look = lookKey;
      record.lastLook = look;
      if (this.far && !this.keeps(record.view.id)) this.unbuild(record);
      else this.buildConnection(record, true);
      if (this.painted(record.view.id)) this.farDirty = true;
    }
    const shown = connectionShown(
      this.options.filter,
      from.view.fields.scale,
      to.view.fields.scale,
    );
    const display = shown ? "" : "none";
    if (record.node.style.display !== display) this.labelsDirty = this.farDirty = true;
    record.node.style.display = display;
    this.cullConnection(record);
  }

  /**
   * Builds a connection's node: with its look just worked out (`current`),
   * or from its last look brought to the current detail.
   */
  private buildConnection(record: ConnectionRecord, current = false): void {
    let look = record.lastLook!;
    if (!current) {
      look = {
        ...look,
        noLabel: !this.detail.connectionLabels || undefined,
        decorated: this.options.interactive && this.decorated.has(record.view.id),
      };
      record.look = JSON.stringify(look);
      record.lastLook = look;
    }
    this.unbuilt.delete(record.view.id);
    record.node.replaceChildren(...connectionChildren(look, record.view.id));
    record.label = labelOf(record.node, {
      lines: connectionLabelLines(look.label),
      fontSize: CONNECTION_LABEL_SIZE,
    });
    this.labelsDirty = true;
  }

  // ---- shapes ---------------------------------------------------------------------

  private upsertShape(view: ShapeView): void {
    let record = this.shapes.get(view.id);
    if (!record) {
      const node = svgEl("g", { class: "cv-shape", "data-id": view.id, "data-entity": "shape" });
      record = { view, node, look: "" };
      this.shapes.set(view.id, record);
      this.shapeLayer.append(node);
      this.applySelected(node, view.id);
      this.applyMarks(node, view.id);
    }
    record.view = view;
    const look = this.shapeLook(view);
    const lookKey = JSON.stringify(look);
    if (lookKey !== record.look) {
      record.look = lookKey;
      record.node.replaceChildren(...shapeChildren(look));
      this.labelsDirty = true;
      record.node.setAttribute(
        "data-geometry",
        view.geometry === Geometry.POLYGON ? "polygon" : "polyline",
      );
      record.node.classList.toggle("is-sphere", !!view.fields.sphereOf);
    }
  }

  private shapeLook(view: ShapeView): ShapeLook {
    const f = view.fields;
    return {
      geometry: view.geometry,
      points: shapePoints(view),
      type: f.type ?? 0,
      label: f.label ?? "",
      sphereColour: f.sphereOf ? this.host.colourOf(f.sphereOf) : undefined,
      sphereName: f.sphereOf ? this.host.nameOf(f.sphereOf) : undefined,
      remote: this.options.remote.get(view.id),
      interactive: this.options.interactive,
    };
  }

  // ---- view state -------------------------------------------------------------------

  setSelection(ids: ReadonlySet<IdKey>): void {
    const before = this.selected;
    this.selected = new Set(ids);
    this.decorate(ids);
    const touched = new Set([...before, ...ids]);
    for (const id of touched) {
      const node = this.nodeOf(id);
      if (node) this.applySelected(node, id);
    }
    // With their connections (keeps).
    for (const id of [...touched]) for (const c of this.byElement.get(id) ?? []) touched.add(c);
    this.replace(touched);
    this.renderVertexHandles();
  }

  /**
   * Gives entities their selection ring, connect handle and tooltip (elements)
   * or hit path and selection line (connections), inserted where a full redraw
   * would put them.
   * They are added hidden and then released, so they fade in as before.
   */
  decorate(ids: Iterable<IdKey>): void {
    if (!this.options.interactive) return;
    const added: SVGElement[] = [];
    const fresh: IdKey[] = [];
    for (const id of ids) {
      if (this.decorated.has(id)) continue;
      this.decorated.add(id);
      fresh.push(id);
      this.ensureBuilt(id);
      const element = this.elements.get(id);
      if (element?.lastLook) {
        const look = { ...element.lastLook, decorated: true };
        const node = element.node;
        const ring = elementRing(look);
        const handle = elementHandle(nodeRadius(look));
        // After the disagreement halo and remote rings, before the rest.
        const underRing = [...node.children].find(
          (c) => !c.classList.contains("cv-halo") && !c.classList.contains("cv-remote-ring"),
        );
        node.insertBefore(ring, underRing ?? null);
        node.append(handle, elementTitle(look));
        element.look = JSON.stringify(look);
        element.lastLook = look;
        added.push(ring, handle);
      }
      const connection = this.connections.get(id);
      const line = connection?.node.querySelector(":scope > .cv-conn-line");
      if (connection?.lastLook && line) {
        const look = { ...connection.lastLook, decorated: true };
        const [hit, selLine] = connectionExtras(look);
        line.before(hit, selLine);
        connection.look = JSON.stringify(look);
        connection.lastLook = look;
        added.push(selLine);
      }
    }
    this.replace(fresh);
    if (added.length === 0 || !this.root.isConnected) return;
    // Style them once as hidden, so that showing them is a transition.
    for (const node of added) node.classList.add("cv-entering");
    void getComputedStyle(added[0]).strokeOpacity;
    for (const node of added) node.classList.remove("cv-entering");
  }

  private applySelected(node: SVGGElement, id: IdKey): void {
    node.classList.toggle("is-selected", this.selected.has(id));
  }

  /** Repaints the entities whose remote selection colours changed. */
  setRemote(remote: ReadonlyMap<IdKey, string[]>): void {
    const before = this.options.remote;
    this.options.remote = remote;
    const changed = new Set<IdKey>();
    for (const id of new Set([...before.keys(), ...remote.keys()])) {
      if (JSON.stringify(before.get(id)) !== JSON.stringify(remote.get(id))) changed.add(id);
    }
    this.repaintKnown(changed);
  }

  setFilter(filter: LevelFilter): void {
    this.options.filter = filter;
    for (const record of this.elements.values()) this.applyFilter(record);
    for (const record of this.connections.values()) {
      const from = this.elements.get(record.view.from)?.view.fields.scale;
      const to = this.elements.get(record.view.to)?.view.fields.scale;
      record.node.style.display = connectionShown(filter, from, to) ? "" : "none";
    }
    this.labelsDirty = true;
    this.flushLabels();
  }

  setShowDisagreement(show: boolean): void {
    this.options.showDisagreement = show;
    this.repaintKnown(new Set([...this.elements.keys(), ...this.connections.keys()]));
  }

  /** Repaints what shows participants' colours or names (someone joined). */
  repaintParticipants(): void {
    const ids: IdKey[] = [];
    for (const [id, r] of this.elements) if (r.view.fields.selfOf) ids.push(id);
    for (const [id, r] of this.shapes) if (r.view.fields.sphereOf) ids.push(id);
    this.repaintKnown(new Set(ids));
  }

  /** Repaints rendered entities from their last known views (no document reads). */
  private repaintKnown(ids: Set<IdKey>): void {
    const pairs = new Set<string>();
    for (const id of ids) {
      const element = this.elements.get(id);
      if (element) this.upsertElement(element.view);
      const shape = this.shapes.get(id);
      if (shape) this.upsertShape(shape.view);
      const connection = this.connections.get(id);
      if (connection) pairs.add(pairKey(connection.view.from, connection.view.to));
    }
    for (const pair of pairs) this.layoutPair(pair);
    this.flushLabels();
  }

  private applyFilter(record: ElementRecord): void {
    const display = levelShown(this.options.filter, record.view.fields.scale) ? "" : "none";
    if (record.node.style.display !== display) this.labelsDirty = this.farDirty = true;
    record.node.style.display = display;
  }

  // ---- marks and labels ---------------------------------------------------------------

  /** Puts `mark` on exactly `ids` (entities drawn later get it when they appear). */
  setMarked(mark: Mark, ids: ReadonlySet<IdKey>): void {
    const before = this.marks.get(mark) ?? NO_IDS;
    this.marks.set(mark, ids);
    // The filter sets its marks again after every change to the document: the
    // same marks change nothing (no labels placed, nothing painted again).
    if (before.size === ids.size && [...ids].every((id) => before.has(id))) return;
    if (SEARCH_MARKS.has(mark)) {
      this.drawMatches();
      return;
    }
    const className = `is-${mark}`;
    for (const id of before) if (!ids.has(id)) this.nodeOf(id)?.classList.remove(className);
    for (const id of ids) if (!before.has(id)) this.nodeOf(id)?.classList.add(className);
    if (mark === "focus" || mark === "path") this.replace(new Set([...before, ...ids]));
    this.farDirty = true;
    this.flushFar();
    if (mark === "faded") {
      this.labelsDirty = true;
      this.flushLabels();
    }
  }

  marked(mark: Mark): ReadonlySet<IdKey> {
    return this.marks.get(mark) ?? NO_IDS;
  }

  private applyMarks(node: SVGGElement, id: IdKey): void {
    for (const [mark, ids] of this.marks)
      if (!SEARCH_MARKS.has(mark) && ids.has(id)) node.classList.add(`is-${mark}`);
  }

  /**
   * Redraws the search's marks for what is in the DOM and shown: a rim or a
   * line for each match; the label of each named one far out (where the map
   * shows none), and of each match whose label had no room nearer in.
   */
  private drawMatches(): void {
    const match = this.marked("match");
    if (match.size === 0 && !this.marksRoot.hasChildNodes()) return;
    const named = this.marked("named");
    const faded = this.marked("faded");
    const zoomedOut = this.zoom < ZOOMED_OUT;
    const paths = noMatchPaths();
    const labels: SVGElement[] = [];
    for (const id of match) {
      // Far out, what is out of the DOM is on the far view's canvas, in view.
      if (this.culling.isOut(id) && !this.far) continue;
      const element = this.elements.get(id);
      if (element) {
        if (!element.lastLook || element.node.style.display === "none") continue;
        const outline = bodyOutline(element.lastLook, positionOf(element.view));
        (faded.has(id) ? paths.fadedRims : paths.rims).push(outline);
        const crowded = element.label?.text.classList.contains("is-crowded") === true;
        const labelled = zoomedOut ? named.has(id) : crowded;
        if (labelled) this.ensureBuilt(id);
        const label = labelled && element.label && labelMark(element.label.text, element.node, id);
        if (label) labels.push(label);
        continue;
      }
      const connection = this.connections.get(id);
      const curve = connection?.lastLook?.curve;
      if (!curve || connection.node.style.display === "none") continue;
      (faded.has(id) ? paths.fadedLines : paths.lines).push(curvePath(curve));
    }
    this.marksRoot.replaceChildren(...matchNodes(paths, labels));
  }

  /** Shown and not faded: something the pointer can reach. */
  private reachable(id: IdKey, node: SVGGElement): boolean {
    return node.style.display !== "none" && !this.marked("faded").has(id);
  }

  /** Reachable and in the DOM (near the view): its label is placed. */
  private labelled(id: IdKey, node: SVGGElement): boolean {
    return this.reachable(id, node) && !this.culling.isOut(id);
  }

  /** Places labels if something moved them, and redraws the search's marks over it all. */
  private flushLabels(): void {
    if (this.labelsDirty) {
      this.labelsDirty = false;
      this.placeAllLabels();
    }
    this.drawMatches();
    this.flushFar();
  }

  /**
   * Places every label of the shown, unfaded elements and connections so none
   * covers a node or another label (labels.ts): elements with more
   * connections first, connection labels last. A label left out is hidden
   * (a presentation attribute, so the export leaves it out too) until the
   * pointer is over its entity or it is selected or found (map.css).
   */
  private placeAllLabels(): void {
    const requests: LabelRequest[] = [];
    const labels: LabelRecord[] = [];
    const offsets: (((k: number) => string | undefined) | undefined)[] = [];
    const obstacles: Circle[] = [];
    for (const [id, record] of this.elements) {
      const label = record.label;
      if (!label || !record.lastLook || !this.labelled(id, record.node)) continue;
      const p = positionOf(record.view);
      const clearance = labelClearance(record.lastLook);
      obstacles.push({ x: p.x, y: p.y, r: clearance + 2 });
      const candidates = nodeLabelCandidates(p.x, p.y, clearance, label.width, label.height);
      requests.push({ candidates, priority: 1 + (this.byElement.get(id)?.size ?? 0) });
      labels.push(label);
      offsets.push((k) => {
        const dx =
          (candidates[k].minX + candidates[k].maxX - candidates[0].minX - candidates[0].maxX) / 2;
        const dy = candidates[k].minY - candidates[0].minY;
        return k === 0
          ? undefined
          : `translate(${Math.round(dx * 10) / 10} ${Math.round(dy * 10) / 10})`;
      });
    }
    for (const [id, record] of this.connections) {
      const label = record.label;
      if (!label || !record.lastLook || !this.labelled(id, record.node)) continue;
      const frame = connectionLabelFrame(record.lastLook.curve);
      const box = textBounds(frame, label.width, label.height, CONNECTION_LABEL_SIZE);
      requests.push({ candidates: [box], priority: 0 });
      labels.push(label);
      offsets.push(undefined);
    }
    // Region and boundary labels stay on their outlines; the others keep clear of them.
    const fixed: Bounds[] = [];
    for (const [id, record] of this.shapes) {
      if (this.marked("faded").has(id)) continue;
      const label = shapeLabel(this.shapeLook(record.view));
      if (label) fixed.push(textBounds(label.frame, label.width, label.height, label.fontSize));
    }
    const chosen = placeLabels(requests, obstacles, fixed);
    chosen.forEach((k, i) => {
      const label = labels[i];
      if (label.placed === k) return;
      label.placed = k;
      label.text.classList.toggle("is-crowded", k < 0);
      if (k < 0) {
        label.text.setAttribute("visibility", "hidden");
        return;
      }
      label.text.removeAttribute("visibility");
      // Connection labels have one place, along their line: no offset.
      const transform = offsets[i]?.(k);
      if (!offsets[i]) return;
      if (transform === undefined) label.text.removeAttribute("transform");
      else label.text.setAttribute("transform", transform);
    });
  }

  /**
   * Handles keep a constant on-screen size, so they follow the zoom; and the
   * live map draws only the detail that shows at it (levelOfDetail).
   */
  setZoom(zoom: number): void {
    if (zoom === this.zoom) return;
    const wasOut = this.zoom < ZOOMED_OUT;
    this.zoom = zoom;
    // Far out, the named matches' labels are drawn with their marks.
    if (wasOut !== zoom < ZOOMED_OUT) this.drawMatches();
    for (const handle of this.handleLayer.querySelectorAll("circle"))
      handle.setAttribute("r", String(6 / zoom));
    if (!this.options.interactive) return;
    const detail = levelOfDetail(zoom);
    if (sameDetail(detail, this.detail)) return;
    const more =
      (detail.icons && !this.detail.icons) ||
      (detail.connectionLabels && !this.detail.connectionLabels);
    this.detail = detail;
    // Less detail needs no redraw: what is drawn beyond it is hidden by
    // map.css, and goes when each entity is next redrawn.
    if (this.map === undefined || !more) return;
    // What is in the DOM now, a large map a batch a frame; the rest when
    // the view brings it in (cullElement, cullConnection).
    const ids = [...this.elements.keys(), ...this.connections.keys()];
    this.redetail = ids.filter((id) => !this.culling.isOut(id));
    for (const id of ids) if (this.culling.isOut(id)) this.stale.add(id);
    this.scheduleRedetail();
  }

  /** Redraws what waits for the zoom's detail: now if it is little, else a batch a frame. */
  private scheduleRedetail(): void {
    if (this.redetail.length === 0) return;
    if (this.redetail.length <= DETAIL_BATCH || typeof requestAnimationFrame === "undefined")
      this.redetailStep(Infinity);
    else if (this.redetailFrame === undefined)
      this.redetailFrame = requestAnimationFrame(() => this.redetailStep(DETAIL_BATCH));
  }

  /** An entity with less than the zoom's detail came into the DOM: it joins the queue. */
  private comeIn(id: IdKey): void {
    if (this.unbuilt.has(id) && this.far) {
      this.ensureBuilt(id); // kept by the far view: shown now
      return;
    }
    if (this.stale.delete(id) || this.unbuilt.has(id)) this.redetail.push(id);
  }

  /** Redraws up to `count` entities waiting for the zoom's detail; the next batch next frame. */
  private redetailStep(count: number): void {
    this.redetailFrame = undefined;
    const batch = this.redetail.splice(0, count);
    const connections = new Set<IdKey>();
    for (const id of batch) {
      if (this.unbuilt.has(id)) {
        this.ensureBuilt(id);
        continue;
      }
      const element = this.elements.get(id);
      if (element) this.upsertElement(element.view);
      else if (this.connections.has(id)) connections.add(id);
    }
    this.refreshConnections(connections);
    // Labels are placed all at once (placeAllLabels), after the last batch.
    if (this.redetail.length > 0)
      this.redetailFrame = requestAnimationFrame(() => this.redetailStep(DETAIL_BATCH));
    else this.flushLabels();
  }

  /** Vertex handles appear on a lone selected shape when it can be edited. */
  setEditableHandles(editable: boolean): void {
    this.editableHandles = editable;
    this.renderVertexHandles();
  }

  private renderVertexHandles(): void {
    const ids = [...this.selected];
    const shape = ids.length === 1 ? this.shapes.get(ids[0]) : undefined;
    if (!shape || !this.editableHandles) {
      if (this.handleLayer.firstChild) this.handleLayer.replaceChildren();
      return;
    }
    const handles = shapePoints(shape.view).map((p, i) =>
      svgEl("circle", {
        class: "cv-vertex",
        cx: p.x,
        cy: p.y,
        r: 6 / this.zoom,
        "data-vertex": i,
        "data-shape": shape.view.id,
      }),
    );
    this.handleLayer.replaceChildren(...handles);
  }

  // ---- queries --------------------------------------------------------------------------

  typeOf(id: IdKey): EntityType | undefined {
    if (this.elements.has(id)) return "element";
    if (this.connections.has(id)) return "connection";
    if (this.shapes.has(id)) return "shape";
    return undefined;
  }

  nodeOf(id: IdKey): SVGGElement | undefined {
    return (this.elements.get(id) ?? this.connections.get(id) ?? this.shapes.get(id))?.node;
  }

  /** Elements shown (not filtered out), as points for hit testing. */
  *visibleElementPoints(): Iterable<Pt & { id: IdKey }> {
    for (const [id, record] of this.elements) {
      if (!this.reachable(id, record.node)) continue;
      yield { id, ...positionOf(record.view) };
    }
  }

  /**
   * The shown connection whose hit band (connectionHitWidth, at least
   * `minWidth` map units) holds `at`: the nearest one when several do.
   */
  connectionNear(at: Pt, minWidth = 0): IdKey | undefined {
    let best: IdKey | undefined;
    let bestDistance = Infinity;
    for (const [id, record] of this.connections) {
      const look = record.lastLook;
      if (!look || !this.reachable(id, record.node)) continue;
      const reach = Math.max(minWidth, connectionHitWidth(look)) / 2;
      const box = boundsOf([look.curve.start, look.curve.control, look.curve.end], reach);
      if (!box || !boundsContains(box, at)) continue;
      const d = distanceToCurve(at, look.curve);
      if (d <= reach && d < bestDistance) {
        best = id;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Drawn, not filtered out or faded. */
  isShown(id: IdKey): boolean {
    const node = this.nodeOf(id);
    return !!node && this.reachable(id, node);
  }

  /** Everything drawn, for "fit to map". */
  bounds(): Bounds | undefined {
    const shown = [...this.elements.values()].filter((r) => r.node.style.display !== "none");
    return drawnBounds(
      shown.map((r) => positionOf(r.view)),
      [...this.shapes.values()].map((r) => shapePoints(r.view)),
    );
  }

  /** Connections drawn between two elements (either direction). */
  connectionsBetween(a: IdKey, b: IdKey): IdKey[] {
    return [...(this.byPair.get(pairKey(a, b)) ?? [])];
  }

  private removeNode<R extends { node: SVGGElement }>(records: Map<IdKey, R>, id: IdKey): void {
    records.get(id)?.node.remove();
    records.delete(id);
    this.culling.forget(id);
    this.stale.delete(id);
    this.unbuilt.delete(id);
    this.farDirty = true;
  }
}

/** The label text an entity's node was just drawn with, and its estimated size. */
function labelOf(
  node: SVGGElement,
  label: { lines: string[]; fontSize: number },
): LabelRecord | undefined {
  const text = node.querySelector<SVGTextElement>(":scope > text.cv-label");
  if (!text || label.lines.length === 0) return undefined;
  return { text, ...estimateLabelSize(label.lines, label.fontSize) };
}

/** The area a map's elements and shapes take, read from the document before it is drawn. */
export function documentBounds(doc: ConveneDocument, map: IdKey): Bounds | undefined {
  return drawnBounds(doc.elements(map).map(positionOf), doc.shapes(map).map(shapePoints));
}

/** The area elements at `elements` (with their labels) and shapes through `shapes` take. */
function drawnBounds(elements: Pt[], shapes: Pt[][]): Bounds | undefined {
  const points: Pt[] = [];
  for (const p of elements)
    points.push(
      { x: p.x - NODE_RADIUS - 30, y: p.y - NODE_RADIUS },
      { x: p.x + NODE_RADIUS + 30, y: p.y + NODE_RADIUS + 40 },
    );
  for (const shape of shapes) points.push(...shape);
  return boundsOf(points, 10);
}

function sameDetail(a: Detail, b: Detail): boolean {
  return a.icons === b.icons && a.connectionLabels === b.connectionLabels;
}

export function positionOf(view: ElementView): Pt {
  return { x: view.fields.position?.x ?? 0, y: view.fields.position?.y ?? 0 };
}

export function shapePoints(view: ShapeView): Pt[] {
  return (view.fields.path?.points ?? []).map((p) => ({ x: p.x, y: p.y }));
}

export function pairKey(a: IdKey, b: IdKey): string {
  return compareIds(a, b) <= 0 ? `${a}|${b}` : `${b}|${a}`;
}

/** Orders IdKeys as the document does: by replica, then counter (numerically). */
export function compareIds(a: IdKey, b: IdKey): number {
  // Both parts are decimal without leading zeros, so the shorter is the
  // smaller and equal lengths compare as strings: no BigInt per comparison.
  const colonA = a.indexOf(":");
  const colonB = b.indexOf(":");
  return (
    compareDecimal(a, 0, colonA, b, 0, colonB) ||
    compareDecimal(a, colonA + 1, a.length, b, colonB + 1, b.length)
  );
}

function compareDecimal(a: string, a0: number, a1: number, b: string, b0: number, b1: number) {
  if (a1 - a0 !== b1 - b0) return a1 - a0 < b1 - b0 ? -1 : 1;
  for (let i = 0; i < a1 - a0; i++) {
    const d = a.charCodeAt(a0 + i) - b.charCodeAt(b0 + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
