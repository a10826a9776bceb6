// The landscape map view: an SVG map editor over one map of the convening
// document. It reads and edits the document only through the AppContext (or a
// given read-only document, for the history timeslider), repaints the
// entities each change names, and shares my cursor, selection and viewport as
// presence.
import "./map.css";
import { EditError, type ConveneDocument, type IdKey } from "../crdt/api";
import type { AppContext, Participant } from "../ui/context";
import { ConnectionKind, Direction, ElementKind, Geometry } from "../gen/convene/v1/ops_pb";
import { htmlEl, isTypingTarget, svgEl } from "./dom";
import { ViewLayer } from "./view-layer";
import { FarView } from "./far-view";
import { ZOOMED_FAR, ZOOMED_OUT } from "./nodes";
import { contains, shownArea } from "./culling";
import {
  clampCoordinate,
  clampZoom,
  dropRepeatedPoints,
  easeInOut,
  fitViewport,
  interpolateViewport,
  mapToScreen,
  zoomAt,
  type Insets,
  type Pt,
  type Size,
  type Viewport,
} from "./geometry";
import { exportMapSvg } from "./export";
import { iconSvg, TOOL_ICONS } from "./icons";
import { Gestures, isDrawingTool, type GestureHost, type Tool } from "./interaction";
import { idToKey, keyToId } from "./ids";
import { layoutMenuHost } from "./layout-apply";
import { Glide } from "./layout-motion";
import { Panel, truncateUtf8 } from "./panel";
import { levelsLeftOut } from "./filter";
import { FindAndFocus } from "./find-focus";
import { Legend, Palette } from "./palette";
import { documentBounds, positionOf, Scene } from "./scene";
import { fallbackColour, kindInfo } from "./style";
import { Toolbar, type ToolName } from "./toolbar";
import { VocabularyDialog } from "./vocabulary-dialog";
import { renderVocabularyLegend } from "./vocabulary-legend";
import { SavedViews } from "./views-control";
import { BottomSheet } from "../ui/bottom-sheet";
import { ConnectPicker } from "./connect-picker";
import { Announcer, readingOrder, stepThrough } from "./keyboard-nav";

export interface MapView {
  /** Root element; the app puts it in the page and sizes it. */
  element: HTMLElement;
  showMap(map: IdKey): void;
  currentMap(): IdKey | undefined;
  viewport(): Viewport;
  setViewport(v: Viewport, animate?: boolean): void;
  /** Tracks that participant's viewport live (undefined stops). */
  follow(memberId: string | undefined): void;
  /** A standalone SVG (inline styles, legend) of the current map. */
  exportSVG(): string;
  /** Full repaint, e.g. after options.doc changed. */
  repaint(): void;
  /** Focus on the canvas, or on the side panel (opened where it is a sheet): skip links. */
  focusCanvas(): void;
  focusPanel(): void;
  destroy(): void;
}

export interface MapViewOptions {
  /** Show this document instead of ctx.doc (history); nothing is edited. */
  doc?: ConveneDocument;
  /** No editing and no presence. */
  readOnly?: boolean;
}

/**
 * Creates the map view. Besides the MapView methods, its element dispatches
 * "mapchange" (detail: {map}) when the user picks or creates a map, and
 * "followchange" (detail: {memberId: undefined}) when a pan or zoom of the
 * user's own ends following someone.
 */
export function createMapView(ctx: AppContext, options: MapViewOptions = {}): MapView {
  const controller = new MapController(ctx, options);
  return {
    element: controller.root,
    showMap: (map) => controller.showMap(map),
    currentMap: () => controller.map,
    viewport: () => ({ ...controller.vp }),
    setViewport: (v, animate) => controller.setViewport(v, animate ?? false),
    follow: (memberId) => controller.follow(memberId),
    exportSVG: () => controller.exportSvg(),
    repaint: () => controller.repaint(),
    focusCanvas: () => controller.svg.focus(),
    focusPanel: () => controller.sheet.reveal(),
    destroy: () => controller.destroy(),
  };
}

const FALLBACK_SIZE: Size = { width: 960, height: 640 };
const ANIMATION_MS = 280;
const FOLLOW_ANIMATION_MS = 120;
/** Entities beyond which the view moves by moving its layer (view-layer.ts). */
const LARGE_MAP = 600;
/**
 * Entities beyond which a map seen from farther than ZOOMED_FAR is painted
 * (far-view.ts). Below it, the SVG is quick to build (1,000 elements with
 * 2,000 connections load in about 400 ms) and a change to it repaints less
 * than a change to the canvas (a whole-bitmap upload, about 20 ms here);
 * above it, building and repainting the SVG cost more on every count
 * (docs/benchmarks.md, decision 53).
 */
const FAR_VIEW_MIN = 4_000;

class MapController implements GestureHost {
  readonly root = htmlEl("div", { class: "cv-map" });
  readonly svg = svgEl("svg", {
    class: "cv-canvas",
    "data-testid": "map-canvas",
    tabindex: 0,
    role: "application",
    "aria-label": "Landscape map",
  });
  readonly draftLayer = svgEl("g", { class: "cv-draft", "pointer-events": "none" });
  readonly scene: Scene;

  map: IdKey | undefined;
  vp: Viewport = { x: 0, y: 0, zoom: 1 };
  private readonly viewportGroup = svgEl("g", { class: "cv-viewport" });
  private readonly cursorLayer = svgEl("g", { class: "cv-cursors" });
  /**
   * The dotted background and others' cursors sit outside the map's <svg>: a
   * change to either would repaint every entity of the map with it.
   */
  private readonly grid = htmlEl("div", { class: "cv-grid", "aria-hidden": "true" });
  private readonly cursorOverlay = svgEl(
    "svg",
    { class: "cv-cursor-overlay", "aria-hidden": "true" },
    [this.cursorLayer],
  );
  /** A large map seen whole, painted on a canvas under the map's <svg> (far-view.ts). */
  private readonly farView = new FarView();
  private farPaint: "none" | "repaint" | "changed" = "none";
  /** The search's marks over the map, a layer of their own (match-marks.ts). */
  private readonly matchGroup = svgEl("g", { class: "cv-match-viewport" });
  private readonly matchOverlay = svgEl(
    "svg",
    { class: "cv-match-overlay", "aria-hidden": "true" },
    [this.matchGroup],
  );
  private readonly stage = htmlEl("div", { class: "cv-stage" });
  /** The box the map is shown in (GestureHost.frame). */
  readonly frame = this.stage;
  private readonly hint = htmlEl("div", { class: "cv-hint", role: "status", hidden: true });
  private readonly empty = htmlEl("div", { class: "cv-empty", hidden: true });
  private readonly toolbar: Toolbar;
  private readonly palette: Palette;
  private readonly legend: Legend;
  /** The map's own fields, kinds and style rules (vocabulary-dialog.ts). */
  private readonly vocabulary: VocabularyDialog;
  private readonly panel: Panel;
  /** The panel's frame: a bottom sheet on a narrow screen (bottom-sheet.ts). */
  readonly sheet: BottomSheet;
  /** "Connect to…" from the keyboard (connect-picker.ts). */
  private readonly connectPicker = new ConnectPicker((to) => this.connectFromPicker(to));
  private readonly announcer = new Announcer();
  /** Saved views and presenting them (views-control.ts). */
  private readonly views: SavedViews;
  private readonly gestures: Gestures;
  /** Many elements moved at once (a layout, here or elsewhere) glide there. */
  private readonly glide: Glide;
  private readonly layer = new ViewLayer(this.svg, this.viewportGroup, (vp) => this.drawnAt(vp));

