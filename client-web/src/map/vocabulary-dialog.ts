// The Vocabulary dialog: a map's own custom fields (name, type, choices), custom
// kinds (name, the built-in kind they are drawn and exported as, colour,
// shape) and style rules (a tag, or a field = value; colour, shape, size; in
// order, moved with up/down or by dragging the grip). Every change is one undo
// step. It stays in step with the document while open, without disturbing
// the control being edited; observers see it all, read-only.
import type {
  ConveneDocument,
  FieldDefView,
  IdKey,
  KindView,
  StyleMatch,
  StyleRuleView,
} from "../crdt/api";
import { CHOICE_BYTES, FIELD_CHOICES, VOCABULARY_NAME_BYTES } from "../crdt/limits";
import { ElementKind, FieldType } from "../gen/convene/v1/ops_pb";
import { showDialog } from "../ui/dialog";
import { htmlEl } from "./dom";
import { iconSvg, kindIconPaths, TOOL_ICONS } from "./icons";
import { truncateUtf8 } from "./panel";
import { ELEMENT_KINDS, safeColour } from "./style";
import { COLOUR_PRESETS, matchValue, SHAPES, SIZES } from "./style-rules";
import {
  bindControl,
  colourControl,
  normaliseTag,
  selectOf,
  tagsByUse,
  tagSuggestions,
  type Bound,
} from "./vocabulary-controls";
import { parseNumber } from "./vocabulary-panel";

/** A tag: the toolbar's button for the dialog. */
export const VOCABULARY_ICON = [
  "M3.5 11.8V4.5A1 1 0 0 1 4.5 3.5H11.8L20.2 11.9A1.2 1.2 0 0 1 20.2 13.6L13.6 20.2A1.2 1.2 0 0 1 11.9 20.2Z",
  "M8.2 7A1.2 1.2 0 1 1 8.2 9.4A1.2 1.2 0 1 1 8.2 7Z",
];

export interface VocabularyHost {
  doc(): ConveneDocument;
  currentMap(): IdKey | undefined;
  editable(): boolean;
  /** Runs one edit that completes an undo step; reports refusals. */
  commit(edit: () => void): void;
}

const FIELD_TYPES: [string, string][] = [
  [String(FieldType.TEXT), "Text"],
  [String(FieldType.NUMBER), "Number"],
  [String(FieldType.CHOICE), "Choice"],
];

interface Row<V> {
  element: HTMLElement;
  sync(view: V): void;
}

/** Rows kept by id: new ones added, gone ones removed, the rest re-read in place. */
class KeyedList<V extends { id: IdKey }> {
  readonly element: HTMLElement;
  private readonly rows = new Map<IdKey, Row<V>>();

  constructor(
    tag: "ul" | "ol",
    testid: string,
    private readonly empty: string,
    private readonly make: (view: V) => Row<V>,
  ) {
    this.element = htmlEl(tag, { class: "cv-vocab-list", "data-testid": testid });
  }

  sync(views: V[]): void {
    const ids = new Set(views.map((v) => v.id));
    for (const [id, row] of this.rows) {
      if (ids.has(id)) continue;
      row.element.remove();
      this.rows.delete(id);
    }
    const ordered = views.map((view) => {
      let row = this.rows.get(view.id);
      if (!row) {
        row = this.make(view);
        row.element.dataset.id = view.id;
        this.rows.set(view.id, row);
      }
      row.sync(view);
      return row.element;
    });
    const inOrder =
      ordered.length === this.element.children.length &&
      ordered.every((node, i) => this.element.children[i] === node);
    if (!inOrder) {
      // Moving the row that holds focus would drop it: put it back after.
      const focused = document.activeElement;
      this.element.replaceChildren(...ordered);
      if (focused instanceof HTMLElement && this.element.contains(focused)) focused.focus();
    }
    if (views.length === 0)
      this.element.replaceChildren(htmlEl("li", { class: "cv-vocab-empty" }, [this.empty]));
  }

