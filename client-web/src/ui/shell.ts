// The open convening: a top bar (name, views, who is here, save status,
// share, export, undo/redo) over the map, drafts and history views.
import { createDraftsView, type DraftsView } from "../draft/drafts-view";
import { createMapView, type MapView } from "../map/map-view";
import type { Session, SessionStatus } from "../net/session";
import { SessionContext } from "./app-context";
import type { Participant } from "./context";
import { download, h, initials, safeFileName, showToast } from "./dom";
import { exportMapData, exportMapJson, exportMapPng, type DataFormat } from "./export";
import { createHistoryView, type HistoryView } from "./history";
import { acceptDroppedFiles, openImportDialog, type ImportHost } from "./import";
import { accessWithdrawnPage } from "./pages";
import { forgetSavedLinks } from "./saved-links";
import { openPrintView } from "./print";
import { openShareDialog } from "./share";
import { StatusDisplay, statusText } from "./shell-status";
import { headerActions } from "./header-menu";
import { skipLinks } from "./skip-link";

type Tab = "map" | "drafts" | "history";

const DATA_FORMATS: [string, DataFormat][] = [
  ["XLSX (Excel, all tables)", "xlsx"],
  ["CSV: elements", "csv-elements"],
  ["CSV: connections", "csv-connections"],
  ["CSV: shapes", "csv-shapes"],
  ["GraphML", "graphml"],
  ["GEXF (Gephi)", "gexf"],
  ["Kumu JSON", "kumu"],
  ["JSON Canvas", "canvas"],
];

export class Shell {
  readonly element: HTMLElement;
  private readonly ctx: SessionContext;
  private readonly mapView: MapView;
  private readonly draftsView: DraftsView;
  private history: HistoryView | undefined;
  private readonly main = h("div", { class: "main" });
  private readonly tabs = new Map<Tab, HTMLButtonElement>();
  private readonly status = h("span", { class: "status", "data-testid": "status" });
  private readonly statusDisplay = new StatusDisplay(
    () => this.session.status(),
    (status) => this.renderStatus(status),
  );
  private readonly avatars = h("div", { class: "avatars", "data-testid": "avatars" });
  private readonly title = h("span", { class: "title", "data-testid": "convening-title" });
  private readonly undoButton = h(
    "button",
    { class: "quiet", title: "Undo (Ctrl+Z)", "data-testid": "undo" },
    "↶",
  );
  private readonly redoButton = h(
    "button",
    { class: "quiet", title: "Redo (Ctrl+Shift+Z)", "data-testid": "redo" },
    "↷",
  );
  private readonly followBanner = h("div", { class: "banner", hidden: true });
  /** Shown to conveners only: the role is known once the server has welcomed us. */
  private readonly askFollowButton = h(
    "button",
    { "data-testid": "ask-follow", title: "Everyone's map view follows yours", hidden: true },
    "Ask all to follow me",
  );
  /** Hidden from observers: they cannot edit the map. */
  private readonly importButton = h(
    "button",
    { "data-testid": "import", title: "Add elements and connections from a file to this map" },
    "Import…",
  );
  private tab: Tab = "map";
  private following: string | undefined;
  /** What the avatars last showed (see refreshAvatars). */
  private avatarsKey = "";
  /** The ask I stopped following (askOf): not followed again until they ask anew. */
  private declinedAsk: string | undefined;

  constructor(
    private readonly session: Session,
    private readonly token: string,
  ) {
    this.ctx = new SessionContext(session, token);
    this.mapView = createMapView(this.ctx);
    this.draftsView = createDraftsView(this.ctx);
    this.ctx.currentMapSource = () => this.mapView.currentMap();
    const skip = skipLinks([
      { label: "Skip to map", testid: "skip-map", go: () => this.skipTo("map") },
      { label: "Skip to panel", testid: "skip-panel", go: () => this.skipTo("panel") },
    ]);
    this.element = h("div", { class: "shell" }, skip, this.topBar(), this.main);
    this.main.append(this.mapView.element, this.draftsView.element, this.followBanner);
    this.wire();
    this.show("map");
    this.refresh();
  }

