// The history view: a timeslider over every committed op of the convening.
// Moving it shows the map and drafts as they were right after that op (a
// replica replayed from the log, read-only), lists who changed what around
// that point, and names versions ("call sent to funders").
import { Document } from "../crdt/document";
import type { ConveneDocument } from "../crdt/api";
import { createDraftsView, type DraftsView } from "../draft/drafts-view";
import type { Op } from "../gen/convene/v1/ops_pb";
import { ElementKind } from "../gen/convene/v1/ops_pb";
import type { SequencedOp } from "../gen/convene/v1/protocol_pb";
import { createMapView, type MapView } from "../map/map-view";
import type { Session } from "../net/session";
import { listVersions, nameVersion, pastMembers, type NamedVersion } from "./api-client";
import type { SessionContext } from "./app-context";
import { h, showToast } from "./dom";

export interface HistoryView {
  element: HTMLElement;
  /** Refreshes the slider to the log's current length and shows the newest state. */
  open(): void;
  /** Shows the state right after `seq`. */
  showSeq(seq: number): void;
}

const EVENTS_SHOWN = 14;

const KIND_NAMES: Partial<Record<ElementKind, string>> = {
  [ElementKind.INSTITUTION]: "an institution",
  [ElementKind.PROJECT]: "a project",
  [ElementKind.COMMUNITY]: "a community of practice",
  [ElementKind.NETWORK]: "a network",
  [ElementKind.PERSON]: "a person",
  [ElementKind.PRACTICE]: "a practice",
  [ElementKind.ARTIFACT]: "an artifact",
  [ElementKind.NOTE]: "a note",
};

/** A short account of what an op did, for the history list. */
export function describeOp(op: Op): string {
  const b = op.body;
  switch (b.case) {
    case "createMap":
      return `created the map “${b.value.name}”`;
    case "createDraft":
      return `started the draft “${b.value.name}”`;
    case "createVariant":
      return `made the variant “${b.value.name}”`;
    case "rename":
      return `renamed something to “${b.value.name}”`;
    case "remove":
      return "removed something";
    case "restore":
      return "brought something back";
    case "createElement": {
      const kind = KIND_NAMES[b.value.fields?.kind ?? ElementKind.UNSPECIFIED] ?? "an element";
      const label = b.value.fields?.label;
      return `added ${kind}${label ? ` “${label}”` : ""}`;
    }
    case "updateElement": {
      const f = b.value.fields;
      const onlyMoved = f?.position && f.label === undefined && f.notes === undefined;
      return onlyMoved ? "moved an element" : "edited an element";
    }
    case "createConnection":
      return "connected two elements";
    case "updateConnection":
      return "edited a connection";
    case "createShape":
      return b.value.fields?.sphereOf ? "drew a sphere of influence" : "drew a boundary";
    case "updateShape":
      return "edited a boundary";
    case "setPerspective":
      return b.value.value === undefined
        ? `withdrew a rating of ${b.value.aspect}`
        : `rated ${b.value.aspect} ${b.value.value}`;
    case "textInsert": {
      const text = b.value.text.replace(/\s+/g, " ").trim();
      return `wrote “${text.length > 40 ? text.slice(0, 40) + "…" : text}”`;
    }
    case "textDelete": {
      const n = b.value.ranges.reduce((sum, r) => sum + Number(r.length), 0);
      return `deleted ${n} character${n === 1 ? "" : "s"}`;
    }
    default:
      return "changed something";
  }
}

export interface EventGroup {
  author: string;
  lastSeq: number;
  timeMs: number;
  description: string;
}

/** What a run of one author's ops is about: consecutive typing or moves form one entry. */
function groupKey(entry: SequencedOp): string {
  const b = entry.op?.body;
  const id = (x?: { replica: bigint; counter: bigint }) => (x ? `${x.replica}:${x.counter}` : "");
  switch (b?.case) {
    case "textInsert":
      return `${entry.author}/insert/${id(b.value.variant)}`;
    case "textDelete":
      return `${entry.author}/delete/${id(b.value.variant)}`;
    case "updateElement":
      return `${entry.author}/element/${id(b.value.element)}`;
    default:
      return "";
  }
}

/**
 * The newest `limit` entries at or before `seq`, newest first, where an
 * author's consecutive typing in one variant (or edits of one element) reads
 * as one change: "wrote “Dear partners, …”" rather than one line per frame.
 */