  row(id: IdKey): HTMLElement | undefined {
    return this.rows.get(id)?.element;
  }
}

export class VocabularyDialog {
  private dialog: HTMLDialogElement | undefined;
  private map: IdKey = "";
  private syncs: (() => void)[] = [];

  constructor(private readonly host: VocabularyHost) {}

  isOpen(): boolean {
    return this.dialog !== undefined;
  }

  open(): void {
    const map = this.host.currentMap();
    if (map === undefined || this.dialog) return;
    this.map = map;
    this.syncs = [];
    const dialog = htmlEl("dialog", {
      class: "cv-vocab",
      "aria-labelledby": "cv-vocab-title",
      "data-testid": "vocabulary-dialog",
    });
    const title = htmlEl("h2", { id: "cv-vocab-title" });
    const done = htmlEl(
      "button",
      { type: "button", class: "cv-btn cv-primary", "data-testid": "vocab-done" },
      ["Done"],
    );
    done.addEventListener("click", () => dialog.close());
    dialog.append(
      title,
      htmlEl("p", { class: "cv-vocab-intro" }, [
        this.host.editable()
          ? "This map's own fields, kinds and style rules, shared by everyone who edits it. Each change can be undone."
          : "This map's own fields, kinds and style rules. You are looking without editing rights.",
      ]),
      this.fieldsSection(),
      this.kindsSection(),
      this.rulesSection(),
      htmlEl("div", { class: "dialog-actions" }, [done]),
    );
    this.syncs.push(() => {
      const name = this.host
        .doc()
        .maps()
        .find((m) => m.id === this.map)?.name;
      title.textContent = `Vocabulary of ${name ? `“${name}”` : "this map"}`;
    });
    dialog.addEventListener("close", () => {
      if (this.dialog === dialog) this.dialog = undefined;
    });
    this.dialog = dialog;
    this.sync();
    showDialog(dialog);
  }

  /** Re-reads the document (the map's vocabulary changed, here or elsewhere). */
  sync(): void {
    if (!this.dialog) return;
    if (
      !this.host
        .doc()
        .maps()
        .some((m) => m.id === this.map)
    ) {
      this.dialog.close();
      return;
    }
    for (const sync of this.syncs) sync();
  }

  close(): void {
    this.dialog?.close();
  }

  private get doc(): ConveneDocument {
    return this.host.doc();
  }

  private commit(edit: () => void): void {
    this.host.commit(edit);
    this.sync();
  }

  private section(
    title: string,
    hint: string,
    testid: string,
    ...body: HTMLElement[]
  ): HTMLElement {
    return htmlEl("section", { class: "cv-vocab-section", "data-testid": testid }, [
      htmlEl("h3", {}, [title]),
      htmlEl("p", { class: "cv-vocab-hint" }, [hint]),
      ...body,
    ]);
  }

  /** A button that creates a definition (one undo step) and puts the focus in its row. */
  private addButton<V extends { id: IdKey }>(
    text: string,
    testid: string,
    list: KeyedList<V>,
    create: () => IdKey,
  ): HTMLElement {
    const button = htmlEl("button", { type: "button", class: "cv-btn", "data-testid": testid }, [
      iconSvg(TOOL_ICONS.plus, 16),
      text,
    ]);
    button.addEventListener("click", () => {
      let id: IdKey | undefined;
      this.commit(() => {
        id = create();
      });
      const input = id === undefined ? null : list.row(id)?.querySelector("input");
      input?.focus();
      input?.select();
    });
    button.hidden = !this.host.editable();
    return button;
  }

  /** The colour and shape of a kind or a rule; `unset` names leaving each as it is. */
  private colourAndShape(
    testid: string,
    unset: [string, string],
    view: () => { color: string; shape: string },
    update: (init: { color?: string; shape?: string }) => void,
  ): { colour: Bound; shape: Bound } {
    const disabled = !this.host.editable();
    const colour = colourControl(
      "Colour",
      unset[0],
      `${testid}-colour`,
      disabled,
      () => view().color,
      (color) => update({ color }),
    );
    const shape = bindControl(
      selectOf({ "aria-label": "Shape", "data-testid": `${testid}-shape`, disabled }, [
        ["", unset[1]],
        ...SHAPES.map((s): [string, string] => [s.key, s.label]),
      ]),
      () => view().shape,
      (v) => update({ shape: v }),
    );
    return { colour, shape };
  }

