// "Import…": map data from a file (docs/formats.md) added to the map shown,
// as one step everyone sees live and Undo takes back whole. A dialog picks
// the file (or takes the files dropped on the map), reads it and shows what
// it would add before anything is applied; an error names the row or line
// and applies nothing.
import type { IdKey } from "../crdt/api";
import { Document } from "../crdt/document";
import { ImportError } from "../map/formats";
import { boundsOf, fitViewport, type Viewport } from "../map/geometry";
import { positionOf } from "../map/scene";
import {
  importLandscape,
  LIMITS_NOTE,
  planImport,
  type ImportOptions,
  type ImportSummary,
} from "../map/transfer";
import type { AppContext, RoleName } from "./context";
import { showDialog } from "./dialog";
import { h } from "./dom";
import { knownMembers } from "./export";
import { ACCEPTED, readPickedFiles, type ReadFiles } from "./import-files";
import "./import.css";

export interface ImportHost {
  ctx: AppContext;
  convening: string;
  token: string;
  role(): RoleName | undefined;
  /** The map shown, if any. */
  currentMap(): IdKey | undefined;
  /** Makes a map for an import when there is none yet, and shows it. */
  createMap(name: string): IdKey;
  mapName(): string;
  viewport(): Viewport;
  setViewport(v: Viewport): void;
  /** The map view's element: its size fits the view to an imported map. */
  mapElement(): HTMLElement;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "31 elements, 46 connections, 2 new kinds, 1 new field". */
export function describeImport(s: ImportSummary): string {
  const parts = [plural(s.elements, "element"), plural(s.connections, "connection")];
  if (s.shapes) parts.push(plural(s.shapes, "shape"));
  if (s.kinds.added) parts.push(plural(s.kinds.added, "new kind"));
  if (s.fields.added) parts.push(plural(s.fields.added, "new field"));
  if (s.tags.added) parts.push(plural(s.tags.added, "new tag"));
  return parts.join(", ");
}

/** Lines under the counts: what the map already had, what is laid out, what is left out. */
function details(s: ImportSummary): string[] {
  const lines: string[] = [];
  const reused = [
    s.fields.reused && plural(s.fields.reused, "field"),
    s.kinds.reused && plural(s.kinds.reused, "kind"),
    s.tags.reused && plural(s.tags.reused, "tag"),
  ].filter(Boolean);
  if (reused.length) lines.push(`Uses the map's own ${reused.join(", ")} of the same name.`);
  if (s.placed)
    lines.push(
      `${plural(s.placed, "element")} without a position will be laid out near the centre.`,
    );
  for (const d of s.dropped) lines.push(`Left out: ${d.count} ${d.what} — ${d.why}.`);
  return lines;
}

function errorText(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.+$/, "");
  const limit = /more than|larger than|too many/.test(message) ? ` (${LIMITS_NOTE})` : "";
  return `${message}${limit}. Nothing was imported.`;
}

class ImportDialog {
  readonly dialog = h("dialog", {
    class: "import",
    "aria-labelledby": "import-title",
    "data-testid": "import-dialog",
  });
  private readonly input = h("input", {
    type: "file",
    accept: ACCEPTED,
    multiple: true,
    "data-testid": "import-file",
    "aria-describedby": "import-formats",
  });
  private readonly preview = h("div", {
    class: "import-preview",
    "data-testid": "import-preview",
    role: "status",
    "aria-live": "polite",
  });
  private readonly apply = h(
    "button",
    { type: "button", class: "primary", disabled: true, "data-testid": "import-apply" },
    "Import",
  );
  private read: ReadFiles | undefined;
  private attempts = 0;
  private members: Promise<ImportOptions["members"]>;

  constructor(private readonly host: ImportHost) {
    this.members = knownMembers(host.ctx, host.convening, host.token);
    const cancel = h("button", { type: "button", "data-testid": "import-cancel" }, "Cancel");
    cancel.addEventListener("click", () => this.dialog.close());
    this.apply.addEventListener("click", () => void this.run());
    this.input.addEventListener("change", () => void this.take([...(this.input.files ?? [])]));
    const map = host.currentMap() ? `“${host.mapName()}”` : "a new map";
    this.dialog.append(
      h("h2", { id: "import-title" }, `Import into ${map}`),
      h(
        "p",
        {},
        "Elements, connections and shapes from a spreadsheet or a graph file are added to the " +
          "map for everyone, as one step that Undo takes back.",
      ),
      h("label", { class: "import-pick" }, "File", this.input),
      h(
        "p",
        { class: "hint", id: "import-formats" },
        "CSV (pick the elements and the connections file together), XLSX, GraphML, GEXF, " +
          "Kumu JSON or JSON Canvas, up to 20 MB. Columns as in docs/formats.md: Label, Type, " +
          "Description, Tags, Scale; From, To for connections. You can also drop files on the map.",
      ),
      this.preview,
      h("div", { class: "dialog-actions" }, cancel, this.apply),
    );
  }

