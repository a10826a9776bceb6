// Pointer and wheel gestures on the canvas: selecting, moving, connecting,
// drawing boundaries and regions, placing elements, panning and zooming.
// Every gesture starts on pointerdown and decides on its first real movement
// whether it was a click or a drag.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { ElementKind } from "../gen/convene/v1/ops_pb";
import { svgEl } from "./dom";
import {
  boundsContains,
  clampCoordinate,
  distance,
  nearestWithin,
  panByScreen,
  pathFromPoints,
  rectFromCorners,
  wheelZoomFactor,
  zoomAt,
  type Pt,
  type Size,
  type Viewport,
} from "./geometry";
import { kindIconPaths } from "./icons";
import { NODE_RADIUS } from "./nodes";
import { positionOf, shapePoints, type Scene } from "./scene";
import type { ToolName } from "./toolbar";

/** The active tool; "place" waits for a click to put an element of `kind` (and custom kind). */
export type Tool = { name: ToolName } | { name: "place"; kind: ElementKind; customKind?: IdKey };

export interface GestureHost {
  readonly svg: SVGSVGElement;
  /**
   * The box the map is shown in. Coordinates are measured on it, not on the
   * <svg>, which a large map's moving view moves (view-layer.ts); pointer
   * events on it outside the moved <svg> are presses on the empty map.
   */
  readonly frame: HTMLElement;
  readonly scene: Scene;
  /** Map-coordinate layer for what is being drawn right now. */
  readonly draftLayer: SVGGElement;
  doc(): ConveneDocument;
  currentMap(): IdKey | undefined;
  editable(): boolean;
  tool(): Tool;
  setTool(tool: Tool): void;
  viewport(): Viewport;
  /** A pan or zoom by the user (ends following someone). */
  userViewport(v: Viewport): void;
  size(): Size;
  selection(): ReadonlySet<IdKey>;
  select(ids: Iterable<IdKey>): void;
  /** Runs an edit, reporting refusals; returns its result. */
  tryEdit<T>(edit: () => T): T | undefined;
  edited(checkpoint: boolean): void;
  cursorMoved(at: Pt): void;
  placeElement(kind: ElementKind, at: Pt, customKind?: IdKey): void;
  putMeAt(at: Pt): void;
  finishShape(tool: "boundary" | "region" | "sphere", points: Pt[]): void;
  connect(from: IdKey, to: IdKey): void;
  setHint(text: string | undefined): void;
  focusLabel(): void;
}

const CLICK_SLOP = 4; // screen pixels a click may wander before it is a drag
const LONG_PRESS_MS = 500; // a finger held this long on an element starts a connection
const MIN_HIT_PX = 10; // a connection's hit band is never narrower on screen, zoomed out
/** How far beyond its body a painted element (far-view.ts) is hit, on screen. */
const FAR_ELEMENT_HIT_PX = 3;
const DRAWING_TOOLS = ["boundary", "region", "sphere"] as const;
type DrawingTool = (typeof DRAWING_TOOLS)[number];

type Gesture =
  | { type: "pan"; start: Pt; vp0: Viewport; moved: boolean; onClick?: () => void }
  | {
      type: "move";
      start: Pt;
      moved: boolean;
      elements: Map<IdKey, Pt>;
      shapes: Map<IdKey, Pt[]>;
      onClick?: () => void;
    }
  | { type: "vertex"; start: Pt; moved: boolean; shape: IdKey; index: number; points: Pt[] }
  | {
      type: "connect";
      start: Pt;
      moved: boolean;
      from: IdKey;
      target?: IdKey;
      /** Begun by a long press (touch): lifted in place, it waits for a tap on the end. */
      held?: boolean;
    }
  | { type: "band"; start: Pt; moved: boolean; additive: boolean; base: Set<IdKey> };