  /** A definition's name, as typed (trimmed, within the limit). */
  private nameInput(
    what: string,
    testid: string,
    read: () => string,
    write: (name: string) => void,
  ) {
    return bindControl(
      htmlEl("input", {
        type: "text",
        "aria-label": what,
        "data-testid": testid,
        maxlength: VOCABULARY_NAME_BYTES,
        disabled: !this.host.editable(),
      }),
      read,
      (v) => write(truncateUtf8(v.trim(), VOCABULARY_NAME_BYTES)),
    );
  }

  private removeButton(what: () => string, id: IdKey, testid: string): HTMLButtonElement {
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-icon-btn cv-vocab-remove",
        "data-testid": testid,
        disabled: !this.host.editable(),
      },
      [iconSvg(TOOL_ICONS.trash, 16)],
    );
    const label = () => {
      button.setAttribute("aria-label", `Remove ${what()}`);
      button.title = `Remove ${what()}`;
    };
    label();
    button.addEventListener("click", () => this.commit(() => this.doc.remove(id)));
    button.addEventListener("focus", label);
    return button;
  }

  // ---- fields ----------------------------------------------------------------------------------

  private fieldsSection(): HTMLElement {
    const list = new KeyedList<FieldDefView>("ul", "vocab-fields", "No fields yet.", (f) =>
      this.fieldRow(f),
    );
    this.syncs.push(() => list.sync(this.doc.fieldsOf(this.map)));
    const add = this.addButton("Add field", "vocab-add-field", list, () => {
      const n = this.doc.fieldsOf(this.map).length + 1;
      return this.doc.createField(this.map, { name: `Field ${n}`, type: FieldType.TEXT });
    });
    return this.section(
      "Fields",
      "Facts every element and connection of this map can hold (budget, status, contact), filled in in the side panel.",
      "vocab-fields-section",
      list.element,
      add,
    );
  }

  private fieldRow(initial: FieldDefView): Row<FieldDefView> {
    const doc = this.doc;
    const disabled = !this.host.editable();
    let view = initial;
    const update = (init: Parameters<ConveneDocument["updateField"]>[1]) =>
      this.commit(() => doc.updateField(view.id, init));
    const name = this.nameInput(
      "Field name",
      "vocab-field-name",
      () => view.name,
      (v) => update({ name: v }),
    );
    const type = bindControl(
      selectOf({ "aria-label": "Type", "data-testid": "vocab-field-type", disabled }, FIELD_TYPES),
      () => String(view.type || FieldType.TEXT),
      (v) => update({ type: Number(v) }),
    );
    const choices = bindControl(
      htmlEl("textarea", {
        rows: 3,
        "aria-label": "Choices, one per line",
        "data-testid": "vocab-field-choices",
        placeholder: "One choice per line",
        disabled,
      }),
      () => view.choices.join("\n"),
      (v) => update({ choices: cleanChoices(v) }),
    );
    const choicesBox = htmlEl("label", { class: "cv-vocab-choices" }, [
      htmlEl("span", {}, ["Choices, one per line"]),
      choices.element,
    ]);
    const remove = this.removeButton(() => `field ${view.name}`, view.id, "vocab-field-remove");
    const element = htmlEl("li", { class: "cv-vocab-row cv-vocab-field" }, [
      htmlEl("div", { class: "cv-vocab-line" }, [name.element, type.element, remove]),
      choicesBox,
    ]);
    return {
      element,
      sync: (next) => {
        view = next;
        name.sync();
        type.sync();
        choices.sync();
        choicesBox.hidden = view.type !== FieldType.CHOICE;
      },
    };
  }

  // ---- kinds -----------------------------------------------------------------------------------

  private kindsSection(): HTMLElement {
    const list = new KeyedList<KindView>(
      "ul",
      "vocab-kinds",
      "No kinds of this map's own yet.",
      (k) => this.kindRow(k),
    );
    this.syncs.push(() => list.sync(this.doc.kindsOf(this.map)));
    const add = this.addButton("Add kind", "vocab-add-kind", list, () => {
      const kinds = this.doc.kindsOf(this.map);
      return this.doc.createKind(this.map, {
        name: `Kind ${kinds.length + 1}`,
        base: ElementKind.INSTITUTION,
        color: COLOUR_PRESETS[kinds.length % COLOUR_PRESETS.length].colour,
        shape: "",
      });
    });
    return this.section(
      "Kinds",
      "Kinds of this map's own (funder, school, ministry): each is drawn with the icon of a built-in kind, and exported as it.",
      "vocab-kinds-section",
      list.element,
      add,
    );
  }

  private kindRow(initial: KindView): Row<KindView> {
    const doc = this.doc;
    const disabled = !this.host.editable();
    let view = initial;
    const update = (init: Parameters<ConveneDocument["updateKind"]>[1]) =>
      this.commit(() => doc.updateKind(view.id, init));
    const preview = htmlEl("span", { class: "cv-kind-badge", "aria-hidden": "true" });
    const name = this.nameInput(
      "Kind name",
      "vocab-kind-name",
      () => view.name,
      (v) => update({ name: v }),
    );
    const base = bindControl(
      selectOf(
        { "aria-label": "Drawn as", "data-testid": "vocab-kind-base", disabled },
        ELEMENT_KINDS.map((k) => [String(k.kind), k.label]),
      ),
      () => String(view.base || ElementKind.INSTITUTION),
      (v) => {
        const kind = Number(v) as ElementKind;
        // The elements of this kind follow: their built-in kind is the one exported.
        this.commit(() => {
          doc.updateKind(view.id, { base: kind });
          for (const element of doc.elements(this.map)) {
            if (doc.customKindOf(element.id) === view.id && element.fields.kind !== kind)
              doc.updateElement(element.id, { kind });
          }
        });
      },
    );
    const { colour, shape } = this.colourAndShape(
      "vocab-kind",
      ["Scale colour", "Usual shape"],
      () => view,
      update,
    );
    const remove = this.removeButton(() => `kind ${view.name}`, view.id, "vocab-kind-remove");
    const element = htmlEl("li", { class: "cv-vocab-row cv-vocab-kind" }, [
      htmlEl("div", { class: "cv-vocab-line" }, [preview, name.element, remove]),
      htmlEl("div", { class: "cv-vocab-line cv-vocab-props" }, [
        labelled("Drawn as", base.element),
        labelled("Colour", colour.element),
        labelled("Shape", shape.element),
      ]),
    ]);
    return {
      element,
      sync: (next) => {
        view = next;
        name.sync();
        base.sync();
        colour.sync();
        shape.sync();
        const icon = iconSvg(kindIconPaths(view.base), 18);
        preview.style.setProperty("--badge", safeColour(view.color) ?? "#8794a1");
        preview.replaceChildren(icon);
      },
    };
  }

  // ---- style rules -------------------------------------------------------------------------------

  private rulesSection(): HTMLElement {
    const list = new KeyedList<StyleRuleView>("ol", "vocab-rules", "No style rules yet.", (r) =>
      this.ruleRow(r),
    );
    this.syncs.push(() => list.sync(this.doc.styleRulesOf(this.map)));
    return this.section(
      "Style rules",
      "Colour, shape or size what has a tag or a field value. Rules apply from the top down: a lower rule wins where two set the same thing, and an element's own colour wins over all.",
      "vocab-rules-section",
      list.element,
      this.newRuleForm(list),
    );
  }

  /** "When [tag | field] [value] → Add rule". */
  private newRuleForm(list: KeyedList<StyleRuleView>): HTMLElement {
    const doc = this.doc;
    const what = htmlEl("select", { "aria-label": "Match", "data-testid": "vocab-new-rule-match" });
    const suggestions = tagSuggestions();
    const value = htmlEl("input", {
      type: "text",
      "aria-label": "Tag or value",
      "data-testid": "vocab-new-rule-value",
      list: suggestions.list.id,
      autocomplete: "off",
    });
    const message = htmlEl("p", { class: "cv-vocab-message", role: "status" });
    const add = htmlEl(
      "button",
      { type: "button", class: "cv-btn", "data-testid": "vocab-add-rule" },
      [iconSvg(TOOL_ICONS.plus, 16), "Add rule"],
    );
    let fieldsKey = "";
    const refresh = () => {
      const fields = doc.fieldsOf(this.map);
      const key = JSON.stringify(fields.map((f) => [f.id, f.name]));
      if (key !== fieldsKey) {
        fieldsKey = key;
        const chosen = what.value;
        what.replaceChildren(
          htmlEl("option", { value: "tag" }, ["a tag"]),
          ...fields.map((f) =>
            htmlEl("option", { value: f.id }, [`${f.name || "Unnamed field"} =`]),
          ),
        );
        what.value = [...what.options].some((o) => o.value === chosen) ? chosen : "tag";
      }
      const field = fields.find((f) => f.id === what.value);
      value.placeholder = field ? "a value" : "e.g. funder";
      suggestions.fill(field ? field.choices : tagsByUse(doc, this.map));
    };
    what.addEventListener("change", refresh);
    const create = () => {
      const match = this.matchFrom(what.value, value.value, message);
      if (!match) return;
      const rules = doc.styleRulesOf(this.map);
      const order = rules.length === 0 ? 0 : Math.max(...rules.map((r) => r.order)) + 1;
      let id: IdKey | undefined;
      this.commit(() => {
        id = doc.createStyleRule(this.map, {
          match,
          color: COLOUR_PRESETS[rules.length % COLOUR_PRESETS.length].colour,
          order,
        });
      });
      if (!id) return;
      value.value = "";
      message.textContent = "";
      list.row(id)?.querySelector<HTMLElement>("[data-testid='vocab-rule-colour']")?.focus();
    };
    add.addEventListener("click", create);
    value.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        create();
      }
    });
    this.syncs.push(refresh);
    const form = htmlEl("div", { class: "cv-vocab-new-rule" }, [
      htmlEl("span", {}, ["When"]),
      what,
      value,
      suggestions.list,
      add,
      message,
    ]);
    form.hidden = !this.host.editable();
    return form;
  }

  /** A rule's match from the form: a tag (the map's spelling), or a field's value. */
  private matchFrom(what: string, raw: string, message: HTMLElement): StyleMatch | undefined {
    if (what === "tag") {
      const tag = normaliseTag(this.doc, this.map, raw);
      if ("problem" in tag) {
        message.textContent = raw.trim() ? tag.problem : "Type the tag the rule is for.";
        return undefined;
      }
      return { tag: tag.tag };
    }
    const field = this.doc.fieldsOf(this.map).find((f) => f.id === what);
    if (!field) return undefined;
    if (field.type === FieldType.NUMBER) {
      const number = parseNumber(raw);
      if (number === null) {
        message.textContent = "This field holds numbers: type one, such as 12 or 0.5.";
        return undefined;
      }
      return { field: field.id, value: number === undefined ? "" : matchValue(number) };
    }
    return { field: field.id, value: raw.trim() };
  }

  private ruleRow(initial: StyleRuleView): Row<StyleRuleView> {
    const doc = this.doc;
    const disabled = !this.host.editable();
    let view = initial;
    const update = (init: Parameters<ConveneDocument["updateStyleRule"]>[1]) =>
      this.commit(() => doc.updateStyleRule(view.id, init));
    const number = htmlEl("span", { class: "cv-vocab-rule-n" });
    const match = htmlEl("span", { class: "cv-vocab-match" });
    let matchKey = "";
    const matchParts: Bound[] = [];
    const renderMatch = () => {
      const fields = doc.fieldsOf(this.map);
      const m = view.match;
      const field = "field" in m ? fields.find((f) => f.id === m.field) : undefined;
      const key = JSON.stringify([m, field?.type, field?.choices, field?.name]);
      if (key === matchKey) {
        for (const part of matchParts) part.sync();
        return;
      }
      matchKey = key;
      matchParts.length = 0;
      const focused = match.contains(document.activeElement)
        ? (document.activeElement as HTMLElement).dataset.testid
        : undefined;
      if ("tag" in m) {
        const suggestions = tagSuggestions();
        suggestions.fill(tagsByUse(doc, this.map));
        const input = htmlEl("input", {
          type: "text",
          "aria-label": "Tag",
          "data-testid": "vocab-rule-tag",
          list: suggestions.list.id,
          autocomplete: "off",
          disabled,
        });
        const bound = bindControl(
          input,
          () => ("tag" in view.match ? view.match.tag : ""),
          (v) => {
            const tag = normaliseTag(doc, this.map, v);
            input.setAttribute("aria-invalid", String("problem" in tag));
            if ("tag" in tag) update({ match: { tag: tag.tag } });
          },
        );
        matchParts.push(bound);
        match.replaceChildren(htmlEl("span", {}, ["tag"]), input, suggestions.list);
      } else {
        const fieldName = htmlEl("span", { class: "cv-vocab-field-name" }, [
          `${field?.name || "a removed field"} =`,
        ]);
        const read = () => ("field" in view.match ? view.match.value : "");
        const write = (v: string) => {
          if (!("field" in view.match)) return;
          const value = field?.type === FieldType.NUMBER ? parseNumber(v) : v.trim();
          if (value === null) return;
          update({
            match: { field: view.match.field, value: value === undefined ? "" : matchValue(value) },
          });
        };
        const control =
          field?.type === FieldType.CHOICE
            ? selectOf({ "aria-label": "Value", "data-testid": "vocab-rule-value", disabled }, [
                ["", "(empty)"],
                ...field.choices.map((c): [string, string] => [c, c]),
                ...(m.value && !field.choices.includes(m.value)
                  ? [[m.value, `${m.value} (not a choice)`] as [string, string]]
                  : []),
              ])
            : htmlEl("input", {
                type: "text",
                "aria-label": "Value",
                "data-testid": "vocab-rule-value",
                disabled,
              });
        matchParts.push(bindControl(control, read, write));
        match.replaceChildren(fieldName, control);
      }
      if (focused) match.querySelector<HTMLElement>(`[data-testid="${focused}"]`)?.focus();
    };
    const { colour, shape } = this.colourAndShape(
      "vocab-rule",
      ["Colour as is", "Shape as is"],
      () => view,
      update,
    );
    const sizes = selectOf({ "aria-label": "Size", "data-testid": "vocab-rule-size", disabled }, [
      ["1", "Size as is"],
      ...SIZES.map((s): [string, string] => [String(s.size), capitalise(s.label)]),
    ]);
    const size = bindControl(
      sizes,
      () => {
        // A size set elsewhere (an import) that the list does not offer still shows.
        const value = String(view.size || 1);
        if (![...sizes.options].some((o) => o.value === value))
          sizes.append(htmlEl("option", { value }, [`×${value}`]));
        return value;
      },
      (v) => update({ size: Number(v) }),
    );
    const up = this.moveButton("up", () => this.move(view.id, -1), disabled);
    const down = this.moveButton("down", () => this.move(view.id, 1), disabled);
    const grip = htmlEl(
      "span",
      {
        class: "cv-vocab-grip",
        title: "Drag to reorder",
        "aria-hidden": "true",
        draggable: !disabled,
      },
      ["⠿"],
    );
    const remove = this.removeButton(() => `rule ${view.id}`, view.id, "vocab-rule-remove");
    const element = htmlEl("li", { class: "cv-vocab-row cv-vocab-rule" }, [
      htmlEl("div", { class: "cv-vocab-line" }, [grip, number, match, up, down, remove]),
      htmlEl("div", { class: "cv-vocab-line cv-vocab-props" }, [
        htmlEl("span", { class: "cv-vocab-arrow", "aria-hidden": "true" }, ["→"]),
        labelled("Colour", colour.element),
        labelled("Shape", shape.element),
        labelled("Size", size.element),
      ]),
    ]);
    this.dragToReorder(element, grip, () => view.id);
    return {
      element,
      sync: (next) => {
        view = next;
        const rules = doc.styleRulesOf(this.map);
        const index = rules.findIndex((r) => r.id === view.id);
        number.textContent = `${index + 1}.`;
        up.disabled = disabled || index <= 0;
        down.disabled = disabled || index === rules.length - 1;
        renderMatch();
        colour.sync();
        shape.sync();
        size.sync();
      },
    };
  }

  private moveButton(
    direction: "up" | "down",
    action: () => void,
    disabled: boolean,
  ): HTMLButtonElement {
    const button = htmlEl(
      "button",
      {
        type: "button",
        class: "cv-icon-btn",
        "data-testid": `vocab-rule-${direction}`,
        "aria-label": `Move ${direction}`,
        title: `Move ${direction}`,
        disabled,
      },
      [direction === "up" ? "↑" : "↓"],
    );
    button.addEventListener("click", () => {
      action();
      // The button may now be disabled (at the top or bottom): keep focus in the row.
      if (button.disabled)
        button.parentElement?.querySelector<HTMLButtonElement>("button:not(:disabled)")?.focus();
    });
    return button;
  }

  /** Moves a rule `delta` places, renumbering the orders 0..n-1 (one undo step). */
  private move(id: IdKey, delta: number): void {
    const rules = this.doc.styleRulesOf(this.map);
    const from = rules.findIndex((r) => r.id === id);
    this.reorder(rules, from, from + delta);
  }

  private reorder(rules: StyleRuleView[], from: number, to: number): void {
    if (from < 0 || to < 0 || to >= rules.length || from === to) return;
    const next = [...rules];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved);
    this.commit(() =>
      next.forEach((rule, order) => {
        if (rule.order !== order) this.doc.updateStyleRule(rule.id, { order });
      }),
    );
  }

  private dragToReorder(row: HTMLElement, grip: HTMLElement, id: () => IdKey): void {
    grip.addEventListener("dragstart", (e) => {
      e.dataTransfer?.setData("text/x-convene-rule", id());
      e.dataTransfer?.setDragImage(row, 16, 16);
      row.classList.add("is-dragging");
    });
    grip.addEventListener("dragend", () => row.classList.remove("is-dragging"));
    row.addEventListener("dragover", (e) => {
      if (e.dataTransfer?.types.includes("text/x-convene-rule")) e.preventDefault();
    });
    row.addEventListener("drop", (e) => {
      const dragged = e.dataTransfer?.getData("text/x-convene-rule");
      if (!dragged) return;
      e.preventDefault();
      const rules = this.doc.styleRulesOf(this.map);
      this.reorder(
        rules,
        rules.findIndex((r) => r.id === dragged),
        rules.findIndex((r) => r.id === id()),
      );
    });
  }
}

function labelled(text: string, control: HTMLElement): HTMLElement {
  return htmlEl("span", { class: "cv-vocab-prop" }, [
    htmlEl("span", { class: "cv-vocab-prop-name" }, [text]),
    control,
  ]);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Choices as typed, one per line: trimmed, without blanks or repeats, within the limits. */
export function cleanChoices(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const choice = truncateUtf8(line.trim(), CHOICE_BYTES);
    if (choice && !out.includes(choice)) out.push(choice);
    if (out.length === FIELD_CHOICES) break;
  }
  return out;
}
