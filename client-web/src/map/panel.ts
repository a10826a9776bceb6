// The side panel: details of the selection, edited in place. Built once per
// selection; sync() then refreshes values from the document without touching
// the field being typed in, so a remote edit never eats someone's typing.
import type { ConveneDocument, IdKey, PerspectiveSummary } from "../crdt/api";
import { Direction, Geometry, ScaleLevel } from "../gen/convene/v1/ops_pb";
import { htmlEl, svgEl } from "./dom";
import { iconSvg, kindIconPaths, TOOL_ICONS } from "./icons";
import { pinToggle, type PinToggle } from "./layout-pin";
import {
  BOUNDARY_TYPES,
  CONNECTION_KINDS,
  connectionKindInfo,
  DIRECTIONS,
  kindInfo,
  levelInfo,
  SCALE_LEVELS,
  showsDisagreement,
  STRENGTH_ASPECT,
  UNSPECIFIED_LEVEL,
} from "./style";
import { bindControl } from "./vocabulary-controls";
import { kindLabelOf, VocabularySections } from "./vocabulary-panel";

export interface PanelHost {
  doc(): ConveneDocument;
  /** Editing allowed (a participant on the live document). */
  editable(): boolean;
  /** My member id when I may state a perspective (live, not an observer). */
  myId(): string | undefined;
  nameOf(participant: string): string;
  colourOf(participant: string): string;
  /** Runs one edit that completes an undo step; reports refusals. */
  commit(edit: () => void): void;
  removeSelection(): void;
  select(ids: IdKey[]): void;
  /** Opens "Connect to…" for the selected element (connect-picker.ts). */
  connectFrom?(): void;
}

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Binding {
  field: Field;
  read: () => string;
}

const LABEL_LIMIT = 500;
/** How many of an element's connections its panel lists. */
const CONNECTIONS_LISTED = 30;
const NOTES_LIMIT = 20_000;
export const STRENGTH_WORDS = ["", "Very weak", "Weak", "Moderate", "Strong", "Very strong"];

export class Panel {
  readonly element = htmlEl("aside", { class: "cv-panel", "aria-label": "Selection details" });
  private selection: IdKey[] = [];
  private bindings: Binding[] = [];
  private perspectiveBox: HTMLElement | undefined;
  private header: HTMLElement | undefined;
  private pin: PinToggle | undefined;
  /** Kind, tags and custom fields of a lone element or connection (vocabulary-panel.ts). */
  private vocabulary: VocabularySections | undefined;

  constructor(private readonly host: PanelHost) {
    this.show([]);
  }

  /** Rebuilds the panel for a new selection. */
  show(selection: IdKey[]): void {
    this.selection = [...selection];
    this.bindings = [];
    this.perspectiveBox = undefined;
    this.header = undefined;
    this.pin = undefined;
    this.vocabulary = undefined;
    const doc = this.host.doc();
    let body: HTMLElement[];
    if (selection.length === 0) body = this.emptyBody();
    else if (selection.length > 1) body = this.multiBody(selection);
    else if (doc.element(selection[0])) body = this.elementBody(selection[0]);
    else if (doc.connection(selection[0])) body = this.connectionBody(selection[0]);
    else if (doc.shape(selection[0])) body = this.shapeBody(selection[0]);
    else body = this.emptyBody();
    this.element.replaceChildren(...body);
  }

  /** Refreshes values after document changes (the focused field keeps its text). */
  sync(changed: ReadonlySet<IdKey> | undefined): void {
    // The map is listed when its vocabulary changed (fields, kinds).
    const vocabularyChanged = !!this.vocabulary && !!changed?.has(this.vocabulary.map);
    if (changed && !vocabularyChanged && !this.selection.some((id) => changed.has(id))) return;
    const active = document.activeElement;
    for (const b of this.bindings) {
      if (b.field !== active) {
        const value = b.read();
        if (b.field.value !== value) b.field.value = value;
      }
    }
    if (this.header && this.selection.length === 1)
      this.header.replaceWith((this.header = this.headerFor(this.selection[0])));
    if (this.perspectiveBox && this.selection.length === 1)
      this.renderPerspective(this.selection[0]);
    this.pin?.refresh();
    this.vocabulary?.sync();
  }

  // ---- bodies -------------------------------------------------------------------