  private topBar(): HTMLElement {
    const tabs = h("div", { class: "tabs", role: "tablist" });
    for (const [tab, label] of [
      ["map", "Map"],
      ["drafts", "Drafts"],
      ["history", "History"],
    ] as [Tab, string][]) {
      const button = h(
        "button",
        { role: "tab", "data-testid": `tab-${tab}`, "aria-selected": "false" },
        label,
      );
      button.addEventListener("click", () => this.show(tab));
      this.tabs.set(tab, button);
      tabs.append(button);
    }
    const share = h("button", { "data-testid": "share" }, "Invite");
    share.addEventListener("click", () =>
      openShareDialog(this.session.convening, this.session.role(), this.token),
    );
    const askFollow = this.askFollowButton;
    askFollow.addEventListener("click", () =>
      this.setAskToFollow(askFollow.getAttribute("aria-pressed") !== "true"),
    );
    this.undoButton.addEventListener("click", () => this.ctx.undo());
    this.importButton.addEventListener("click", () => {
      if (this.tab !== "map") this.show("map");
      openImportDialog(this.importHost());
    });
    acceptDroppedFiles(
      this.mapView.element,
      () => this.ctx.canEdit,
      (files) => openImportDialog(this.importHost(), files),
    );
    this.redoButton.addEventListener("click", () => this.ctx.redo());
    return h(
      "header",
      { class: "topbar" },
      h("img", { src: "/favicon.svg", width: 22, height: 22, alt: "Convene" }),
      this.title,
      tabs,
      this.undoButton,
      this.redoButton,
      h("div", { class: "spacer" }),
      this.status,
      this.avatars,
      // Behind "More" on a narrow screen (header-menu.ts).
      headerActions([askFollow, this.importButton, this.exportMenu(), share]),
    );
  }

  private exportMenu(): HTMLElement {
    const items = h("div", { class: "menu-items", hidden: true });
    const toggle = h("button", { "data-testid": "export", "aria-haspopup": "menu" }, "Export ▾");
    const entry = (label: string, testId: string, run: () => Promise<void> | void) => {
      const button = h("button", { "data-testid": testId }, label);
      button.addEventListener("click", () => {
        items.hidden = true;
        Promise.resolve(run()).catch((e: unknown) =>
          showToast(e instanceof Error ? e.message : String(e), "error"),
        );
      });
      items.append(button);
    };
    const heading = (label: string) => items.append(h("span", { class: "menu-heading" }, label));
    heading("Picture");
    entry("Map as SVG", "export-svg", () => this.exportSvg());
    entry("Map as PNG", "export-png", () => exportMapPng(this.mapView, this.mapName()));
    entry("Print or PDF…", "export-print", () => this.printMap());
    // CSV is a file per table, each its own click: browsers block or ask
    // about several downloads from one click, and XLSX is the one-file form.
    heading("Map data");
    for (const [label, format] of DATA_FORMATS)
      entry(label, `export-${format}`, () => this.exportData(format));
    entry("Convene JSON", "export-json", () =>
      exportMapJson(this.ctx.doc, this.mapView.currentMap(), this.mapName()),
    );
    heading("Draft");
    entry("Draft as Markdown", "export-md", () => this.exportMarkdown());
    toggle.addEventListener("click", () => (items.hidden = !items.hidden));
    document.addEventListener("pointerdown", (e) => {
      if (!toggle.parentElement?.contains(e.target as Node)) items.hidden = true;
    });
    return h("div", { class: "menu" }, toggle, items);
  }

  /** A skip link: the map (its canvas) or the side panel of the map tab. */
  private skipTo(target: "map" | "panel"): void {
    if (this.tab !== "map") this.show("map");
    if (target === "map") this.mapView.focusCanvas();
    else this.mapView.focusPanel();
  }

  private mapName(): string {
    const id = this.mapView.currentMap();
    return this.ctx.doc.maps().find((m) => m.id === id)?.name ?? "map";
  }

  private exportSvg(): void {
    if (!this.mapView.currentMap()) throw new Error("There is no map to export yet.");
    const svg = this.mapView.exportSVG();
    download(safeFileName(this.mapName(), "svg"), new Blob([svg], { type: "image/svg+xml" }));
  }