  private options(members: ImportOptions["members"]): ImportOptions {
    const { ctx } = this.host;
    const vp = this.host.viewport();
    return {
      canEdit: ctx.canEdit,
      me: { id: ctx.me.id, name: ctx.me.name },
      convener: this.host.role() === "convener",
      members,
      centre: { x: vp.x, y: vp.y },
    };
  }

  /** Reads the files and shows what they would add, or why they cannot. */
  async take(files: File[]): Promise<void> {
    const attempt = ++this.attempts;
    this.read = undefined;
    this.apply.disabled = true;
    if (files.length === 0) return;
    this.preview.dataset.state = "reading";
    this.preview.replaceChildren(h("p", {}, `Reading ${files.map((f) => f.name).join(", ")}…`));
    try {
      const read = await readPickedFiles(files);
      const summary = this.plan(read, await this.members);
      // Files picked again while these were read: the newer ones count.
      if (attempt !== this.attempts) return;
      this.read = read;
      this.preview.dataset.state = "ready";
      this.preview.replaceChildren(
        h("p", { class: "import-source" }, read.description),
        h("p", { class: "import-counts", "data-testid": "import-counts" }, describeImport(summary)),
        ...details(summary).map((line) => h("p", { class: "hint" }, line)),
      );
      this.apply.disabled = false;
    } catch (error) {
      if (attempt === this.attempts) this.showError(error);
    }
  }

  /** The summary against the map shown, or against an empty map when there is none. */
  private plan(read: ReadFiles, members: ImportOptions["members"]): ImportSummary {
    const map = this.host.currentMap();
    if (map !== undefined)
      return planImport(this.host.ctx.doc, map, read.data, this.options(members)).summary;
    const scratch = new Document(1n);
    return planImport(scratch, scratch.createMap("scratch"), read.data, this.options(members))
      .summary;
  }

  private showError(error: unknown): void {
    this.preview.dataset.state = "error";
    this.preview.replaceChildren(
      h("p", { class: "import-error", "data-testid": "import-error" }, errorText(error)),
    );
  }

  private async run(): Promise<void> {
    const read = this.read;
    if (!read) return;
    this.apply.disabled = true;
    const { ctx } = this.host;
    try {
      const options = this.options(await this.members);
      const map = this.host.currentMap() ?? this.host.createMap(read.name);
      const wasEmpty = ctx.doc.elements(map).length === 0;
      const summary = importLandscape(ctx.doc, map, read.data, options);
      ctx.edited(true);
      if (wasEmpty) this.fit(map);
      this.dialog.close();
      ctx.toast(`Imported ${describeImport(summary)}. Undo takes it all back.`);
    } catch (error) {
      if (!(error instanceof ImportError)) console.error(error);
      this.showError(error);
    }
  }

  /** Shows the whole map after an import into an empty one. */
  private fit(map: IdKey): void {
    const bounds = boundsOf(this.host.ctx.doc.elements(map).map(positionOf), 80);
    const box = this.host.mapElement().getBoundingClientRect();
    if (bounds && box.width > 0) this.host.setViewport(fitViewport(bounds, box));
  }
}

/** Opens the Import dialog; with `files` (dropped on the map), reads them at once. */
export function openImportDialog(host: ImportHost, files: File[] = []): void {
  const dialog = new ImportDialog(host);
  showDialog(dialog.dialog);
  if (files.length) void dialog.take(files);
}

/** Files dragged over `target` may be dropped there to import them. */
export function acceptDroppedFiles(
  target: HTMLElement,
  canImport: () => boolean,
  open: (files: File[]) => void,
): void {
  const carriesFiles = (e: DragEvent) => !!e.dataTransfer?.types.includes("Files");
  target.addEventListener("dragover", (e) => {
    if (!carriesFiles(e) || !canImport()) return;
    e.preventDefault();
    e.dataTransfer!.dropEffect = "copy";
    target.classList.add("import-drop-target");
  });
  target.addEventListener("dragleave", (e) => {
    if (!target.contains(e.relatedTarget as Node | null))
      target.classList.remove("import-drop-target");
  });
  target.addEventListener("drop", (e) => {
    target.classList.remove("import-drop-target");
    if (!carriesFiles(e) || !canImport()) return;
    e.preventDefault();
    open([...(e.dataTransfer?.files ?? [])]);
  });
}