  private emptyBody(): HTMLElement[] {
    const tips = this.host.editable()
      ? [
          "Pick a kind from the palette, then click on the map to place it (or drag it there).",
          "Drag from the dot on an element's edge to another element to connect them.",
          "Shift-click or shift-drag to select several things.",
          "Drag the background to pan; Ctrl + wheel or the buttons zoom.",
        ]
      : [
          "You are looking at this map without editing rights.",
          "Drag the background to pan; Ctrl + wheel zooms.",
        ];
    return [
      htmlEl("h2", { class: "cv-panel-title" }, ["Nothing selected"]),
      htmlEl("p", { class: "cv-panel-hint" }, [
        "Click something on the map to see and edit its details.",
      ]),
      htmlEl(
        "ul",
        { class: "cv-tips" },
        tips.map((t) => htmlEl("li", {}, [t])),
      ),
    ];
  }

  private multiBody(selection: IdKey[]): HTMLElement[] {
    const doc = this.host.doc();
    const counts = { element: 0, connection: 0, shape: 0 };
    for (const id of selection) {
      if (doc.element(id)) counts.element++;
      else if (doc.connection(id)) counts.connection++;
      else if (doc.shape(id)) counts.shape++;
    }
    const parts = [
      plural(counts.element, "element"),
      plural(counts.connection, "connection"),
      plural(counts.shape, "boundary or region", "boundaries or regions"),
    ].filter(Boolean);
    return [
      htmlEl("h2", { class: "cv-panel-title" }, [`${selection.length} selected`]),
      htmlEl("p", { class: "cv-panel-hint" }, [parts.join(", ")]),
      htmlEl("p", { class: "cv-panel-hint" }, ["Drag any of them to move them together."]),
      ...this.pinRow(selection),
      this.deleteButton(`Delete ${selection.length} items`),
    ];
  }

  private elementBody(id: IdKey): HTMLElement[] {
    const doc = this.host.doc();
    const el = () => doc.element(id)?.fields;
    const update = (fields: Parameters<ConveneDocument["updateElement"]>[1]) =>
      this.host.commit(() => doc.updateElement(id, fields));
    const selfOf = el()?.selfOf;
    const vocabulary = (this.vocabulary = new VocabularySections(this.host, id));
    const out: HTMLElement[] = [(this.header = this.headerFor(id))];
    if (selfOf) {
      out.push(
        htmlEl("p", { class: "cv-panel-hint" }, [
          `This is ${this.host.nameOf(selfOf)} on the map.`,
        ]),
      );
    }
    out.push(
      this.textField(
        "Label",
        "panel-label",
        () => el()?.label ?? "",
        (v) => update({ label: v }),
        LABEL_LIMIT,
      ),
      vocabulary.kindField(),
      this.selectField(
        "Scale",
        "panel-scale",
        SCALE_LEVELS.map((l) => [String(l.level), l.label]),
        () => String(el()?.scale ?? ScaleLevel.UNSPECIFIED),
        (v) => update({ scale: Number(v) }),
        UNSPECIFIED_LEVEL.label,
      ),
      this.textArea(
        "Notes",
        "panel-notes",
        () => el()?.notes ?? "",
        (v) => update({ notes: v }),
        NOTES_LIMIT,
      ),
      vocabulary.tags(),
      vocabulary.fields(),
    );
    out.push(
      ...this.pinRow([id]),
      ...this.connectButton(),
      this.connectionList(id),
      this.perspectiveSection(id),
      this.deleteButton("Delete element"),
    );
    return out;
  }