  private exportData(format: DataFormat): Promise<void> {
    return exportMapData(this.ctx, this.mapView.currentMap(), format, {
      map: this.mapName(),
      convening: this.session.convening,
      token: this.token,
    });
  }

  private printMap(): void {
    if (!this.mapView.currentMap()) throw new Error("There is no map to print yet.");
    const title = this.session.conveningName() || "Convening";
    openPrintView({ svg: this.mapView.exportSVG(), title });
  }

  private importHost(): ImportHost {
    return {
      ctx: this.ctx,
      convening: this.session.convening,
      token: this.token,
      role: () => this.session.role(),
      currentMap: () => this.mapView.currentMap(),
      createMap: (name) => {
        const map = this.ctx.doc.createMap(name.trim().slice(0, 100) || "Imported map");
        this.ctx.edited(true);
        this.mapView.showMap(map);
        return map;
      },
      mapName: () => this.mapName(),
      viewport: () => this.mapView.viewport(),
      // A jump, not a glide: the map was empty, and a glide would draw a
      // large import in full at the old zoom (levelOfDetail) on its way out.
      setViewport: (v) => this.mapView.setViewport(v, false),
      mapElement: () => this.mapView.element,
    };
  }

  private exportMarkdown(): void {
    const variant = this.draftsView.currentVariant();
    if (!variant) throw new Error("Open a draft to export it.");
    const { filename, text } = this.draftsView.exportMarkdown(variant);
    download(filename, new Blob([text], { type: "text/markdown;charset=utf-8" }));
  }

  private wire(): void {
    this.session.onStatus((status) => {
      if (status.state === "revoked") this.lockOut();
      else this.refreshStatus();
    });
    this.session.onJoined(() => {
      // The role is known now: views enable or disable their controls.
      this.ctx.repaintAll();
      this.refresh();
    });
    this.ctx.onPresence(() => {
      this.refreshAvatars();
      this.followIfAsked();
    });
    this.ctx.onChange(() => this.refreshUndo());
    this.session.onError((error) => {
      if (error.kind === "server" || error.kind === "refused" || error.kind === "storage")
        showToast(error.message, "error");
    });
    this.mapView.element.addEventListener("followchange", () => this.setFollowing(undefined));
    // Presenting, the map's own bar asks (the top bar is out of sight).
    this.mapView.element.addEventListener("asktofollow", (event) =>
      this.setAskToFollow((event as CustomEvent<{ asking: boolean }>).detail.asking),
    );
    document.addEventListener("keydown", (event) => this.onKey(event));
  }

  /**
   * A convener withdrew this browser's access: the session stops and deletes
   * the local copy; the links kept for the convening go too, and nothing of
   * it stays on screen.
   */
  private lockOut(): void {
    if (this.element.dataset.locked) return;
    this.element.dataset.locked = "true";
    forgetSavedLinks(this.session.convening);
    for (const dialog of document.querySelectorAll("dialog")) dialog.close();
    const notice = accessWithdrawnPage(this.session.conveningName());
    this.element.replaceChildren(notice);
    document.title = "Access withdrawn — Convene";
    notice.querySelector("h1")?.focus();
    void this.session.close();
  }

  private onKey(event: KeyboardEvent): void {
    const mod = event.ctrlKey || event.metaKey;
    if (!mod || event.altKey) return;
    const key = event.key.toLowerCase();
    const target = event.target as HTMLElement | null;
    // Text fields keep their own undo for what is typed into them, except
    // the draft editor, which handles these keys itself.
    if (target?.closest("input, select, textarea, [contenteditable]")) return;
    if (key === "z" && !event.shiftKey) {
      event.preventDefault();
      this.ctx.undo();
    } else if ((key === "z" && event.shiftKey) || key === "y") {
      event.preventDefault();
      this.ctx.redo();
    }
  }

  private show(tab: Tab): void {
    this.tab = tab;
    for (const [name, button] of this.tabs)
      button.setAttribute("aria-selected", String(name === tab));
    this.mapView.element.hidden = tab !== "map";
    this.draftsView.element.hidden = tab !== "drafts";
    if (tab === "history") {
      this.history ??= createHistoryView(this.ctx, this.session, this.token);
      if (!this.history.element.isConnected) this.main.append(this.history.element);
      this.history.element.hidden = false;
      this.history.open();
    } else if (this.history) {
      this.history.element.hidden = true;
    }
    if (tab === "map") this.mapView.repaint();
    if (tab === "drafts") this.draftsView.repaint();
  }