export function groupEvents(log: readonly SequencedOp[], seq: number, limit: number): EventGroup[] {
  const groups: EventGroup[] = [];
  let key = "";
  let typed = "";
  let deleted = 0;
  for (let s = Math.min(seq, log.length); s >= 1 && groups.length <= limit; s--) {
    const entry = log[s - 1];
    if (!entry.op) continue;
    const k = groupKey(entry);
    const last = groups[groups.length - 1];
    if (k && k === key && last) {
      const b = entry.op.body;
      if (b.case === "textInsert") typed = b.value.text + typed;
      if (b.case === "textDelete")
        deleted += b.value.ranges.reduce((sum, r) => sum + Number(r.length), 0);
      last.description = describeRun(entry.op, typed, deleted);
      continue;
    }
    key = k;
    typed = entry.op.body.case === "textInsert" ? entry.op.body.value.text : "";
    deleted =
      entry.op.body.case === "textDelete"
        ? entry.op.body.value.ranges.reduce((sum, r) => sum + Number(r.length), 0)
        : 0;
    groups.push({
      author: entry.author,
      lastSeq: s,
      timeMs: Number(entry.serverTimeMs),
      description: describeOp(entry.op),
    });
  }
  return groups.slice(0, limit);
}

function describeRun(op: Op, typed: string, deleted: number): string {
  if (op.body.case === "textInsert") {
    const text = typed.replace(/\s+/g, " ").trim();
    return `wrote “${text.length > 60 ? text.slice(0, 60) + "…" : text}”`;
  }
  if (op.body.case === "textDelete") return `deleted ${deleted} characters`;
  return describeOp(op);
}

class HistoryController implements HistoryView {
  readonly element: HTMLElement;
  private readonly slider = h("input", {
    type: "range",
    min: 0,
    max: 0,
    value: 0,
    step: 1,
    "aria-label": "Point in history",
    "data-testid": "history-slider",
  });
  private readonly label = h("div", { class: "history-label", "data-testid": "history-label" });
  private readonly events = h("ol", { class: "history-events", "data-testid": "history-events" });
  private readonly versionList = h("ul", {
    class: "history-versions",
    "data-testid": "history-versions",
  });
  private readonly ticks = h("div", { class: "history-ticks" });
  private readonly stage = h("div", { class: "history-stage" });
  private preview: ConveneDocument = new Document(0n);
  private previewSeq = 0;
  private readonly mapView: MapView;
  private readonly draftsView: DraftsView;
  private versions: NamedVersion[] = [];
  private names = new Map<string, string>();
  private log: SequencedOp[] = [];

  constructor(
    private readonly ctx: SessionContext,
    private readonly session: Session,
    private readonly token: string,
  ) {
    this.mapView = createMapView(ctx, { doc: this.proxyDoc(), readOnly: true });
    this.draftsView = createDraftsView(ctx, { doc: this.proxyDoc(), readOnly: true });
    this.element = this.build();
    this.slider.addEventListener("input", () => this.showSeq(Number(this.slider.value)));
  }

  /** The views keep one document object; it forwards to the current preview replica. */
  private proxyDoc(): ConveneDocument {
    return new Proxy({} as ConveneDocument, {
      get: (_target, property) => {
        const value = Reflect.get(this.preview, property, this.preview) as unknown;
        return typeof value === "function" ? value.bind(this.preview) : value;
      },
    });
  }

  private build(): HTMLElement {
    const mapTab = h(
      "button",
      { role: "tab", "aria-selected": "true", "data-testid": "history-tab-map" },
      "Map",
    );
    const draftsTab = h(
      "button",
      { role: "tab", "aria-selected": "false", "data-testid": "history-tab-drafts" },
      "Drafts",
    );
    const choose = (map: boolean) => {
      mapTab.setAttribute("aria-selected", String(map));
      draftsTab.setAttribute("aria-selected", String(!map));
      this.mapView.element.hidden = !map;
      this.draftsView.element.hidden = map;
      (map ? this.mapView : this.draftsView).repaint();
    };
    mapTab.addEventListener("click", () => choose(true));
    draftsTab.addEventListener("click", () => choose(false));
    this.draftsView.element.hidden = true;
    this.stage.append(this.mapView.element, this.draftsView.element);

    const nameButton = h("button", { "data-testid": "version-name" }, "Name this version…");
    nameButton.disabled = !this.ctx.canEdit;
    nameButton.addEventListener("click", () => void this.nameCurrent());
    const latest = h("button", { class: "quiet", "data-testid": "history-latest" }, "Back to now");
    latest.addEventListener("click", () => this.showSeq(this.log.length));

    return h(
      "section",
      { class: "history", "data-testid": "history" },
      h(
        "div",
        { class: "history-bar" },
        h("div", { class: "tabs", role: "tablist" }, mapTab, draftsTab),
        h("div", { class: "history-track" }, this.slider, this.ticks),
        latest,
      ),
      h(
        "div",
        { class: "history-body" },
        this.stage,
        h(
          "aside",
          { class: "history-side" },
          this.label,
          h("h3", {}, "Named versions"),
          this.versionList,
          nameButton,
          h("h3", {}, "Changes up to here"),
          this.events,
        ),
      ),
    );
  }