  private readonly doc_: ConveneDocument;
  private readonly live: boolean;
  private readonly readOnly: boolean;
  private sizeCache: Size | undefined;
  private needsFit = false;
  private selected = new Set<IdKey>();
  private currentTool: Tool = { name: "select" };
  /** Search, filters, focus and paths: they fade and mark, never hide (find-focus.ts). */
  private readonly lens: FindAndFocus;
  private showDisagreement = true;
  private followId: string | undefined;
  private animation: number | undefined;
  /** Where the running animation ends: a zoom clicked meanwhile starts from there. */
  private animationTarget: Viewport | undefined;
  private participantsSig = "";
  private readonly cursors = new Map<string, SVGGElement>();
  private readonly savedViewports = new Map<IdKey, Viewport>();
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly ctx: AppContext,
    options: MapViewOptions,
  ) {
    this.doc_ = options.doc ?? ctx.doc;
    this.live = options.doc === undefined || options.doc === ctx.doc;
    this.readOnly = !!options.readOnly;
    this.scene = new Scene(
      {
        doc: () => this.doc_,
        colourOf: (id) => this.colourOf(id),
        nameOf: (id) => this.nameOf(id),
        viewMoving: () => this.layer.moving(),
        farChanged: () => this.paintFarSoon(true),
      },
      { interactive: true, filter: new Set(), showDisagreement: true, remote: new Map() },
    );
    this.views = new SavedViews({
      doc: () => this.doc_,
      currentMap: () => this.map,
      editable: () => this.editable(),
      root: this.root,
      me: () => this.ctx.me,
      viewport: () => this.vp,
      size: () => this.size(),
      setViewport: (v, animate, duration) => this.setViewport(v, animate, duration),
      filter: () => this.lens.filter,
      setFilter: (f) => this.lens.setFilter(f),
      selection: () => this.selected,
      select: (ids) => this.select(ids),
      tryEdit: (edit) => this.tryEdit(edit),
      edited: (checkpoint) => this.edited(checkpoint),
      sendPresence: (update) => this.sendPresence(update),
      setAskToFollow: (asking) =>
        this.root.dispatchEvent(new CustomEvent("asktofollow", { detail: { asking } })),
      toast: (message) => this.ctx.toast(message, "info"),
    });
    this.toolbar = new Toolbar({
      maps: () => this.doc_.maps(),
      currentMap: () => this.map,
      editable: () => this.editable(),
      showMap: (map) => this.showMap(map),
      createMap: () => this.createMap(),
      renameMap: (name) => this.renameMap(name),
      setTool: (tool) => this.setTool({ name: tool }),
      setShowDisagreement: (show) => this.setShowDisagreement(show),
      exportSvg: () => this.downloadSvg(),
      find: () => this.lens.find(),
      toggleFilters: () => this.lens.toggleFilters(),
      vocabulary: () => this.vocabulary.open(),
      layoutMenu: layoutMenuHost({
        doc: () => this.doc_,
        currentMap: () => this.map,
        editable: () => this.editable(),
        isShown: (id) => this.scene.isShown(id),
        selection: () => this.selected,
        tryEdit: (edit) => this.tryEdit(edit),
        edited: (checkpoint) => this.edited(checkpoint),
        toast: (message) => this.ctx.toast(message, "info"),
      }),
      viewsMenu: this.views.menu,
    });
    this.palette = new Palette({
      editable: () => this.editable() && this.map !== undefined,
      armed: () => (this.currentTool.name === "place" ? this.currentTool.kind : undefined),
      armedCustom: () =>
        this.currentTool.name === "place" ? this.currentTool.customKind : undefined,
      arm: (kind, customKind) =>
        this.setTool(kind === undefined ? { name: "select" } : { name: "place", kind, customKind }),
      drop: (kind, x, y, custom) => this.dropFromPalette(kind, x, y, custom),
      placeAtCentre: (kind, custom) =>
        this.placeElement(kind, { x: this.vp.x, y: this.vp.y }, custom),
      customKinds: () => (this.map === undefined ? [] : this.doc_.kindsOf(this.map)),
    });
    this.lens = new FindAndFocus({
      doc: () => this.doc_,
      scene: this.scene,
      currentMap: () => this.map,
      selection: () => this.selected,
      select: (ids) => this.select(ids),
      viewport: () => this.vp,
      size: () => this.size(),
      insets: () => this.fitInsets(this.size()),
      goTo: (v) => {
        // A view's focus does not move the view: the view's own viewport does.
        if (this.views.applying) return;
        if (this.followId !== undefined) this.userViewport(this.vp);
        this.setViewport(v, true, 420);
      },
      memberName: (memberId) => this.memberName(memberId),
      focusCanvas: () => this.svg.focus({ preventScroll: true }),
      setHint: (text) => this.setHint(text),
      changed: () => {
        this.legend.refresh();
        this.toolbar.setFiltersShown(this.lens.panel.isOpen(), this.lens.filtering());
        this.views.changed();
      },
    });
    this.legend = new Legend({
      filter: () => this.lens.filter,
      setFilter: (f) => this.lens.setFilter(f),
      showFilters: () => this.lens.toggleFilters(true),
    });
    this.panel = new Panel({
      doc: () => this.doc_,
      editable: () => this.editable(),
      myId: () => (this.editable() ? ctx.me.id : undefined),
      nameOf: (id) => this.nameOf(id),
      colourOf: (id) => this.colourOf(id),
      commit: (edit) => this.commit(edit),
      removeSelection: () => this.removeSelection(),
      select: (ids) => this.select(ids),
      connectFrom: () => this.openConnectPicker(),
    });
    this.sheet = new BottomSheet(this.panel.element, "Details", () => this.focusSelection());
    this.sheet.setSummary("Nothing selected");
    // A phone starts with the legend folded: open, it would cover the map.
    if (typeof matchMedia === "function" && matchMedia("(max-width: 720px)").matches)
      this.legend.element.open = false;
    this.vocabulary = new VocabularyDialog({
      doc: () => this.doc_,
      currentMap: () => this.map,
      editable: () => this.editable(),
      commit: (edit) => this.commit(edit),
    });
    this.gestures = new Gestures(this);
    this.glide = new Glide(this.root, this.scene);
    this.buildDom();
    this.listen();
    const first = this.doc_.maps()[0];
    this.showMap(first?.id);
  }

  // ---- construction ------------------------------------------------------------------

  private buildDom(): void {
    this.viewportGroup.append(this.scene.root, this.draftLayer);
    this.svg.append(this.viewportGroup);
    this.matchGroup.append(this.scene.marksRoot);
    this.layer.addOverlay(this.matchOverlay, this.matchGroup);
    this.layer.addOverlay(this.farView.canvas, () => this.paintFarSoon(false));
    this.stage.append(
      this.grid,
      this.farView.canvas,
      this.svg,
      this.matchOverlay,
      this.cursorOverlay,
      this.palette.element,
      this.legend.element,
      this.lens.panel.element,
      this.lens.finder.element,
      this.zoomControls(),
      this.connectPicker.element,
      this.announcer.element,
      this.hint,
      this.empty,
    );
    this.root.append(
      this.toolbar.element,
      htmlEl("div", { class: "cv-body" }, [this.stage, this.sheet.element]),
    );
  }

  private zoomControls(): HTMLElement {
    const button = (testid: string, label: string, icon: string[], action: () => void) => {
      const b = htmlEl(
        "button",
        {
          type: "button",
          class: "cv-icon-btn",
          "data-testid": testid,
          title: label,
          "aria-label": label,
        },
        [iconSvg(icon, 18)],
      );
      b.addEventListener("click", action);
      return b;
    };
    return htmlEl("div", { class: "cv-zoom" }, [
      button("zoom-in", "Zoom in", TOOL_ICONS.plus, () => this.zoomBy(1.4)),
      button("zoom-out", "Zoom out", TOOL_ICONS.minus, () => this.zoomBy(1 / 1.4)),
      button("zoom-fit", "Fit to map", TOOL_ICONS.fit, () => this.fit(true)),
    ]);
  }

  private listen(): void {
    if (this.live) this.cleanups.push(this.ctx.onChange((changes) => this.onChange(changes)));
    this.cleanups.push(this.ctx.onPresence(() => this.onPresence()));
    // Elements take focus (Tab): the focused one is selected and brought into view.
    this.svg.addEventListener("focusin", (e) => this.focused(e.target));
    const keydown = (e: KeyboardEvent) => this.keydown(e);
    const keyup = (e: KeyboardEvent) => this.keyup(e);
    window.addEventListener("keydown", keydown);
    window.addEventListener("keyup", keyup);
    this.cleanups.push(() => window.removeEventListener("keydown", keydown));
    this.cleanups.push(() => window.removeEventListener("keyup", keyup));
    if (typeof ResizeObserver !== "undefined") {
      const observer = new ResizeObserver(() => this.resized());
      observer.observe(this.svg);
      this.cleanups.push(() => observer.disconnect());
    }
  }

  // ---- modes and rights ------------------------------------------------------------------

  editable(): boolean {
    return this.ctx.canEdit && this.live && !this.readOnly;
  }

  private presenceEnabled(): boolean {
    return this.live && !this.readOnly;
  }

  doc(): ConveneDocument {
    return this.doc_;
  }

  tool(): Tool {
    return this.currentTool;
  }

  currentMap(): IdKey | undefined {
    return this.map;
  }

  setTool(tool: Tool): void {
    if (tool.name !== "select" && !this.editable()) tool = { name: "select" };
    this.gestures.cancel();
    this.currentTool = tool;
    this.toolbar.setTool(tool.name === "place" ? "select" : (tool.name as ToolName));
    this.palette.refresh();
    this.root.dataset.tool = tool.name;
    this.setHint(this.hintFor(tool));
  }

  private hintFor(tool: Tool): string | undefined {
    const drawing =
      "click to add points; double-click or Enter to finish, Backspace removes a point, Esc cancels.";
    switch (tool.name) {
      case "place": {
        const map = this.map;
        const custom = map
          ? this.doc_.kindsOf(map).find((k) => k.id === tool.customKind)
          : undefined;
        const name = custom?.name || kindInfo(tool.kind).label.toLowerCase();
        return `Click on the map to place ${withArticle(name)} (Enter: at the centre, Esc: cancel).`;
      }
      case "me":
        return this.myElement()
          ? "Click where you stand now: your marker moves there. Esc cancels."
          : "Click on the map where you see yourself. Esc cancels.";
      case "connect":
        return "Drag from one element to another, or click one and then the other.";
      case "boundary":
        return "Boundary: " + drawing;
      case "region":
        return "Region: " + drawing;
      case "sphere":
        return "Your sphere of influence: " + drawing;
      default:
        return undefined;
    }
  }

  setHint(text: string | undefined): void {
    this.hint.hidden = !text;
    this.hint.textContent = text ?? "";
  }

  // ---- maps ---------------------------------------------------------------------------------

  showMap(map: IdKey | undefined): void {
    if (map !== undefined && !this.doc_.maps().some((m) => m.id === map)) map = undefined;
    if (this.map !== undefined) this.savedViewports.set(this.map, { ...this.vp });
    const changed = map !== this.map;
    this.map = map;
    this.selected = new Set();
    this.gestures.cancel();
    this.setTool({ name: "select" });
    this.refreshChrome();
    this.panel.show([]);
    const saved = map !== undefined ? this.savedViewports.get(map) : undefined;
    // Measured before the map's nodes go in: measuring after them would lay
    // them all out once more than the coming frame does (a large map's load).
    const size = saved ? undefined : this.measure();
    const insets = size && this.fitInsets(size);
    // The zoom it will be shown at, first: the scene draws the detail that
    // shows at it (levelOfDetail), not everything and then less.
    const bounds = map === undefined ? undefined : documentBounds(this.doc_, map);
    const zoom = saved?.zoom ?? fitViewport(bounds, size!, insets).zoom;
    this.scene.setZoom(zoom);
    // Far out, a large map is painted rather than built (far-view.ts).
    this.scene.setFarView(map !== undefined && this.farWanted(zoom, this.documentEntities(map)));
    this.scene.render(map);
    this.scene.setSelection(this.selected);
    this.lens.mapShown();
    if (saved) this.setViewport(saved, false);
    else this.fit(false, size, insets);
    // Drawn at its viewport for the first frame: no second repaint when a
    // large map's layer would have been moved there (view-layer.ts).
    this.layer.flush();
    this.sendPresence({ selection: [] });
    this.onPresence();
    if (changed) this.root.dispatchEvent(new CustomEvent("mapchange", { detail: { map } }));
  }

  private refreshChrome(): void {
    this.root.classList.toggle("cv-readonly", !this.editable());
    this.scene.setEditableHandles(this.editable());
    this.toolbar.refresh();
    this.palette.refresh();
    renderVocabularyLegend(this.legend.vocabulary, this.doc_, this.map);
    this.vocabulary.sync();
    this.renderEmptyState();
  }

  private renderEmptyState(): void {
    const hasMaps = this.doc_.maps().length > 0;
    this.empty.hidden = this.map !== undefined;
    this.root.classList.toggle("cv-no-map", this.map === undefined);
    this.root.classList.toggle("cv-no-maps", !hasMaps);
    if (this.map !== undefined) {
      this.empty.replaceChildren();
      return;
    }
    const parts: HTMLElement[] = [
      htmlEl("div", { class: "cv-empty-art" }, [iconSvg(TOOL_ICONS.region, 56)]),
    ];
    if (hasMaps) {
      parts.push(
        htmlEl("h2", {}, ["Choose a map"]),
        htmlEl("p", {}, ["Pick one of this convening's maps above."]),
      );
    } else {
      parts.push(
        htmlEl("h2", {}, ["No map yet"]),
        htmlEl("p", {}, [
          "A landscape map shows who and what matters here: institutions, projects, communities, people, and how they connect.",
        ]),
      );
      if (this.editable()) {
        const create = htmlEl(
          "button",
          { type: "button", class: "cv-btn cv-primary", "data-testid": "map-new" },
          [iconSvg(TOOL_ICONS.plus, 16), "New map"],
        );
        create.addEventListener("click", () => this.createMap());
        parts.push(create);
      } else {
        parts.push(
          htmlEl("p", { class: "cv-muted" }, ["When someone starts one, it appears here."]),
        );
      }
    }
    this.empty.replaceChildren(htmlEl("div", { class: "cv-empty-card" }, parts));
  }

  private createMap(): void {
    const names = new Set(this.doc_.maps().map((m) => m.name));
    let n = this.doc_.maps().length + 1;
    while (names.has(`Map ${n}`)) n++;
    const id = this.tryEdit(() => this.doc_.createMap(`Map ${n}`));
    if (id === undefined) return;
    this.edited(true);
    this.showMap(id);
    this.toolbar.startRename();
  }

  private renameMap(name: string): void {
    const map = this.map;
    if (map === undefined) return;
    this.tryEdit(() => this.doc_.rename(map, truncateUtf8(name, 200)));
    this.edited(true);
  }

  // ---- document changes -------------------------------------------------------------------

  private onChange(changes: { entities: Set<IdKey>; structure: boolean }): void {
    if (changes.structure || (this.map !== undefined && changes.entities.has(this.map))) {
      const maps = this.doc_.maps();
      if (this.map === undefined || !maps.some((m) => m.id === this.map)) {
        this.showMap(maps[0]?.id);
        return;
      }
      this.refreshChrome();
    }
    if (this.map === undefined) return;
    const drawn = this.glide.before(changes.entities);
    const wasLarge = this.large();
    const shownAt = this.layer.drawnViewport()?.vp ?? this.vp;
    // A change that may make the map large (an import) knows first whether
    // the far view paints it, so that it is not built only to be painted.
    if (changes.entities.size > FAR_VIEW_MIN)
      this.scene.setFarView(this.farWanted(shownAt.zoom, this.documentEntities(this.map)));
    this.scene.update(changes.entities);
    // Grown large or small, or past the far view's size: the culling and the far view follow.
    if (this.large() !== wasLarge || this.farWanted(shownAt.zoom) !== this.scene.farView)
      this.drawnAt(shownAt);
    this.glide.after(drawn);
    this.lens.entitiesChanged(changes.entities);
    this.pruneSelection();
    this.panel.sync(changes.entities);
    this.sheet.setSummary(this.selectionName());
    if (this.currentTool.name === "me") this.setHint(this.hintFor(this.currentTool));
    this.views.changed();
  }

  private pruneSelection(): void {
    const alive = [...this.selected].filter(
      (id) => this.scene.typeOf(id) !== undefined || this.exists(id),
    );
    if (alive.length !== this.selected.size) this.select(alive);
  }

  private exists(id: IdKey): boolean {
    const doc = this.doc_;
    const view = doc.element(id) ?? doc.connection(id) ?? doc.shape(id);
    return view !== undefined && view.map === this.map;
  }

  repaint(): void {
    const maps = this.doc_.maps();
    if (this.map === undefined || !maps.some((m) => m.id === this.map)) {
      this.showMap(maps[0]?.id);
      return;
    }
    this.scene.render(this.map);
    this.selected = new Set([...this.selected].filter((id) => this.exists(id)));
    this.scene.setSelection(this.selected);
    this.lens.redrawn();
    this.refreshChrome();
    this.panel.show([...this.selected]);
    this.onPresence();
  }

  // ---- selection ---------------------------------------------------------------------------

  selection(): ReadonlySet<IdKey> {
    return this.selected;
  }

  select(ids: Iterable<IdKey>): void {
    // What the filter fades is no target, whichever way it is reached.
    const faded = this.scene.marked("faded");
    const next = new Set([...ids].filter((id) => !faded.has(id)));
    if (sameSet(next, this.selected)) return;
    this.selected = next;
    this.scene.setSelection(next);
    this.panel.show([...next]);
    this.sendPresence({ selection: [...next].map(keyToId) });
    this.lens.selectionChanged(next);
    // An element focused before a tap elsewhere keeps no ring of its own.
    const active = document.activeElement;
    if (active?.matches(".cv-element") && !next.has(active.getAttribute("data-id") ?? ""))
      this.svg.focus({ preventScroll: true });
    const name = this.selectionName();
    this.sheet.setSummary(name);
    if (next.size === 0) this.sheet.setState("collapsed");
    this.announcer.say(next.size > 0 ? `Selected: ${name}` : "");
  }

  /** What is selected, in a few words (the sheet's peek, the announcement). */
  private selectionName(): string {
    const ids = [...this.selected];
    if (ids.length === 0) return "Nothing selected";
    if (ids.length > 1) return `${ids.length} selected`;
    const doc = this.doc_;
    const nameOf = (id: IdKey) => {
      const f = doc.element(id)?.fields;
      return f ? f.label || kindInfo(f.kind).label : "?";
    };
    const element = doc.element(ids[0]);
    if (element) return `${nameOf(ids[0])}, ${kindInfo(element.fields.kind).label.toLowerCase()}`;
    const connection = doc.connection(ids[0]);
    if (connection) return `Connection ${nameOf(connection.from)} to ${nameOf(connection.to)}`;
    return doc.shape(ids[0])?.geometry === Geometry.POLYGON ? "Region" : "Boundary";
  }

  /** Focus back on the map after a panel field let it go: the selected element, else the canvas. */
  private focusSelection(): void {
    const only = this.selected.size === 1 ? [...this.selected][0] : undefined;
    const node = only === undefined ? undefined : this.scene.revealElement(only);
    (node ?? this.svg).focus({ preventScroll: true });
  }

  /** "]" and "[": the next or previous element in reading order, selected and focused. */
  private stepElement(step: 1 | -1): boolean {
    if (this.map === undefined) return false;
    const shown = [...this.scene.elements.values()]
      .filter((record) => this.scene.isShown(record.view.id))
      .map((record) => ({ id: record.view.id, ...positionOf(record.view) }));
    const current = this.selected.size === 1 ? [...this.selected][0] : undefined;
    const next = stepThrough(readingOrder(shown), current, step);
    if (next === undefined) return false;
    // Focus selects it and brings it into view (focused()).
    this.scene.revealElement(next)?.focus();
    return true;
  }

  /** "c" or the panel's "Connect to…": pick the other end of a new connection. */
  private openConnectPicker(): boolean {
    const from = this.selected.size === 1 ? [...this.selected][0] : undefined;
    const source = from === undefined ? undefined : this.doc_.element(from);
    if (!source || this.map === undefined || !this.editable()) return false;
    const shown = this.doc_.elements(this.map).filter((e) => e.id !== from);
    const order = readingOrder(shown.map((e) => ({ id: e.id, ...positionOf(e) })));
    const byId = new Map(shown.map((e) => [e.id, e]));
    const candidates = order.map((id) => {
      const f = byId.get(id)!.fields;
      return { id, label: f.label ?? "", kind: kindInfo(f.kind).label };
    });
    this.connectPicker.open(source.fields.label || kindInfo(source.fields.kind).label, candidates);
    return true;
  }

  /** The picker's choice: connected, selected, and its kind field focused to go on. */
  private connectFromPicker(to: IdKey): void {
    const from = this.selected.size === 1 ? [...this.selected][0] : undefined;
    if (from === undefined) return;
    this.connect(from, to);
    const connection = [...this.selected][0];
    if (connection === from) return;
    this.panel.element.querySelector<HTMLElement>('[data-testid="panel-kind"]')?.focus();
    this.announcer.say(`Connected: ${this.selectionName()}`);
  }

  private focused(target: EventTarget | null): void {
    const node = target instanceof Element ? target.closest(".cv-element[data-id]") : null;
    const id = node?.getAttribute("data-id");
    const element = id ? this.scene.elements.get(id) : undefined;
    if (!id || !element || this.selected.has(id)) return;
    this.select([id]);
    const at = mapToScreen(positionOf(element.view), this.vp, this.size());
    const size = this.size();
    const margin = 60;
    const outside =
      at.x < margin || at.y < margin || at.x > size.width - margin || at.y > size.height - margin;
    if (outside) this.userViewport({ ...this.vp, ...positionOf(element.view) });
  }

  focusLabel(): void {
    const field = this.panel.labelField();
    if (field && !field.disabled) {
      field.focus();
      field.select();
    }
  }

  // ---- edits -----------------------------------------------------------------------------------

  tryEdit<T>(edit: () => T): T | undefined {
    try {
      return edit();
    } catch (error) {
      const message =
        error instanceof EditError || error instanceof Error ? error.message : String(error);
      this.ctx.toast(message || "That change was refused.", "error");
      return undefined;
    }
  }

  edited(checkpoint: boolean): void {
    this.ctx.edited(checkpoint);
  }

  /** One edit that completes an undo step; a refusal is reported. */
  private commit(edit: () => void): void {
    this.tryEdit(edit);
    this.edited(true);
  }

  /** Places an element of a built-in kind, or of one of the map's custom kinds on its base. */
  placeElement(kind: ElementKind, at: Pt, customKind?: IdKey): void {
    const map = this.map;
    if (map === undefined || !this.editable()) return;
    const position = { x: clampCoordinate(at.x), y: clampCoordinate(at.y) };
    const id = this.tryEdit(() => {
      const created = this.doc_.createElement(map, { kind, label: "", position });
      if (customKind !== undefined) this.doc_.setCustomKind(created, customKind);
      return created;
    });
    if (id === undefined) return;
    this.edited(true);
    this.afterCreate(id);
    this.focusLabel();
  }

  /** Draws a just-created entity at once and selects it; back to selecting. */
  private afterCreate(id: IdKey): void {
    this.scene.update([id]);
    this.setTool({ name: "select" });
    this.select([id]);
  }

  private dropFromPalette(
    kind: ElementKind,
    clientX: number,
    clientY: number,
    customKind?: IdKey,
  ): boolean {
    const at = this.gestures.clientToMap(clientX, clientY);
    if (!at) return false;
    this.placeElement(kind, at, customKind);
    return true;
  }

  private myElement(): IdKey | undefined {
    if (this.map === undefined) return undefined;
    const me = this.ctx.me.id;
    return this.doc_.elements(this.map).find((e) => e.fields.selfOf === me)?.id;
  }

  putMeAt(at: Pt): void {
    const map = this.map;
    if (map === undefined || !this.editable()) return;
    const position = { x: clampCoordinate(at.x), y: clampCoordinate(at.y) };
    const existing = this.myElement();
    const me = this.ctx.me;
    const id = existing
      ? this.tryEdit(() => {
          this.doc_.updateElement(existing, { position });
          return existing;
        })
      : this.tryEdit(() =>
          this.doc_.createElement(map, {
            kind: ElementKind.PERSON,
            label: truncateUtf8(me.name, 200),
            selfOf: me.id,
            position,
          }),
        );
    if (id === undefined) return;
    this.edited(true);
    this.afterCreate(id);
  }

  finishShape(tool: "boundary" | "region" | "sphere", raw: Pt[]): void {
    const map = this.map;
    if (map === undefined) return;
    const points = dropRepeatedPoints(raw, 3 / this.vp.zoom);
    const geometry = tool === "boundary" ? Geometry.POLYLINE : Geometry.POLYGON;
    const needed = geometry === Geometry.POLYLINE ? 2 : 3;
    if (points.length < needed) {
      if (raw.length > 0) this.ctx.toast(`Add at least ${needed} points.`, "info");
      this.setTool({ name: "select" });
      return;
    }
    const path = { points };
    let id: IdKey | undefined;
    if (tool === "sphere") {
      // One sphere per person per map: drawing again redraws it.
      const me = this.ctx.me.id;
      const existing = this.doc_.shapes(map).find((s) => s.fields.sphereOf === me)?.id;
      id = existing
        ? this.tryEdit(() => {
            this.doc_.updateShape(existing, { path });
            return existing;
          })
        : this.tryEdit(() => this.doc_.createShape(map, geometry, { path, sphereOf: me }));
    } else {
      id = this.tryEdit(() => this.doc_.createShape(map, geometry, { path }));
    }
    if (id === undefined) return;
    this.edited(true);
    this.afterCreate(id);
  }

  connect(from: IdKey, to: IdKey): void {
    const map = this.map;
    if (map === undefined || from === to || !this.editable()) return;
    const id = this.tryEdit(() =>
      this.doc_.createConnection(map, from, to, {
        direction: Direction.FORWARD,
        depth: 1,
        kind: ConnectionKind.UNSPECIFIED,
      }),
    );
    if (id === undefined) return;
    this.edited(true);
    this.scene.update([id]);
    this.select([id]);
  }

  removeSelection(): void {
    if (!this.editable() || this.selected.size === 0) return;
    // Connections and shapes first: an element's removal hides its connections.
    const order = [...this.selected].sort(
      (a, b) => rank(this.scene.typeOf(a)) - rank(this.scene.typeOf(b)),
    );
    this.tryEdit(() => {
      // A connection whose end went first is hidden already, and hidden
      // entities cannot be edited.
      for (const id of order) if (this.exists(id)) this.doc_.remove(id);
    });
    this.edited(true);
    this.scene.update(order);
    this.select([]);
  }

  private nudge(dx: number, dy: number): void {
    const doc = this.doc_;
    let moved = false;
    this.tryEdit(() => {
      for (const id of this.selected) {
        const element = doc.element(id);
        if (!element) continue;
        const p = positionOf(element);
        doc.updateElement(id, {
          position: { x: clampCoordinate(p.x + dx), y: clampCoordinate(p.y + dy) },
        });
        moved = true;
      }
    });
    if (moved) this.edited(true);
  }

  // ---- viewport ------------------------------------------------------------------------------

  size(): Size {
    if (!this.sizeCache) this.sizeCache = this.measure();
    return this.sizeCache;
  }

  private measure(): Size {
    const rect = this.stage.getBoundingClientRect();
    if (rect.width > 0 && rect.height > 0) return { width: rect.width, height: rect.height };
    return FALLBACK_SIZE;
  }

  private resized(): void {
    const measured = this.measure();
    // Hidden (another tab of the app): keep the last real size and viewport.
    if (measured === FALLBACK_SIZE) return;
    this.sizeCache = measured;
    if (this.needsFit) this.fit(false);
    else this.applyViewport();
  }

  viewport(): Viewport {
    return this.vp;
  }

  setViewport(v: Viewport, animate: boolean, duration = ANIMATION_MS): void {
    if (!Number.isFinite(v.x) || !Number.isFinite(v.y) || !(v.zoom > 0)) return;
    this.stopAnimation();
    const target = { x: v.x, y: v.y, zoom: clampZoom(v.zoom) };
    if (!animate || typeof requestAnimationFrame === "undefined") {
      this.vp = target;
      this.applyViewport();
      return;
    }
    const from = { ...this.vp };
    const start = performance.now();
    this.animationTarget = target;
    // performance.now() rather than the frame's timestamp, which some
    // environments measure from another origin.
    const step = () => {
      const t = Math.max(0, Math.min(1, (performance.now() - start) / duration));
      this.vp = interpolateViewport(from, target, easeInOut(t));
      this.applyViewport();
      this.animation = t < 1 ? requestAnimationFrame(step) : undefined;
      if (t >= 1) this.animationTarget = undefined;
    };
    this.animation = requestAnimationFrame(step);
  }

  private stopAnimation(): void {
    if (this.animation !== undefined) cancelAnimationFrame(this.animation);
    this.animation = undefined;
    this.animationTarget = undefined;
  }

  userViewport(v: Viewport): void {
    if (this.followId !== undefined) {
      this.follow(undefined);
      this.root.dispatchEvent(new CustomEvent("followchange", { detail: { memberId: undefined } }));
    }
    this.setViewport(v, false);
  }

  private applyViewport(): void {
    const size = this.size();
    this.layer.show(this.vp, size, this.large());
    this.paintGrid(size);
    this.gestures.refreshDraft();
    this.renderCursors();
    this.sendPresence({ viewport: { ...this.vp } });
  }

  /** The zoom-dependent detail, once the drawing is redrawn at a viewport. */
  private drawnAt(vp: Viewport): void {
    // Far out, a large map's elements and connections are painted, not built.
    this.scene.setFarView(this.farWanted(vp.zoom));
    if (this.large()) {
      // Only a large map's layer moves without a redraw (view-layer.ts).
      const shown = shownArea(vp, this.size());
      const bounds = this.scene.bounds();
      this.layer.allDrawn = !bounds || contains(shown, bounds, 0);
      this.scene.setShownArea(shown);
    } else {
      this.scene.setShownArea(undefined);
    }
    this.scene.setZoom(vp.zoom);
    this.root.classList.toggle("cv-zoomed-out", vp.zoom < ZOOMED_OUT);
    this.root.classList.toggle("cv-zoomed-far", vp.zoom < ZOOMED_FAR);
  }

  /**
   * Paints the far view once the current task is done (a change may ask more
   * than once), before the frame: what the scene gives it if that `changed`,
   * at the viewport the drawing was last redrawn at (the canvas moves with it).
   */
  private paintFarSoon(changed: boolean): void {
    const queued = this.farPaint !== "none";
    if (changed) this.farPaint = "changed";
    else if (!queued) this.farPaint = "repaint";
    if (queued) return;
    queueMicrotask(() => {
      if (this.farPaint === "changed") this.farView.show(this.scene.farItems());
      this.farPaint = "none";
      const drawn = this.layer.drawnViewport();
      if (drawn) this.farView.draw(drawn.vp, drawn.size);
    });
  }

  /** Large enough that its view moves by moving its layer (view-layer.ts). */
  private large(): boolean {
    return this.scene.connections.size + this.scene.elements.size > LARGE_MAP;
  }

  /**
   * A live map with more than FAR_VIEW_MIN entities (those drawn, unless
   * `entities` says how many there will be), seen from farther than
   * ZOOMED_FAR: painted by the far view (far-view.ts).
   */
  private farWanted(zoom: number, entities?: number): boolean {
    const count = entities ?? this.scene.connections.size + this.scene.elements.size;
    return this.live && count > FAR_VIEW_MIN && zoom < ZOOMED_FAR;
  }

  private documentEntities(map: IdKey): number {
    return this.doc_.elements(map).length + this.doc_.connections(map).length;
  }

  /** The dotted background moves and scales with the map, at a legible density. */
  private paintGrid(size: Size): void {
    let spacing = 32 * this.vp.zoom;
    while (spacing < 16) spacing *= 4;
    const ox = size.width / 2 - this.vp.x * this.vp.zoom;
    const oy = size.height / 2 - this.vp.y * this.vp.zoom;
    this.grid.style.backgroundSize = `${spacing}px ${spacing}px`;
    this.grid.style.backgroundPosition = `${ox % spacing}px ${oy % spacing}px`;
  }

  /** `size` and `insets` when measured already (showMap); measured now otherwise. */
  private fit(animate: boolean, size = this.measure(), insets = this.fitInsets(size)): void {
    this.needsFit = size === FALLBACK_SIZE;
    const target = fitViewport(this.scene.bounds(), size, insets);
    this.setViewport(target, animate);
  }

  /** Keeps fitted content clear of the palette and legend when there is room. */
  private fitInsets(size: Size): Insets {
    const margin = 40;
    const floating = Math.max(this.palette.element.offsetWidth, this.legend.element.offsetWidth);
    const left = floating > 0 && size.width > 3 * floating ? floating + 24 : margin;
    return { left, right: margin + 40, top: margin + 10, bottom: margin };
  }

  private zoomBy(factor: number): void {
    const size = this.size();
    const centre = { x: size.width / 2, y: size.height / 2 };
    // Clicked again while the last zoom glides: both count.
    const from = this.animationTarget ?? this.vp;
    this.setViewport(zoomAt(from, size, centre, factor), true, 180);
  }

  // ---- presence ------------------------------------------------------------------------------

  private sendPresence(update: Record<string, unknown>): void {
    if (!this.presenceEnabled()) return;
    const map = this.map === undefined ? undefined : keyToId(this.map);
    this.ctx.setPresence({ map, ...update });
  }

  cursorMoved(at: Pt): void {
    this.sendPresence({ cursor: { x: at.x, y: at.y } });
  }

  follow(memberId: string | undefined): void {
    this.followId = memberId && memberId !== this.ctx.me.id ? memberId : undefined;
    this.sendPresence({ following: this.followId ?? "" });
    if (this.followId) this.applyFollow();
    else this.views.follow(undefined);
  }

  private applyFollow(): void {
    const leader = this.followId ? this.ctx.participant(this.followId) : undefined;
    if (!leader) {
      if (this.followId) this.ctx.toast("The person you were following has left.", "info");
      this.followId = undefined;
      this.views.follow(undefined);
      return;
    }
    const map = idToKey(leader.presence?.map);
    if (map !== undefined && map !== this.map && this.doc_.maps().some((m) => m.id === map))
      this.showMap(map);
    const v = leader.presence?.viewport;
    if (v && v.zoom > 0 && map === this.map) {
      const far =
        Math.abs(v.zoom / this.vp.zoom - 1) > 0.5 ||
        Math.hypot(v.x - this.vp.x, v.y - this.vp.y) * this.vp.zoom > 400;
      this.setViewport(
        { x: v.x, y: v.y, zoom: v.zoom },
        true,
        far ? ANIMATION_MS : FOLLOW_ANIMATION_MS,
      );
    }
    // The saved view they show: its filter too, here.
    this.views.follow(map === this.map ? idToKey(leader.presence?.view) : undefined);
  }

  /** Others here: their cursors and selections on this map, and their colours. */
  private onPresence(): void {
    const others = this.othersHere();
    if (this.presenceEnabled()) {
      const remote = new Map<IdKey, string[]>();
      for (const p of others) {
        for (const opId of p.presence?.selection ?? []) {
          const key = idToKey(opId);
          if (key === undefined) continue;
          if (!remote.has(key)) remote.set(key, []);
          remote.get(key)!.push(p.colour);
        }
      }
      this.scene.setRemote(remote);
    }
    const sig = this.ctx
      .participants()
      .map((p) => `${p.id}:${p.colour}:${p.name}`)
      .join("|");
    if (sig !== this.participantsSig) {
      this.participantsSig = sig;
      this.scene.repaintParticipants();
      this.panel.sync(undefined);
    }
    this.renderCursors(true);
    if (this.followId) this.applyFollow();
  }

  private othersHere(): Participant[] {
    if (this.map === undefined || !this.presenceEnabled()) return [];
    return this.ctx
      .participants()
      .filter((p) => p.id !== this.ctx.me.id && idToKey(p.presence?.map) === this.map);
  }

  /**
   * Others' cursors, keyed by member so each glides (a CSS transition) from
   * one presence update to the next; my own pans and zooms move them at once.
   */
  private renderCursors(glide = false): void {
    const size = this.size();
    const seen = new Set<string>();
    for (const p of this.othersHere()) {
      const c = p.presence?.cursor;
      if (!c) continue;
      seen.add(p.id);
      const at = mapToScreen(c, this.vp, size);
      let node = this.cursors.get(p.id);
      const look = `${p.name}|${p.colour}`;
      if (!node || node.dataset.look !== look) {
        node?.remove();
        node = cursorNode(p.name || "Someone", p.colour);
        node.dataset.look = look;
        node.setAttribute("data-member", p.id);
        this.cursors.set(p.id, node);
        this.cursorLayer.append(node);
        glide = false;
      }
      node.style.transition = glide ? "" : "none";
      node.style.transform = `translate(${Math.round(at.x)}px, ${Math.round(at.y)}px)`;
    }
    for (const [id, node] of this.cursors) {
      if (seen.has(id)) continue;
      node.remove();
      this.cursors.delete(id);
    }
  }

  colourOf(participant: string): string {
    const p = this.ctx.participant(participant);
    if (p) return p.colour;
    if (participant === this.ctx.me.id) return this.ctx.me.colour;
    return fallbackColour(participant);
  }

  nameOf(participant: string): string {
    const p = this.ctx.participant(participant);
    if (p) return p.name;
    if (participant === this.ctx.me.id) return this.ctx.me.name;
    // Someone who is not online: their "me" element carries their name.
    for (const record of this.scene.elements.values()) {
      if (record.view.fields.selfOf === participant && record.view.fields.label)
        return record.view.fields.label;
    }
    return `Someone (${participant.slice(0, 6)})`;
  }

  // ---- filter and toggles ------------------------------------------------------------------------

  /** A member's name: theirs when known (online, or in the members list), else "someone". */
  private memberName(memberId: string): string {
    // The session is adding memberOfReplica to the context; until then, who is online.
    const members = this.ctx as AppContext & {
      memberOfReplica?(replica: bigint): { id: string; name: string } | undefined;
    };
    const known =
      (/^[0-9a-f]{1,16}$/.test(memberId)
        ? members.memberOfReplica?.(BigInt(`0x${memberId}`))?.name
        : undefined) ??
      this.ctx.participant(memberId)?.name ??
      (memberId === this.ctx.me.id ? this.ctx.me.name : undefined);
    return known || "someone";
  }

  private setShowDisagreement(show: boolean): void {
    this.showDisagreement = show;
    this.scene.setShowDisagreement(show);
    this.legend.setDisagreementShown(show);
  }

  // ---- keyboard ---------------------------------------------------------------------------------

  private active(): boolean {
    if (!this.root.isConnected) return false;
    const check = (this.root as HTMLElement & { checkVisibility?: () => boolean }).checkVisibility;
    return check ? check.call(this.root) : true;
  }

  private keydown(e: KeyboardEvent): void {
    if (!this.active()) return;
    const inDialog = e.target instanceof Element && e.target.closest("dialog") !== null;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k" && this.map && !inDialog) {
      e.preventDefault();
      this.lens.find();
      return;
    }
    if (isTypingTarget(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    // Keys pressed in a dialog are the dialog's: Escape closes it, arrows and
    // Delete must not act on the map behind it.
    if (e.target instanceof Element && e.target.closest("dialog")) return;
    const onButton =
      e.target instanceof HTMLElement && e.target.closest("button, summary, a") !== null;
    const handled = this.handleKey(e.key, e.shiftKey, onButton);
    if (handled) e.preventDefault();
  }

  /** Returns whether the key did something (its default is then suppressed). */
  private handleKey(key: string, shift: boolean, onButton: boolean): boolean {
    const step = shift ? 50 : 10;
    switch (key) {
      case "Escape":
        if (this.gestures.cancel() || this.lens.cancel()) return true;
        if (this.currentTool.name !== "select") this.setTool({ name: "select" });
        else this.select([]);
        return true;
      case "Enter":
        // While drawing, Enter finishes the shape even when the tool's button
        // still has focus (clicks on the map do not take it).
        if (onButton && !this.gestures.isDrawing()) return false;
        return this.enter();
      case "Delete":
      case "Backspace":
        if (this.gestures.isDrawing()) {
          if (key === "Backspace") this.gestures.undoPoint();
          return true;
        }
        if (this.selected.size === 0 || !this.editable()) return false;
        this.removeSelection();
        return true;
      case " ":
        if (onButton) return false;
        this.gestures.spaceHeld = true;
        this.root.classList.add("cv-space-pan");
        return true;
      case "/":
        this.lens.find();
        return this.map !== undefined;
      case "c":
        return this.openConnectPicker();
      case "]":
        return this.stepElement(1);
      case "[":
        return this.stepElement(-1);
      case "+":
      case "=":
        this.zoomBy(1.4);
        return true;
      case "-":
        this.zoomBy(1 / 1.4);
        return true;
      case "ArrowLeft":
      case "ArrowRight":
      case "ArrowUp":
      case "ArrowDown":
        if (this.selected.size === 0 || !this.editable()) return false;
        this.nudge(
          key === "ArrowLeft" ? -step : key === "ArrowRight" ? step : 0,
          key === "ArrowUp" ? -step : key === "ArrowDown" ? step : 0,
        );
        return true;
      default:
        return false;
    }
  }

  /** Enter finishes a drawing, or places what is armed at the centre of the view. */
  private enter(): boolean {
    const tool = this.currentTool;
    if (isDrawingTool(tool.name)) {
      this.gestures.finishDrawing();
      return true;
    }
    const centre = { x: this.vp.x, y: this.vp.y };
    if (tool.name === "place") {
      this.placeElement(tool.kind, centre);
      return true;
    }
    if (tool.name === "me") {
      this.putMeAt(centre);
      return true;
    }
    return false;
  }

  private keyup(e: KeyboardEvent): void {
    if (e.key === " ") {
      this.gestures.spaceHeld = false;
      this.root.classList.remove("cv-space-pan");
    }
  }

  // ---- export and teardown ---------------------------------------------------------------------------

  exportSvg(): string {
    if (this.map === undefined)
      return `<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"/>`;
    return exportMapSvg({
      doc: this.doc_,
      map: this.map,
      filter: levelsLeftOut(this.lens.filter),
      showDisagreement: this.showDisagreement,
      colourOf: (id) => this.colourOf(id),
      nameOf: (id) => this.nameOf(id),
    });
  }

  private downloadSvg(): void {
    const name = this.doc_.maps().find((m) => m.id === this.map)?.name ?? "map";
    const url = URL.createObjectURL(new Blob([this.exportSvg()], { type: "image/svg+xml" }));
    const link = htmlEl("a", {
      href: url,
      download: `${name.replace(/[^\p{L}\p{N} _-]+/gu, "").trim() || "map"}.svg`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  destroy(): void {
    this.views.destroy();
    this.stopAnimation();
    this.glide.finish();
    this.layer.destroy();
    this.gestures.cancel();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.followId) this.sendPresence({ following: "" });
    this.root.remove();
  }
}

/** A pointer arrow with a name tag, in the participant's colour. */
function cursorNode(name: string, colour: string): SVGGElement {
  const width = name.length * 7 + 14;
  return svgEl("g", { class: "cv-cursor" }, [
    svgEl("path", {
      d: "M0 0L0 17L4.6 12.8L7.8 19.6L10.6 18.4L7.5 11.8L13.2 11.6Z",
      fill: colour,
      stroke: "#fff",
      "stroke-width": 1.4,
    }),
    svgEl("rect", { x: 12, y: 16, width, height: 20, rx: 10, fill: colour }),
    svgEl("text", { x: 12 + width / 2, y: 30, "text-anchor": "middle", class: "cv-cursor-name" }, [
      name,
    ]),
  ]);
}

function withArticle(noun: string): string {
  return (/^[aeiou]/.test(noun) ? "an " : "a ") + noun;
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function rank(type: string | undefined): number {
  return type === "element" ? 1 : 0;
}