  /** "Connect to…" (key C): a connection drawn from the keyboard; editors only. */
  private connectButton(): HTMLElement[] {
    const connectFrom = this.host.connectFrom?.bind(this.host);
    if (!connectFrom || !this.host.editable()) return [];
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-btn",
        "data-testid": "panel-connect",
        "aria-keyshortcuts": "C",
        title: "Connect this element to another one (C)",
      },
      [iconSvg(TOOL_ICONS.connect, 16), "Connect to…"],
    );
    button.addEventListener("click", () => connectFrom());
    return [htmlEl("div", { class: "cv-panel-actions" }, [button])];
  }

  /** Pin or unpin the elements among `ids` (layout-pin.ts); nothing when there are none. */
  private pinRow(ids: IdKey[]): HTMLElement[] {
    const commit = (edit: () => void) => this.host.commit(edit);
    this.pin = pinToggle(this.host.doc(), ids, this.host.editable(), commit);
    return this.pin ? [this.pin.element] : [];
  }

  /**
   * The element's connections, each a button that selects it: what it is tied
   * to at a glance, and the keyboard's way to a connection (elements take
   * focus on the canvas; connections, thousands on a large map, do not).
   */
  private connectionList(id: IdKey): HTMLElement {
    const doc = this.host.doc();
    const element = doc.element(id);
    const mine = element
      ? doc.connections(element.map).filter((c) => c.from === id || c.to === id)
      : [];
    const section = htmlEl(
      "section",
      { class: "cv-conn-list", "data-testid": "panel-connections" },
      [
        htmlEl("h3", {}, [
          mine.length === 0 ? "No connections yet" : `Connections (${mine.length})`,
        ]),
      ],
    );
    const list = htmlEl("ul", {});
    for (const connection of mine.slice(0, CONNECTIONS_LISTED)) {
      const outgoing = connection.from === id;
      const other = doc.element(outgoing ? connection.to : connection.from)?.fields;
      const otherName = other ? other.label || kindInfo(other.kind).label : "?";
      const direction = connection.fields.direction ?? Direction.NONE;
      const arrow =
        direction === Direction.BOTH
          ? "↔"
          : direction === Direction.NONE
            ? "—"
            : outgoing
              ? "→"
              : "←";
      const kind = connectionKindInfo(connection.fields.kind).label;
      const button = htmlEl(
        "button",
        { type: "button", class: "cv-link", title: "Select this connection" },
        [`${arrow} ${otherName}`],
      );
      button.addEventListener("click", () => this.host.select([connection.id]));
      list.append(htmlEl("li", {}, [button, htmlEl("span", { class: "cv-muted" }, [` ${kind}`])]));
    }
    if (mine.length > CONNECTIONS_LISTED) {
      list.append(
        htmlEl("li", { class: "cv-muted" }, [`and ${mine.length - CONNECTIONS_LISTED} more`]),
      );
    }
    if (mine.length > 0) section.append(list);
    return section;
  }

  private connectionBody(id: IdKey): HTMLElement[] {
    const doc = this.host.doc();
    const conn = () => doc.connection(id)?.fields;
    const update = (fields: Parameters<ConveneDocument["updateConnection"]>[1]) =>
      this.host.commit(() => doc.updateConnection(id, fields));
    const vocabulary = (this.vocabulary = new VocabularySections(this.host, id));
    return [
      (this.header = this.headerFor(id)),
      this.textField(
        "Label",
        "panel-label",
        () => conn()?.label ?? "",
        (v) => update({ label: v }),
        LABEL_LIMIT,
      ),
      this.selectField(
        "Kind",
        "panel-kind",
        CONNECTION_KINDS.filter((k) => k.kind !== 0).map((k) => [String(k.kind), k.label]),
        () => String(conn()?.kind ?? 0),
        (v) => update({ kind: Number(v) }),
        "Unspecified",
      ),
      this.selectField(
        "Direction",
        "panel-direction",
        DIRECTIONS.map((d) => [String(d.direction), d.label]),
        () => String(conn()?.direction ?? Direction.NONE),
        (v) => update({ direction: Number(v) }),
      ),
      this.selectField(
        "Depth",
        "panel-depth",
        [
          ["1", "1 · light"],
          ["2", "2 · established"],
          ["3", "3 · deep"],
        ],
        () => String(conn()?.depth || 1),
        (v) => update({ depth: Number(v) }),
      ),
      vocabulary.tags(),
      vocabulary.fields(),
      this.perspectiveSection(id),
      this.deleteButton("Delete connection"),
    ];
  }

  private shapeBody(id: IdKey): HTMLElement[] {
    const doc = this.host.doc();
    const shape = () => doc.shape(id);
    const update = (fields: Parameters<ConveneDocument["updateShape"]>[1]) =>
      this.host.commit(() => doc.updateShape(id, fields));
    const sphereOf = shape()?.fields.sphereOf;
    const out: HTMLElement[] = [(this.header = this.headerFor(id))];
    if (sphereOf) {
      out.push(
        htmlEl("p", { class: "cv-panel-hint" }, [
          `${this.host.nameOf(sphereOf)}'s sphere of influence.`,
        ]),
      );
    } else {
      out.push(
        this.selectField(
          "Type",
          "panel-type",
          BOUNDARY_TYPES.filter((t) => t.type !== 0).map((t) => [String(t.type), t.label]),
          () => String(shape()?.fields.type ?? 0),
          (v) => update({ type: Number(v) }),
          "Unspecified",
        ),
      );
    }
    out.push(
      this.textField(
        "Label",
        "panel-label",
        () => shape()?.fields.label ?? "",
        (v) => update({ label: v }),
        LABEL_LIMIT,
      ),
      htmlEl("p", { class: "cv-panel-hint" }, ["Drag the round handles to reshape it."]),
      this.deleteButton(
        shape()?.geometry === Geometry.POLYGON ? "Delete region" : "Delete boundary",
      ),
    );
    return out;
  }

  private headerFor(id: IdKey): HTMLElement {
    const doc = this.host.doc();
    const element = doc.element(id);
    if (element) {
      const level = levelInfo(element.fields.scale);
      const badge = htmlEl("span", { class: "cv-kind-badge", style: `--badge:${level.colour}` }, [
        iconSvg(kindIconPaths(element.fields.kind), 18),
      ]);
      return htmlEl("header", { class: "cv-panel-header" }, [
        badge,
        htmlEl("div", {}, [
          htmlEl("h2", { class: "cv-panel-title" }, [
            element.fields.label || kindInfo(element.fields.kind).label,
          ]),
          htmlEl("p", { class: "cv-panel-sub" }, [`${kindLabelOf(doc, id)} · ${level.label}`]),
        ]),
      ]);
    }
    const connection = doc.connection(id);
    if (connection) {
      const name = (e: IdKey) => {
        const f = doc.element(e)?.fields;
        return f ? f.label || kindInfo(f.kind).label : "?";
      };
      const arrow = [" — ", " → ", " ↔ "][connection.fields.direction ?? 0] ?? " — ";
      const endLink = (e: IdKey) =>
        htmlEl("button", { type: "button", class: "cv-link", title: "Select this element" }, [
          name(e),
        ]);
      const from = endLink(connection.from);
      const to = endLink(connection.to);
      from.addEventListener("click", () => this.host.select([connection.from]));
      to.addEventListener("click", () => this.host.select([connection.to]));
      return htmlEl("header", { class: "cv-panel-header" }, [
        htmlEl("div", {}, [
          htmlEl("h2", { class: "cv-panel-title" }, ["Connection"]),
          htmlEl("p", { class: "cv-panel-sub" }, [from, arrow, to]),
        ]),
      ]);
    }
    const shape = doc.shape(id);
    const title = shape?.fields.sphereOf
      ? "Sphere of influence"
      : shape?.geometry === Geometry.POLYGON
        ? "Region"
        : "Boundary";
    return htmlEl("header", { class: "cv-panel-header" }, [
      htmlEl("h2", { class: "cv-panel-title" }, [title]),
    ]);
  }

  // ---- perspectives ---------------------------------------------------------------

  private perspectiveSection(id: IdKey): HTMLElement {
    this.perspectiveBox = htmlEl("section", {
      class: "cv-perspective",
      "data-testid": "panel-perspective",
    });
    this.renderPerspective(id);
    return this.perspectiveBox;
  }

  private renderPerspective(id: IdKey): void {
    const box = this.perspectiveBox!;
    const doc = this.host.doc();
    const summary = doc.perspectives(id).get(STRENGTH_ASPECT);
    const me = this.host.myId();
    const mine = me !== undefined ? summary?.values.get(me) : undefined;
    const children: HTMLElement[] = [
      htmlEl("h3", {}, ["How I see it"]),
      htmlEl("p", { class: "cv-panel-hint" }, ["How strong is this, in your view?"]),
    ];
    const scale = htmlEl("div", {
      class: "cv-rating",
      role: "group",
      "aria-label": "My strength rating",
    });
    for (let v = 1; v <= 5; v++) {
      const button = htmlEl(
        "button",
        {
          type: "button",
          class: "cv-rating-btn",
          "data-testid": `perspective-${v}`,
          "aria-pressed": String(mine === v),
          title: STRENGTH_WORDS[v],
          disabled: me === undefined,
        },
        [String(v)],
      );
      button.addEventListener("click", () =>
        this.host.commit(() => doc.setPerspective(id, STRENGTH_ASPECT, me!, v)),
      );
      scale.append(button);
    }
    children.push(scale);
    const withdraw = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-link",
        "data-testid": "perspective-withdraw",
        disabled: mine === undefined,
      },
      ["Withdraw my rating"],
    );
    withdraw.addEventListener("click", () =>
      this.host.commit(() => doc.setPerspective(id, STRENGTH_ASPECT, me!)),
    );
    if (me !== undefined) children.push(withdraw);
    children.push(this.perspectiveSummary(summary));
    box.replaceChildren(...children);
  }

  private perspectiveSummary(summary: PerspectiveSummary | undefined): HTMLElement {
    if (!summary || summary.count === 0) {
      return htmlEl("p", { class: "cv-panel-hint", "data-testid": "perspective-summary" }, [
        "No one has rated this yet.",
      ]);
    }
    const rows = [...summary.values.entries()]
      .sort((a, b) => this.host.nameOf(a[0]).localeCompare(this.host.nameOf(b[0])))
      .map(([participant, value]) =>
        htmlEl("li", {}, [
          htmlEl("span", {
            class: "cv-dot",
            style: `background:${this.host.colourOf(participant)}`,
          }),
          htmlEl("span", { class: "cv-who" }, [this.host.nameOf(participant)]),
          meter(value),
          htmlEl("span", { class: "cv-value" }, [formatNumber(value)]),
        ]),
      );
    const people = summary.count === 1 ? "1 person" : `${summary.count} people`;
    const aggregate = htmlEl("p", { class: "cv-aggregate", "data-testid": "perspective-summary" }, [
      `Average ${formatNumber(summary.mean)} · ${people} · range ${formatNumber(summary.min)}–${formatNumber(summary.max)} · spread ${formatNumber(summary.spread)}`,
    ]);
    const out = htmlEl("div", { class: "cv-perspective-summary" }, [
      htmlEl("ul", { class: "cv-values" }, rows),
      aggregate,
    ]);
    if (showsDisagreement(summary)) {
      out.append(
        htmlEl("p", { class: "cv-disagree-note" }, [
          "The group sees this quite differently: worth talking about.",
        ]),
      );
    }
    return out;
  }

  // ---- fields ----------------------------------------------------------------------

  private textField(
    label: string,
    testid: string,
    read: () => string,
    write: (v: string) => void,
    limit: number,
  ): HTMLElement {
    const input = htmlEl("input", {
      type: "text",
      "data-testid": testid,
      maxlength: limit,
      disabled: !this.host.editable(),
      placeholder: "Add a label",
    });
    return this.bind(label, input, read, (v) => write(truncateUtf8(v, limit)));
  }

  private textArea(
    label: string,
    testid: string,
    read: () => string,
    write: (v: string) => void,
    limit: number,
  ): HTMLElement {
    const area = htmlEl("textarea", {
      "data-testid": testid,
      rows: 4,
      maxlength: limit,
      disabled: !this.host.editable(),
      placeholder: "Who, what, why it matters…",
    });
    return this.bind(label, area, read, (v) => write(truncateUtf8(v, limit)));
  }

  private selectField(
    label: string,
    testid: string,
    options: [string, string][],
    read: () => string,
    write: (v: string) => void,
    unsetLabel?: string,
  ): HTMLElement {
    const select = htmlEl("select", { "data-testid": testid, disabled: !this.host.editable() });
    if (unsetLabel !== undefined) select.append(htmlEl("option", { value: "0" }, [unsetLabel]));
    for (const [value, text] of options) select.append(htmlEl("option", { value }, [text]));
    return this.bind(label, select, read, write);
  }

  private bind(
    label: string,
    field: Field,
    read: () => string,
    write: (v: string) => void,
  ): HTMLElement {
    bindControl(field, read, write);
    this.bindings.push({ field, read });
    return htmlEl("label", { class: "cv-field" }, [htmlEl("span", {}, [label]), field]);
  }

  private deleteButton(text: string): HTMLElement {
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-danger",
        "data-testid": "panel-delete",
        disabled: !this.host.editable(),
      },
      [iconSvg(TOOL_ICONS.trash, 16), text],
    );
    button.addEventListener("click", () => this.host.removeSelection());
    return htmlEl("div", { class: "cv-panel-actions" }, [button]);
  }

  /** The label input, for focusing right after placing an element. */
  labelField(): HTMLInputElement | null {
    return this.element.querySelector('[data-testid="panel-label"]');
  }
}

function meter(value: number): SVGSVGElement {
  const width = Math.max(0, Math.min(5, value)) * 12;
  return svgEl(
    "svg",
    { class: "cv-meter", width: 60, height: 8, viewBox: "0 0 60 8", "aria-hidden": "true" },
    [
      svgEl("rect", { width: 60, height: 8, rx: 4, fill: "#e6eaee" }),
      svgEl("rect", { width, height: 8, rx: 4, fill: "currentColor" }),
    ],
  );
}

function plural(n: number, one: string, many = one + "s"): string {
  return n === 0 ? "" : `${n} ${n === 1 ? one : many}`;
}

export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** Cuts a string to at most `limit` bytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, limit: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= limit) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const size = encoder.encode(ch).length;
    if (bytes + size > limit) break;
    out += ch;
    bytes += size;
  }
  return out;
}