  open(): void {
    this.log = this.session.log();
    this.slider.max = String(this.log.length);
    this.showSeq(this.log.length);
    void this.loadNamesAndVersions();
  }

  showSeq(seq: number): void {
    const target = Math.max(0, Math.min(seq, this.log.length));
    if (target < this.previewSeq) {
      this.preview = new Document(0n);
      this.previewSeq = 0;
    }
    for (; this.previewSeq < target; this.previewSeq++) {
      const entry = this.log[this.previewSeq];
      if (entry.op) this.preview.apply(entry.op);
    }
    this.preview.takeChanges();
    this.slider.value = String(target);
    this.renderLabel(target);
    this.renderEvents(target);
    if (!this.mapView.currentMap()) {
      const first = this.preview.maps()[0];
      if (first) this.mapView.showMap(first.id);
    }
    const firstDraft = this.preview.drafts()[0];
    if (firstDraft && !this.draftsView.currentVariant()) this.draftsView.showDraft(firstDraft.id);
    this.mapView.repaint();
    this.draftsView.repaint();
  }

  private entry(seq: number): SequencedOp | undefined {
    return seq >= 1 ? this.log[seq - 1] : undefined;
  }

  private authorName(id: string): string {
    return this.session.member(id)?.name ?? this.names.get(id) ?? "someone";
  }

  private renderLabel(seq: number): void {
    const e = this.entry(seq);
    const version = this.versions.find((v) => v.seq === seq);
    const when = e ? new Date(Number(e.serverTimeMs)).toLocaleString() : "";
    this.label.replaceChildren(
      h(
        "div",
        {},
        h("strong", {}, seq === 0 ? "The beginning" : `Change ${seq} of ${this.log.length}`),
        version ? h("div", { class: "history-version-name" }, `“${version.name}”`) : undefined,
        e ? h("div", { class: "hint" }, `${this.authorName(e.author)} · ${when}`) : undefined,
      ),
    );
  }

  private renderEvents(seq: number): void {
    const groups = groupEvents(this.log, seq, EVENTS_SHOWN);
    this.events.replaceChildren(
      ...groups.map((g) => {
        const item = h(
          "li",
          { "data-seq": g.lastSeq },
          h("span", { class: "who" }, this.authorName(g.author)),
          " ",
          g.description,
          h("span", { class: "when" }, new Date(g.timeMs).toLocaleTimeString()),
        );
        item.addEventListener("click", () => this.showSeq(g.lastSeq));
        return item;
      }),
    );
  }

  private renderVersions(): void {
    this.versionList.replaceChildren(
      ...this.versions.map((v) => {
        const item = h(
          "li",
          { "data-seq": v.seq },
          h("button", { class: "quiet", "data-testid": "version-item" }, v.name),
          h("span", { class: "hint" }, ` after change ${v.seq}${v.author ? ` · ${v.author}` : ""}`),
        );
        item.querySelector("button")?.addEventListener("click", () => this.showSeq(v.seq));
        return item;
      }),
    );
    if (this.versions.length === 0)
      this.versionList.append(h("li", { class: "hint" }, "None yet."));
    const max = Math.max(1, this.log.length);
    this.ticks.replaceChildren(
      ...this.versions.map((v) =>
        h("span", { class: "history-tick", style: `left:${(v.seq / max) * 100}%`, title: v.name }),
      ),
    );
  }

  private async loadNamesAndVersions(): Promise<void> {
    try {
      const [versions, members] = await Promise.all([
        listVersions(this.session.convening, this.token),
        pastMembers(this.session.convening, this.token),
      ]);
      this.versions = versions;
      this.names = new Map(members.map((m) => [m.id, m.name]));
    } catch {
      // Offline: the slider works from the local log; names and versions wait.
    }
    this.renderVersions();
    this.renderLabel(Number(this.slider.value));
    this.renderEvents(Number(this.slider.value));
  }

  private async nameCurrent(): Promise<void> {
    const seq = Number(this.slider.value);
    if (seq < 1) return showToast("Move the slider past the beginning first.", "error");
    const name = prompt("Name this version, e.g. “call sent to funders”")?.trim();
    if (!name) return;
    try {
      await nameVersion(this.session.convening, this.token, {
        name: name.slice(0, 200),
        seq,
        ...this.session.signature,
      });
      await this.loadNamesAndVersions();
      showToast(`Saved “${name}”`);
    } catch (e) {
      showToast(e instanceof Error ? e.message : String(e), "error");
    }
  }
}

export function createHistoryView(
  ctx: SessionContext,
  session: Session,
  token: string,
): HistoryView {
  return new HistoryController(ctx, session, token);
}