export class Gestures {
  private gesture: Gesture | undefined;
  private pointerId: number | undefined;
  private rect: DOMRect | undefined;
  /** Points of the boundary or region being drawn. */
  private drawing: Pt[] = [];
  private hover: Pt | undefined;
  /** In the connect tool, the element clicked first (click-click connecting). */
  private connectFrom: IdKey | undefined;
  spaceHeld = false;
  /** Screen points of the fingers on the canvas; two make a pinch. */
  private readonly touches = new Map<number, Pt>();
  private pinch: { distance: number; mid: Pt; vp0: Viewport } | undefined;
  /** A finger resting on an element: when it fires, the press becomes a connection. */
  private longPress: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: GestureHost) {
    const on = <K extends keyof HTMLElementEventMap>(
      type: K,
      handle: (e: HTMLElementEventMap[K]) => void,
      options?: AddEventListenerOptions,
    ) => host.frame.addEventListener(type, (e) => this.onMap(e) && handle(e), options);
    on("pointerdown", (e) => this.down(e));
    on("pointermove", (e) => this.move(e));
    on("pointerup", (e) => this.up(e));
    on("pointercancel", (e) => {
      this.cancelLongPress();
      this.touches.delete(e.pointerId);
      this.pinch = undefined;
      this.cancelGesture();
    });
    on("dblclick", (e) => this.doubleClick(e));
    host.svg.addEventListener("pointerleave", () => {
      if (!this.gesture && this.drawing.length === 0) this.draftClear();
    });
    host.svg.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    // A long press is ours (it connects): no callout or context menu from it.
    on("contextmenu", (e) => {
      if (this.touches.size > 0 || this.gesture?.type === "connect") e.preventDefault();
    });
  }

  /** On the map itself, not on a control floating over it (palette, legend, finder). */
  private onMap(e: Event): boolean {
    return (
      e.target === this.host.frame || (e.target instanceof Node && this.host.svg.contains(e.target))
    );
  }

  // ---- coordinates ---------------------------------------------------------------

  private screenPoint(e: { clientX: number; clientY: number }, fresh = false): Pt {
    if (fresh || !this.rect) this.rect = this.host.frame.getBoundingClientRect();
    return { x: e.clientX - this.rect.left, y: e.clientY - this.rect.top };
  }

  private toMap(screen: Pt): Pt {
    const vp = this.host.viewport();
    const size = this.host.size();
    return {
      x: (screen.x - size.width / 2) / vp.zoom + vp.x,
      y: (screen.y - size.height / 2) / vp.zoom + vp.y,
    };
  }

  /** The map point under a client position (for drops from the palette). */
  clientToMap(clientX: number, clientY: number): Pt | undefined {
    const rect = this.host.frame.getBoundingClientRect();
    const inside =
      rect.width === 0 ||
      (clientX >= rect.left &&
        clientX <= rect.right &&
        clientY >= rect.top &&
        clientY <= rect.bottom);
    if (!inside) return undefined;
    return this.toMap(this.screenPoint({ clientX, clientY }, true));
  }

  // ---- pointer ---------------------------------------------------------------------

  private down(e: PointerEvent): void {
    if (this.host.currentMap() === undefined) return;
    if (e.pointerType === "touch") {
      this.touches.set(e.pointerId, this.screenPoint(e, true));
      if (this.touches.size === 2) {
        this.cancelLongPress();
        this.capture(e);
        this.startPinch();
        e.preventDefault();
      }
      if (this.touches.size >= 2) return;
    }
    if (this.gesture) return;
    if (e.button !== 0 && e.button !== 1) return;
    const screen = this.screenPoint(e, true);
    const target = e.target instanceof Element ? e.target : null;
    this.capture(e);
    if (e.button === 1 || this.spaceHeld) {
      this.gesture = this.panGesture(screen);
      e.preventDefault();
      return;
    }
    const tool = this.host.tool();
    const at = this.toMap(screen);
    // Connections are drawn over shapes, so one near the pointer wins over a region.
    const under = target?.closest<SVGGElement>("[data-entity]") ?? null;
    const entity = isShapeNode(under)
      ? (this.farElementNodeAt(at) ?? this.connectionNodeAt(at) ?? under)
      : (under ?? this.farElementNodeAt(at) ?? this.connectionNodeAt(at));
    const entityId = entity
      ? (entity.getAttribute("data-id") ?? entity.getAttribute("data-conn") ?? undefined)
      : undefined;
    const entityType = entity?.getAttribute("data-entity");

    if (tool.name === "place") {
      const { kind, customKind } = tool;
      this.gesture = this.panGesture(screen, () => this.host.placeElement(kind, at, customKind));
    } else if (tool.name === "me") {
      this.gesture = this.panGesture(screen, () => this.host.putMeAt(at));
    } else if (isDrawingTool(tool.name)) {
      this.gesture = this.panGesture(screen, () => this.addPoint(at));
    } else if (tool.name === "connect") {
      if (entityType === "element" && entityId && this.host.editable()) {
        this.gesture = { type: "connect", start: screen, moved: false, from: entityId };
      } else {
        this.gesture = this.panGesture(screen, () => this.setConnectFrom(undefined));
      }
    } else if (target?.classList.contains("cv-handle") && entityId && this.host.editable()) {
      this.gesture = { type: "connect", start: screen, moved: false, from: entityId };
    } else if (target?.hasAttribute("data-vertex") && this.host.editable()) {
      this.gesture = this.vertexGesture(screen, target);
    } else if (this.connectFrom && entityType === "element" && entityId) {
      // The end of a connection begun by a long press.
      this.gesture = { type: "connect", start: screen, moved: false, from: entityId };
    } else if (entityId) {
      this.gesture = this.pressEntity(screen, entityId, e.shiftKey);
      if (e.pointerType === "touch" && entityType === "element" && this.host.editable())
        this.armLongPress(this.gesture, entityId);
    } else if (e.shiftKey) {
      this.gesture = {
        type: "band",
        start: screen,
        moved: false,
        additive: true,
        base: new Set(this.host.selection()),
      };
    } else {
      this.gesture = this.panGesture(screen, () => {
        if (this.connectFrom && tool.name !== "connect") this.setConnectFrom(undefined);
        this.host.select([]);
      });
    }
    e.preventDefault();
  }

  private move(e: PointerEvent): void {
    const screen = this.screenPoint(e, !this.gesture && !this.pinch);
    if (this.touches.has(e.pointerId)) {
      this.touches.set(e.pointerId, screen);
      if (this.pinch) {
        this.movePinch();
        return;
      }
    }
    const at = this.toMap(screen);
    this.host.cursorMoved(at);
    this.hover = at;
    const g = this.gesture;
    if (!g) {
      this.decorateConnectionAt(at, e.target);
      if (this.drawing.length > 0) this.renderDraft();
      else this.renderGhost(at);
      return;
    }
    if (!g.moved) {
      if (Math.hypot(screen.x - g.start.x, screen.y - g.start.y) < CLICK_SLOP) return;
      g.moved = true;
      this.cancelLongPress();
    }
    switch (g.type) {
      case "pan":
        this.host.userViewport(panByScreen(g.vp0, screen.x - g.start.x, screen.y - g.start.y));
        break;
      case "move":
        this.moveSelection(g, screen);
        break;
      case "vertex":
        this.moveVertex(g, at);
        break;
      case "connect":
        this.dragConnection(g, at);
        break;
      case "band":
        this.dragBand(g, at);
        break;
    }
  }

  private up(e: PointerEvent): void {
    this.cancelLongPress();
    this.touches.delete(e.pointerId);
    if (this.pinch) {
      // The pinch ends with its first lifted finger; the other one then
      // does nothing until it is lifted too.
      this.pinch = undefined;
      this.release();
      return;
    }
    const g = this.gesture;
    if (!g) return;
    this.gesture = undefined;
    this.release();
    const at = this.toMap(this.screenPoint(e));
    if (!g.moved) {
      if (g.type === "pan" || g.type === "move") g.onClick?.();
      if (g.type === "connect") {
        if (g.held) this.setConnectFrom(g.from);
        else this.clickConnect(g.from);
      }
      return;
    }
    switch (g.type) {
      case "move":
      case "vertex":
        this.host.edited(true);
        break;
      case "connect":
        this.finishConnection(g, at);
        break;
      case "band":
        this.draftClear();
        break;
    }
  }

  private cancelGesture(): void {
    const g = this.gesture;
    this.gesture = undefined;
    this.release();
    if (g && g.moved && (g.type === "move" || g.type === "vertex")) this.host.edited(true);
    if (g?.type === "connect" || g?.type === "band") this.draftClear();
    this.clearConnectTarget();
  }

  private capture(e: PointerEvent): void {
    this.pointerId = e.pointerId;
    try {
      this.host.svg.setPointerCapture?.(e.pointerId);
    } catch {
      // Synthetic events have no active pointer to capture; moves still arrive.
    }
  }

  private release(): void {
    if (this.pointerId === undefined) return;
    try {
      this.host.svg.releasePointerCapture?.(this.pointerId);
    } catch {
      // Already released (the pointer went away).
    }
    this.pointerId = undefined;
  }

  private doubleClick(e: MouseEvent): void {
    const tool = this.host.tool().name;
    if (isDrawingTool(tool)) {
      this.finishDrawing();
      e.preventDefault();
      return;
    }
    const target = e.target instanceof Element ? e.target : null;
    if (tool === "select" && target?.closest("[data-entity]")) this.host.focusLabel();
  }

  private wheel(e: WheelEvent): void {
    if (this.host.currentMap() === undefined) return;
    e.preventDefault();
    const vp = this.host.viewport();
    if (e.ctrlKey || e.metaKey) {
      const screen = this.screenPoint(e, true);
      this.host.userViewport(
        zoomAt(vp, this.host.size(), screen, wheelZoomFactor(e.deltaY, e.deltaMode)),
      );
    } else {
      const scale = e.deltaMode === 1 ? 16 : 1;
      this.host.userViewport(panByScreen(vp, -e.deltaX * scale, -e.deltaY * scale));
    }
  }

  // ---- gestures ---------------------------------------------------------------------

  /** A second finger turns whatever the first one started into a pinch. */
  private startPinch(): void {
    const g = this.gesture;
    this.gesture = undefined;
    if (g?.moved && (g.type === "move" || g.type === "vertex")) this.host.edited(true);
    this.draftClear();
    this.clearConnectTarget();
    const [a, b] = [...this.touches.values()];
    this.pinch = {
      distance: Math.max(distance(a, b), 1),
      mid: midpoint(a, b),
      vp0: this.host.viewport(),
    };
  }

  /** Zooms about where the pinch began and pans by how far its middle moved. */
  private movePinch(): void {
    const pinch = this.pinch!;
    const [a, b] = [...this.touches.values()];
    const mid = midpoint(a, b);
    const zoomed = zoomAt(pinch.vp0, this.host.size(), pinch.mid, distance(a, b) / pinch.distance);
    this.host.userViewport(panByScreen(zoomed, mid.x - pinch.mid.x, mid.y - pinch.mid.y));
  }

  private panGesture(start: Pt, onClick?: () => void): Gesture {
    return { type: "pan", start, vp0: this.host.viewport(), moved: false, onClick };
  }

  /** Pressing an entity selects it (shift toggles) and may become a move. */
  private pressEntity(screen: Pt, id: IdKey, shift: boolean): Gesture {
    const selection = new Set(this.host.selection());
    let onClick: (() => void) | undefined;
    if (shift) {
      if (selection.has(id)) selection.delete(id);
      else selection.add(id);
      this.host.select(selection);
    } else if (!selection.has(id)) {
      this.host.select([id]);
    } else if (selection.size > 1) {
      // A plain click on one of several selected things narrows to it; a drag
      // moves them all.
      onClick = () => this.host.select([id]);
    }
    // Observers may select and look, and their drags pan instead.
    if (!this.host.editable()) return this.panGesture(screen, onClick);
    const doc = this.host.doc();
    const elements = new Map<IdKey, Pt>();
    const shapes = new Map<IdKey, Pt[]>();
    for (const sel of this.host.selection()) {
      const element = this.host.scene.elements.get(sel);
      if (element) elements.set(sel, positionOf(doc.element(sel) ?? element.view));
      const shape = this.host.scene.shapes.get(sel);
      if (shape) shapes.set(sel, shapePoints(doc.shape(sel) ?? shape.view));
    }
    // Nothing to move (only connections selected): the drag pans instead.
    if (elements.size === 0 && shapes.size === 0) return this.panGesture(screen, onClick);
    return { type: "move", start: screen, moved: false, elements, shapes, onClick };
  }

  private moveSelection(g: Extract<Gesture, { type: "move" }>, screen: Pt): void {
    const zoom = this.host.viewport().zoom;
    const dx = (screen.x - g.start.x) / zoom;
    const dy = (screen.y - g.start.y) / zoom;
    const doc = this.host.doc();
    this.host.tryEdit(() => {
      for (const [id, p] of g.elements) {
        doc.updateElement(id, {
          position: { x: clampCoordinate(p.x + dx), y: clampCoordinate(p.y + dy) },
        });
      }
      for (const [id, points] of g.shapes) {
        const moved = points.map((p) => ({
          x: clampCoordinate(p.x + dx),
          y: clampCoordinate(p.y + dy),
        }));
        doc.updateShape(id, { path: { points: moved } });
      }
    });
    this.host.edited(false);
  }

  private vertexGesture(screen: Pt, handle: Element): Gesture | undefined {
    const shape = handle.getAttribute("data-shape") ?? "";
    const view = this.host.doc().shape(shape);
    if (!view) return undefined;
    return {
      type: "vertex",
      start: screen,
      moved: false,
      shape,
      index: Number(handle.getAttribute("data-vertex")),
      points: shapePoints(view),
    };
  }

  private moveVertex(g: Extract<Gesture, { type: "vertex" }>, at: Pt): void {
    const points = g.points.map((p, i) =>
      i === g.index ? { x: clampCoordinate(at.x), y: clampCoordinate(at.y) } : p,
    );
    this.host.tryEdit(() => this.host.doc().updateShape(g.shape, { path: { points } }));
    this.host.edited(false);
  }

  // ---- connections under the pointer ------------------------------------------------------

  /**
   * Connections have no hit path until the pointer comes near one (a large
   * map would need thousands): this finds it by geometry and decorates it,
   * which adds the path, so hover styles and the next events reach it.
   */
  private decorateConnectionAt(at: Pt, target: EventTarget | null): void {
    const under = target instanceof Element ? target.closest("[data-entity]") : null;
    if (under && !isShapeNode(under)) return;
    const zoom = this.host.viewport().zoom;
    // Far out, elements are painted on a canvas (far-view.ts): found by geometry too.
    const id =
      this.host.scene.farElementAt(at, FAR_ELEMENT_HIT_PX / zoom) ??
      this.host.scene.connectionNear(at, MIN_HIT_PX / zoom);
    if (id) this.host.scene.decorate([id]);
  }

  /** The far view's element pressed: decorated, which brings its node into the DOM. */
  private farElementNodeAt(at: Pt): SVGGElement | null {
    const id = this.host.scene.farElementAt(at, FAR_ELEMENT_HIT_PX / this.host.viewport().zoom);
    if (!id) return null;
    this.host.scene.decorate([id]);
    return this.host.scene.nodeOf(id) ?? null;
  }

  /** The connection pressed without hovering first (touch, or a click before any move). */
  private connectionNodeAt(at: Pt): SVGGElement | null {
    const id = this.host.scene.connectionNear(at, MIN_HIT_PX / this.host.viewport().zoom);
    if (!id) return null;
    this.host.scene.decorate([id]);
    return this.host.scene.nodeOf(id) ?? null;
  }

  // ---- connecting ----------------------------------------------------------------------

  private elementAt(at: Pt, except?: IdKey): IdKey | undefined {
    const candidates = [...this.host.scene.visibleElementPoints()].filter((p) => p.id !== except);
    return nearestWithin(at, candidates, NODE_RADIUS + 8);
  }

  private dragConnection(g: Extract<Gesture, { type: "connect" }>, at: Pt): void {
    const from = this.host.scene.elements.get(g.from);
    if (!from) return;
    const target = this.elementAt(at, g.from);
    if (target !== g.target) {
      this.clearConnectTarget();
      g.target = target;
      if (target) {
        // The pointer is captured, so the target has not been hovered: give it its ring.
        this.host.scene.decorate([target]);
        this.host.scene.nodeOf(target)?.classList.add("is-connect-target");
      }
    }
    const start = positionOf(from.view);
    const end = target ? positionOf(this.host.scene.elements.get(target)!.view) : at;
    this.host.draftLayer.replaceChildren(
      svgEl("path", { class: "cv-draft-line", d: pathFromPoints([start, end], false) }),
      svgEl("circle", {
        class: "cv-draft-dot",
        cx: end.x,
        cy: end.y,
        r: 4 / this.host.viewport().zoom,
      }),
    );
  }

  private finishConnection(g: Extract<Gesture, { type: "connect" }>, at: Pt): void {
    this.draftClear();
    this.clearConnectTarget();
    if (g.held) {
      this.host.scene.nodeOf(g.from)?.classList.remove("is-connect-source");
      this.host.setHint(undefined);
    }
    const target = g.target ?? this.elementAt(at, g.from);
    if (target) this.host.connect(g.from, target);
  }

  /** Held still on an element (touch): the press becomes a connection from it. */
  private armLongPress(pressed: Gesture | undefined, from: IdKey): void {
    this.cancelLongPress();
    this.longPress = setTimeout(() => {
      this.longPress = undefined;
      const g = this.gesture;
      if (!g || g !== pressed || g.moved) return;
      this.gesture = { type: "connect", start: g.start, moved: false, from, held: true };
      this.host.scene.decorate([from]);
      this.host.scene.nodeOf(from)?.classList.add("is-connect-source");
      navigator.vibrate?.(15);
      this.host.setHint("Drag to the element to connect to, or lift and tap it.");
    }, LONG_PRESS_MS);
  }

  private cancelLongPress(): void {
    if (this.longPress === undefined) return;
    clearTimeout(this.longPress);
    this.longPress = undefined;
  }

  /**
   * Click-click connecting: the first click picks the start, the second the
   * end. Outside the connect tool only a start picked by a long press waits.
   */
  private clickConnect(id: IdKey): void {
    if (this.host.tool().name !== "connect" && this.connectFrom === undefined) {
      this.host.select([id]);
      return;
    }
    if (this.connectFrom === undefined || this.connectFrom === id) {
      this.setConnectFrom(this.connectFrom === id ? undefined : id);
      return;
    }
    const from = this.connectFrom;
    this.setConnectFrom(undefined);
    this.host.connect(from, id);
  }

  private setConnectFrom(id: IdKey | undefined): void {
    if (this.connectFrom)
      this.host.scene.nodeOf(this.connectFrom)?.classList.remove("is-connect-source");
    this.connectFrom = id;
    if (id) {
      this.host.scene.decorate([id]);
      this.host.scene.nodeOf(id)?.classList.add("is-connect-source");
    }
    this.host.setHint(
      id
        ? "Now click the element to connect it to (Esc to cancel)."
        : this.host.tool().name === "connect"
          ? "Drag from one element to another, or click one and then the other."
          : undefined,
    );
  }

  private clearConnectTarget(): void {
    for (const node of this.host.svg.querySelectorAll(".is-connect-target"))
      node.classList.remove("is-connect-target");
  }

  // ---- rubber band ------------------------------------------------------------------------

  private dragBand(g: Extract<Gesture, { type: "band" }>, at: Pt): void {
    const start = this.toMap(g.start);
    const rect = rectFromCorners(start, at);
    this.host.draftLayer.replaceChildren(
      svgEl("rect", {
        class: "cv-band",
        x: rect.minX,
        y: rect.minY,
        width: rect.maxX - rect.minX,
        height: rect.maxY - rect.minY,
      }),
    );
    this.host.select(new Set([...g.base, ...this.inRect(rect)]));
  }

  /** Elements whose centre, connections whose both ends, shapes whose every point is inside. */
  private inRect(rect: ReturnType<typeof rectFromCorners>): IdKey[] {
    const scene = this.host.scene;
    const inside = new Set<IdKey>();
    for (const p of scene.visibleElementPoints()) if (boundsContains(rect, p)) inside.add(p.id);
    const out = [...inside];
    for (const [id, c] of scene.connections) {
      if (inside.has(c.view.from) && inside.has(c.view.to) && scene.isShown(id)) out.push(id);
    }
    for (const [id, s] of scene.shapes) {
      const points = shapePoints(s.view);
      if (points.length > 0 && points.every((p) => boundsContains(rect, p))) out.push(id);
    }
    return out;
  }

  // ---- drawing ---------------------------------------------------------------------------

  isDrawing(): boolean {
    return this.drawing.length > 0;
  }

  private addPoint(at: Pt): void {
    this.drawing.push({ x: clampCoordinate(at.x), y: clampCoordinate(at.y) });
    this.renderDraft();
  }

  /** Enter or double-click: creates the shape if it has enough points. */
  finishDrawing(): void {
    const tool = this.host.tool().name;
    if (!isDrawingTool(tool)) return;
    const points = this.drawing;
    this.drawing = [];
    this.draftClear();
    this.host.finishShape(tool, points);
  }

  /** Backspace while drawing takes back the last point. */
  undoPoint(): void {
    this.drawing.pop();
    this.renderDraft();
  }

  /** Escape: drops what is being drawn or connected. */
  cancel(): boolean {
    const had =
      this.drawing.length > 0 || this.connectFrom !== undefined || this.gesture !== undefined;
    this.drawing = [];
    this.cancelLongPress();
    this.setConnectFrom(undefined);
    this.cancelGesture();
    this.draftClear();
    return had;
  }

  private renderDraft(): void {
    const points = this.drawing;
    if (points.length === 0) {
      this.draftClear();
      return;
    }
    const closed = this.host.tool().name !== "boundary";
    const withHover = this.hover ? [...points, this.hover] : points;
    const zoom = this.host.viewport().zoom;
    const nodes: SVGElement[] = [];
    if (closed && withHover.length >= 3) {
      nodes.push(svgEl("path", { class: "cv-draft-fill", d: pathFromPoints(withHover, true) }));
    }
    nodes.push(svgEl("path", { class: "cv-draft-line", d: pathFromPoints(withHover, false) }));
    for (const p of points)
      nodes.push(svgEl("circle", { class: "cv-draft-dot", cx: p.x, cy: p.y, r: 4 / zoom }));
    this.host.draftLayer.replaceChildren(...nodes);
  }

  /** What a click would place, under the pointer (an armed kind, or me). */
  private renderGhost(at: Pt): void {
    const tool = this.host.tool();
    if (tool.name !== "place" && tool.name !== "me") return;
    const kind = tool.name === "place" ? tool.kind : ElementKind.PERSON;
    const icon = svgEl("g", { transform: "translate(-12 -12)", class: "cv-ghost-icon" });
    for (const d of kindIconPaths(kind)) icon.append(svgEl("path", { d }));
    this.host.draftLayer.replaceChildren(
      svgEl("g", { class: "cv-ghost", transform: `translate(${at.x} ${at.y})` }, [
        svgEl("circle", { r: NODE_RADIUS }),
        icon,
      ]),
    );
  }

  private draftClear(): void {
    if (this.host.draftLayer.firstChild) this.host.draftLayer.replaceChildren();
  }

  /** Re-draws the in-progress outline at the new zoom (dot sizes). */
  refreshDraft(): void {
    if (this.drawing.length > 0) this.renderDraft();
  }
}

function midpoint(a: Pt, b: Pt): Pt {
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

export function isDrawingTool(name: string): name is DrawingTool {
  return (DRAWING_TOOLS as readonly string[]).includes(name);
}

function isShapeNode(node: Element | null): boolean {
  return node?.getAttribute("data-entity") === "shape";
}