  private refresh(): void {
    this.title.textContent = this.session.conveningName() || "Convening";
    document.title = `${this.title.textContent} — Convene`;
    this.askFollowButton.hidden = this.session.role() !== "convener";
    this.importButton.hidden = !this.ctx.canEdit;
    this.refreshStatus();
    this.refreshAvatars();
    this.refreshUndo();
  }

  private refreshStatus(): void {
    this.statusDisplay.update();
  }

  private renderStatus(status: SessionStatus): void {
    this.status.dataset.state = status.state;
    this.status.dataset.pending = String(status.pending);
    this.status.textContent = statusText(status);
  }

  private refreshUndo(): void {
    this.undoButton.disabled = !this.ctx.canEdit || !this.ctx.doc.canUndo();
    this.redoButton.disabled = !this.ctx.canEdit || !this.ctx.doc.canRedo();
  }

  /**
   * Rebuilt only when what the avatars show changed: presence updates (my
   * caret at every keystroke, everyone's cursors) arrive many times a second.
   */
  private refreshAvatars(): void {
    const people = this.ctx.participants();
    const key = JSON.stringify([
      this.ctx.me.id,
      this.following,
      people.map((p) => [p.id, p.name, p.colour, p.role]),
    ]);
    if (key === this.avatarsKey) return;
    this.avatarsKey = key;
    this.avatars.replaceChildren(...people.map((p) => this.avatar(p)));
  }

  private avatar(p: Participant): HTMLElement {
    const mine = p.id === this.ctx.me.id;
    const roleLabel = p.role === "convener" ? "C" : p.role === "observer" ? "O" : undefined;
    const button = h(
      "button",
      {
        class: "avatar",
        style: `background:${p.colour}`,
        title: `${p.name} — ${p.role}${mine ? " (you)" : " · click to follow"}`,
        "data-testid": "avatar",
        "data-member": p.id,
        "data-following": String(this.following === p.id),
      },
      initials(p.name),
      roleLabel ? h("span", { class: "role-dot" }, roleLabel) : undefined,
    );
    if (!mine)
      button.addEventListener("click", () =>
        this.setFollowing(this.following === p.id ? undefined : p.id),
      );
    return button;
  }

  private setFollowing(id: string | undefined): void {
    if (this.following && !id) this.declinedAsk = this.askOf(this.following);
    this.following = id;
    this.mapView.follow(id);
    this.ctx.setPresence({ following: id ?? "" });
    const who = id ? this.ctx.participant(id) : undefined;
    this.followBanner.hidden = !who;
    if (who) {
      const stop = h("button", {}, "Stop");
      stop.addEventListener("click", () => this.setFollowing(undefined));
      this.followBanner.replaceChildren(h("span", {}, `Following ${who.name}'s view`), stop);
      if (this.tab !== "map") this.show("map");
    }
    this.refreshAvatars();
  }

  /** Follows a convener who asks everyone to, unless I declined that ask. */
  private followIfAsked(): void {
    const asking = this.ctx
      .participants()
      .find((p) => p.role === "convener" && p.id !== this.ctx.me.id && p.presence?.askToFollow);
    if (!asking) {
      this.declinedAsk = undefined;
      if (this.following && !this.ctx.participant(this.following)) this.setFollowing(undefined);
      return;
    }
    if (this.following !== asking.id && this.declinedAsk !== this.askOf(asking.id))
      this.setFollowing(asking.id);
  }

  /** A participant's ask to follow, told apart from their earlier ones. */
  private askOf(id: string): string {
    return `${id}:${this.ctx.participant(id)?.presence?.askId ?? 0n}`;
  }

  private setAskToFollow(asking: boolean): void {
    if (asking && this.session.role() !== "convener") return;
    const button = this.askFollowButton;
    button.setAttribute("aria-pressed", String(asking));
    button.textContent = asking ? "Stop asking to follow" : "Ask all to follow me";
    this.ctx.setPresence({ askToFollow: asking, askId: asking ? BigInt(Date.now()) : 0n });
  }
}
