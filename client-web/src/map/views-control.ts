// Saved views on the map view: the Views card and presentation mode over
// the document's views of the shown map. Applying a view animates to its
// viewport and sets its filter (ids removed since are left out); editing one
// is one undo step. Which view's filter the map shows goes out in presence
// (PresenceState.view), so that those who follow me see that filter too.
import type { ConveneDocument, IdKey, SavedView } from "../crdt/api";
import type { Participant, PresenceInit } from "../ui/context";
import type { MapFilter } from "./filter";
import type { Size, Viewport } from "./geometry";
import { keyToId } from "./ids";
import { Presentation } from "./present";
import "./present.css";
import {
  mapFilterOf,
  newViewInit,
  reorder,
  sortViews,
  storableViewport,
  viewFilterOf,
  viewName,
  defaultViewName,
  fittedViewport,
  type ViewReferences,
} from "./views";
import { askViewName } from "./views-dialog";
import { ViewsMenu, type ViewsMenuHost } from "./views-menu";

export interface SavedViewsHost {
  doc(): ConveneDocument;
  currentMap(): IdKey | undefined;
  editable(): boolean;
  /** The map view's root: it goes full screen to present. */
  readonly root: HTMLElement;
  me(): Participant;
  viewport(): Viewport;
  /** The canvas's size on screen: a view keeps the area it shows, fitted to any screen. */
  size(): Size;
  setViewport(v: Viewport, animate: boolean, duration?: number): void;
  filter(): MapFilter;
  setFilter(filter: MapFilter): void;
  selection(): ReadonlySet<IdKey>;
  select(ids: IdKey[]): void;
  tryEdit<T>(edit: () => T): T | undefined;
  edited(checkpoint: boolean): void;
  sendPresence(update: PresenceInit): void;
  /** Asks the shell to start or stop asking everyone to follow me. */
  setAskToFollow(asking: boolean): void;
  toast(message: string): void;
}

/** Glides between views a little slower than a pan: the audience follows the move. */
const VIEW_ANIMATION_MS = 650;

export class SavedViews {
  readonly menu: ViewsMenu;
  readonly presentation: Presentation;
  /** True while a view's filter is being set (the filter change is the view's, not mine). */
  applying = false;
  /** The view whose filter the map shows, and that filter (changing it forgets the view). */
  private shownId: IdKey | undefined;
  private shownFilter = "";
  /** Following someone who shows a view: my filter from before, put back after. */
  private followedView: IdKey | undefined;
  private filterBeforeFollow: MapFilter | undefined;
  /** What the map showed before presenting, shown again after. */
  private beforePresenting: { viewport: Viewport; filter: MapFilter } | undefined;
  private askedWhilePresenting = false;

  constructor(private readonly host: SavedViewsHost) {
    this.menu = new ViewsMenu(this.menuHost());
    this.presentation = new Presentation({
      root: host.root,
      views: () => this.views(),
      show: (view) => this.apply(view.id),
      canAskToFollow: () => host.me().role === "convener",
      askingToFollow: () => host.me().presence?.askToFollow === true,
      setAskToFollow: (asking) => {
        this.askedWhilePresenting = asking;
        host.setAskToFollow(asking);
      },
      ended: () => this.presentationEnded(),
    });
  }

  /** The shown map's views, in presentation order. */
  views(): SavedView[] {
    const map = this.host.currentMap();
    return map === undefined ? [] : sortViews(this.host.doc().viewsOf(map));
  }

  /** The view whose filter the map shows now, if any. */
  shown(): IdKey | undefined {
    if (this.shownId === undefined) return undefined;
    const stillShown =
      this.views().some((v) => v.id === this.shownId) &&
      JSON.stringify(this.host.filter()) === this.shownFilter;
    if (!stillShown) this.setShown(undefined);
    return this.shownId;
  }

  /** The document changed, or the filter did: the list and the shown view follow. */
  changed(): void {
    this.shown();
    this.menu.refresh();
    this.presentation.refresh();
  }

  /** Shows a view: its filter at once, then a glide to its viewport. */
  apply(id: IdKey, options: { viewport?: boolean } = {}): void {
    const view = this.views().find((v) => v.id === id);
    if (!view) return;
    this.setFilterOfView(mapFilterOf(view.filter, this.references()));
    this.setShown(id);
    if (options.viewport !== false)
      this.host.setViewport(
        fittedViewport(view.viewport, this.host.size()),
        true,
        VIEW_ANIMATION_MS,
      );
    this.menu.refresh();
  }

  /**
   * Following someone: `view` is the view they show (their presence). Its
   * filter is applied here too (their viewport comes with their presence);
   * when they show none any more, or I stop following, my filter comes back.
   */
  follow(view: IdKey | undefined): void {
    if (view === this.followedView) return;
    const known = view !== undefined && this.views().some((v) => v.id === view);
    if (known) {
      if (this.followedView === undefined) this.filterBeforeFollow = this.host.filter();
      this.followedView = view;
      this.apply(view, { viewport: false });
      return;
    }
    if (this.followedView === undefined) return;
    this.followedView = undefined;
    const before = this.filterBeforeFollow;
    this.filterBeforeFollow = undefined;
    if (before) this.setFilterOfView(before);
    this.setShown(undefined);
  }

  present(from?: IdKey): void {
    if (this.views().length === 0) {
      this.host.toast("Save a view first: a presentation steps through the saved views.");
      return;
    }
    if (!this.presentation.isActive())
      this.beforePresenting = { viewport: { ...this.host.viewport() }, filter: this.host.filter() };
    this.host.select([]);
    this.presentation.start(from);
  }

  destroy(): void {
    this.presentation.stop();
  }

  // ---- edits ------------------------------------------------------------------------

  private async save(): Promise<void> {
    const map = this.host.currentMap();
    if (map === undefined || !this.host.editable()) return;
    const existing = this.views();
    const name = await askViewName({
      title: "Save view",
      name: defaultViewName(existing),
      action: "Save",
      checkbox: this.selectionHighlights().length > 0 ? "Highlight the selection" : undefined,
    });
    if (name === undefined || this.host.currentMap() !== map) return;
    const filter = { ...this.host.filter() };
    if (name.highlight)
      filter.highlights = [...new Set([...filter.highlights, ...this.selectionHighlights()])];
    const init = newViewInit(
      name.name,
      this.host.viewport(),
      this.host.size(),
      filter,
      this.references(),
      existing,
    );
    const id = this.host.tryEdit(() => this.host.doc().createView(map, init));
    if (id === undefined) return;
    this.host.edited(true);
    if (name.highlight) this.apply(id, { viewport: false });
    else this.setShown(id);
    this.menu.refresh();
  }

  private async rename(id: IdKey): Promise<void> {
    const view = this.views().find((v) => v.id === id);
    if (!view || !this.host.editable()) return;
    const answer = await askViewName({ title: "Rename view", name: view.name, action: "Rename" });
    if (answer === undefined || viewName(answer.name) === view.name) return;
    this.edit(() => this.host.doc().updateView(id, { name: viewName(answer.name) }));
  }

  /** The view becomes what the map shows now: this viewport and this filter. */
  private update(id: IdKey): void {
    const viewport = storableViewport(this.host.viewport(), this.host.size());
    const filter = viewFilterOf(this.host.filter(), this.references());
    if (this.edit(() => this.host.doc().updateView(id, { viewport, filter }))) this.setShown(id);
    this.menu.refresh();
  }

  private move(id: IdKey, by: number): void {
    const updates = reorder(this.views(), id, by);
    if (updates.length === 0) return;
    this.edit(() => {
      for (const u of updates) this.host.doc().updateView(u.id, { order: u.order });
    });
  }

  private remove(id: IdKey): void {
    if (this.edit(() => this.host.doc().remove(id)))
      this.host.toast("View deleted. Undo brings it back.");
  }

  /** One undo step; whether it was done. */
  private edit(change: () => void): boolean {
    if (!this.host.editable()) return false;
    const done = this.host.tryEdit(() => {
      change();
      return true;
    });
    if (done) this.host.edited(true);
    return done === true;
  }

  // ---- helpers -----------------------------------------------------------------------

  private menuHost(): ViewsMenuHost {
    return {
      views: () => this.views(),
      hasMap: () => this.host.currentMap() !== undefined,
      editable: () => this.host.editable(),
      shown: () => this.shown(),
      apply: (id) => this.apply(id),
      save: () => void this.save(),
      rename: (id) => void this.rename(id),
      update: (id) => this.update(id),
      move: (id, by) => this.move(id, by),
      remove: (id) => this.remove(id),
      present: (from) => this.present(from),
    };
  }

  /** Sets a filter that is not mine: a view's, or mine from before a view. */
  private setFilterOfView(filter: MapFilter): void {
    this.applying = true;
    try {
      this.host.setFilter(filter);
    } finally {
      this.applying = false;
    }
  }

  private setShown(id: IdKey | undefined): void {
    const filter = id === undefined ? "" : JSON.stringify(this.host.filter());
    if (id === this.shownId && filter === this.shownFilter) return;
    this.shownId = id;
    this.shownFilter = filter;
    this.host.sendPresence({ view: id === undefined ? undefined : keyToId(id) });
  }

  /** Selected elements and connections, which a view can highlight. */
  private selectionHighlights(): IdKey[] {
    const refs = this.references();
    return [...this.host.selection()].filter((id) => refs.entity(id));
  }

  private references(): ViewReferences {
    const doc = this.host.doc();
    const map = this.host.currentMap();
    const kinds = new Set(map === undefined ? [] : doc.kindsOf(map).map((k) => k.id));
    return {
      kind: (id) => kinds.has(id),
      element: (id) => doc.element(id)?.map === map,
      entity: (id) => (doc.element(id) ?? doc.connection(id))?.map === map,
    };
  }

  private presentationEnded(): void {
    if (this.askedWhilePresenting && this.host.me().presence?.askToFollow)
      this.host.setAskToFollow(false);
    this.askedWhilePresenting = false;
    const before = this.beforePresenting;
    this.beforePresenting = undefined;
    if (before) {
      this.setFilterOfView(before.filter);
      this.host.setViewport(before.viewport, true, VIEW_ANIMATION_MS);
    }
    this.setShown(undefined);
    this.menu.refresh();
  }
}
