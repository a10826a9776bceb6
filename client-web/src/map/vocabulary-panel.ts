// The side panel's part of the map's vocabulary, for one selected element or
// connection: its kind among the built-in and the map's custom kinds, its
// tags (chips, and a box that suggests the map's tags) and a value for every
// custom field of the map. Observers see the same, read-only.
import type { ConveneDocument, FieldDefView, FieldValue, IdKey } from "../crdt/api";
import { FIELD_NUMBER, FIELD_TEXT_BYTES } from "../crdt/limits";
import { ElementKind, FieldType } from "../gen/convene/v1/ops_pb";
import { htmlEl } from "./dom";
import { ELEMENT_KINDS, kindInfo } from "./style";
import {
  bindControl,
  normaliseTag,
  selectOf,
  tagsByUse,
  tagSuggestions,
  type Bound,
} from "./vocabulary-controls";

export interface VocabularyPanelHost {
  doc(): ConveneDocument;
  editable(): boolean;
  /** Runs one edit that completes an undo step; reports refusals. */
  commit(edit: () => void): void;
}

const CUSTOM = "custom:";

/** What an element is called by kind: its custom kind's name, else its built-in kind's. */
export function kindLabelOf(doc: ConveneDocument, element: IdKey): string {
  const view = doc.element(element);
  const custom = doc.customKindOf(element);
  const kind = custom && view ? doc.kindsOf(view.map).find((k) => k.id === custom) : undefined;
  return kind?.name || kindInfo(view?.fields.kind).label;
}

export class VocabularySections {
  readonly map: IdKey;
  private readonly parts: Bound[] = [];

  constructor(
    private readonly host: VocabularyPanelHost,
    private readonly target: IdKey,
  ) {
    const doc = host.doc();
    this.map = (doc.element(target) ?? doc.connection(target))?.map ?? "";
  }

  /** Re-reads tags, fields and kinds (after any document change). */
  sync(): void {
    for (const part of this.parts) part.sync();
  }

  // ---- kind -----------------------------------------------------------------------------

  /** The element's kind: a built-in one, or one of the map's own (set on its base). */
  kindField(): HTMLElement {
    const doc = this.host.doc();
    const id = this.target;
    const select = htmlEl("select", {
      "data-testid": "panel-kind",
      disabled: !this.host.editable(),
    });
    const read = () => {
      const custom = doc.customKindOf(id);
      return custom
        ? CUSTOM + custom
        : String(doc.element(id)?.fields.kind ?? ElementKind.UNSPECIFIED);
    };
    let optionsKey = "";
    const fillOptions = () => {
      const kinds = doc.kindsOf(this.map);
      const key = JSON.stringify(kinds.map((k) => [k.id, k.name]));
      if (key === optionsKey) return;
      optionsKey = key;
      const builtIn = [
        ["0", "Choose a kind…"],
        ...ELEMENT_KINDS.map((k) => [String(k.kind), k.label]),
      ];
      const options: HTMLElement[] = builtIn.map(([value, text]) =>
        htmlEl("option", { value }, [text]),
      );
      if (kinds.length > 0) {
        options.push(
          htmlEl(
            "optgroup",
            { label: "This map's kinds" },
            kinds.map((k) =>
              htmlEl("option", { value: CUSTOM + k.id }, [k.name || "Unnamed kind"]),
            ),
          ),
        );
      }
      select.replaceChildren(...options);
      select.value = read();
    };
    fillOptions();
    const bound = bindControl(select, read, (value) =>
      this.host.commit(() => {
        const current = doc.element(id)?.fields.kind ?? ElementKind.UNSPECIFIED;
        if (value.startsWith(CUSTOM)) {
          const kind = doc.kindsOf(this.map).find((k) => k.id === value.slice(CUSTOM.length));
          if (!kind) return;
          if (kind.base !== current) doc.updateElement(id, { kind: kind.base });
          doc.setCustomKind(id, kind.id);
        } else {
          if (doc.customKindOf(id) !== undefined) doc.setCustomKind(id, undefined);
          if (Number(value) !== current) doc.updateElement(id, { kind: Number(value) });
        }
      }),
    );
    this.parts.push({
      element: select,
      sync: () => {
        if (document.activeElement !== select) fillOptions();
        bound.sync();
      },
    });
    return htmlEl("label", { class: "cv-field" }, [htmlEl("span", {}, ["Kind"]), select]);
  }

  // ---- tags -------------------------------------------------------------------------------

  tags(): HTMLElement {
    const doc = this.host.doc();
    const id = this.target;
    const editable = this.host.editable();
    const chips = htmlEl("ul", { class: "cv-tag-list", "aria-label": "Tags" });
    const message = htmlEl("p", { class: "cv-tag-message", role: "status" });
    const suggestions = tagSuggestions();
    const input = htmlEl("input", {
      type: "text",
      "data-testid": "panel-tag-input",
      "aria-label": "Add a tag",
      placeholder: "Add a tag…",
      list: suggestions.list.id,
      autocomplete: "off",
      enterkeyhint: "done",
    });
    let shown = "";
    const render = () => {
      const tags = doc.tagsOf(id);
      suggestions.fill(tagsByUse(doc, this.map).filter((t) => !tags.includes(t)));
      const key = tags.join("\n");
      if (key === shown && chips.childElementCount > 0) return;
      shown = key;
      if (tags.length === 0) {
        chips.replaceChildren(htmlEl("li", { class: "cv-muted cv-tag-none" }, ["No tags"]));
        return;
      }
      chips.replaceChildren(...tags.map((tag, i) => chip(tag, i)));
    };
    const chip = (tag: string, index: number): HTMLElement => {
      const li = htmlEl("li", { class: "cv-tag", "data-testid": "panel-tag", "data-tag": tag }, [
        htmlEl("span", {}, [tag]),
      ]);
      if (editable) {
        const remove = htmlEl(
          "button",
          {
            type: "button",
            class: "cv-tag-remove",
            "aria-label": `Remove tag ${tag}`,
            title: "Remove",
          },
          ["×"],
        );
        remove.addEventListener("click", () => {
          this.host.commit(() => doc.setTag(id, tag, false));
          render();
          // Keyboard users stay in the list: on the next chip, else the box.
          const buttons = chips.querySelectorAll<HTMLButtonElement>(".cv-tag-remove");
          (buttons[Math.min(index, buttons.length - 1)] ?? input).focus();
        });
        li.append(remove);
      }
      return li;
    };
    const addTags = (raw: string): void => {
      const tags: string[] = [];
      for (const part of raw.split(",")) {
        if (part.trim() === "") continue;
        const result = normaliseTag(doc, this.map, part);
        if ("problem" in result) {
          message.textContent = result.problem;
          return;
        }
        if (!tags.includes(result.tag) && !doc.tagsOf(id).includes(result.tag))
          tags.push(result.tag);
      }
      message.textContent = "";
      input.value = "";
      if (tags.length === 0) return;
      this.host.commit(() => {
        for (const tag of tags) doc.setTag(id, tag, true);
      });
      render();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === ",") {
        e.preventDefault();
        addTags(input.value);
      } else if (e.key === "Backspace" && input.value === "") {
        chips.querySelector<HTMLButtonElement>(".cv-tag:last-child .cv-tag-remove")?.focus();
      } else if (e.key === "Escape" && input.value !== "") {
        input.value = "";
        e.stopPropagation();
      }
    });
    // A pasted "a, b, c" becomes tags up to its last comma.
    input.addEventListener("input", () => {
      const cut = input.value.lastIndexOf(",");
      if (cut < 0) return;
      const rest = input.value.slice(cut + 1);
      addTags(input.value.slice(0, cut));
      input.value = rest;
    });
    // Picking a suggestion from the list adds it at once.
    input.addEventListener("change", () => {
      if ([...suggestions.list.options].some((o) => o.value === input.value)) addTags(input.value);
    });
    render();
    this.parts.push({ element: chips, sync: render });
    const children: HTMLElement[] = [htmlEl("h3", {}, ["Tags"]), chips];
    if (editable) children.push(input, suggestions.list, message);
    return htmlEl("section", { class: "cv-field cv-tags", "data-testid": "panel-tags" }, children);
  }

  // ---- custom fields -------------------------------------------------------------------------

  fields(): HTMLElement {
    const doc = this.host.doc();
    const section = htmlEl("section", { class: "cv-fields", "data-testid": "panel-fields" });
    let shape = "";
    let editors: Bound[] = [];
    const render = () => {
      const fields = doc.fieldsOf(this.map);
      const key = JSON.stringify(fields.map((f) => [f.id, f.name, f.type, f.choices]));
      if (key === shape) {
        for (const editor of editors) editor.sync();
        return;
      }
      shape = key;
      const focused = section.contains(document.activeElement)
        ? (document.activeElement as HTMLElement).dataset.field
        : undefined;
      editors = fields.map((f) => this.fieldEditor(f));
      const rows = editors.map((editor, i) =>
        htmlEl("label", { class: "cv-field" }, [
          htmlEl("span", {}, [fields[i].name || "Unnamed field"]),
          editor.element,
        ]),
      );
      section.replaceChildren(htmlEl("h3", {}, ["Fields"]), ...rows);
      if (fields.length === 0) {
        section.append(
          htmlEl("p", { class: "cv-panel-hint" }, [
            "This map has no fields yet: define them with Vocabulary in the map's toolbar.",
          ]),
        );
      }
      if (focused)
        section.querySelector<HTMLElement>(`[data-field="${CSS.escape(focused)}"]`)?.focus();
    };
    render();
    this.parts.push({ element: section, sync: render });
    return section;
  }

  private fieldEditor(field: FieldDefView): Bound {
    const doc = this.host.doc();
    const id = this.target;
    const disabled = !this.host.editable();
    const attrs = { "data-testid": "panel-field", "data-field": field.id, disabled };
    const value = () => doc.fieldValue(id, field.id);
    const write = (v: FieldValue | undefined) =>
      this.host.commit(() => doc.setFieldValue(id, field.id, v));
    if (field.type === FieldType.CHOICE) {
      const select = selectOf(attrs, [
        ["", "—"],
        ...field.choices.map((c): [string, string] => [c, c]),
      ]);
      const read = () => {
        const v = value();
        const text = v === undefined ? "" : String(v);
        // A value that is not (or no longer) a choice still shows.
        if (
          text &&
          !field.choices.includes(text) &&
          !select.querySelector(`option[value="${CSS.escape(text)}"]`)
        )
          select.append(htmlEl("option", { value: text }, [`${text} (not a choice)`]));
        return text;
      };
      return bindControl(select, read, (v) => write(v === "" ? undefined : v));
    }
    if (field.type === FieldType.NUMBER) {
      const input = htmlEl("input", {
        ...attrs,
        type: "text",
        inputmode: "decimal",
        placeholder: "A number",
        "aria-describedby": `cv-field-error-${field.id}`,
      });
      const error = htmlEl("span", {
        class: "cv-field-error",
        id: `cv-field-error-${field.id}`,
        role: "status",
      });
      const bound = bindControl(
        input,
        () => {
          const v = value();
          return v === undefined ? "" : String(v);
        },
        (text) => {
          const number = parseNumber(text);
          input.setAttribute("aria-invalid", String(number === null));
          error.textContent = number === null ? "Enter a number, such as 12 or 0.5" : "";
          if (number !== null) write(number);
        },
      );
      return {
        element: htmlEl("span", { class: "cv-field-number" }, [input, error]),
        sync: () => {
          bound.sync();
          if (document.activeElement !== input && input.getAttribute("aria-invalid") === "true") {
            input.setAttribute("aria-invalid", "false");
            error.textContent = "";
          }
        },
      };
    }
    const input = htmlEl("input", { ...attrs, type: "text", maxlength: FIELD_TEXT_BYTES });
    return bindControl(
      input,
      () => {
        const v = value();
        return v === undefined ? "" : String(v);
      },
      (text) => write(text.trim() === "" ? undefined : text),
    );
  }
}

/** A number typed into a number field: undefined when emptied, null when not a number. */
export function parseNumber(text: string): number | undefined | null {
  const trimmed = text.trim().replace(/\s/g, "");
  if (trimmed === "") return undefined;
  // A decimal comma is as good as a point.
  const normal = /^[-+]?\d+,\d+$/.test(trimmed) ? trimmed.replace(",", ".") : trimmed;
  const number = Number(normal);
  return Number.isFinite(number) && Math.abs(number) <= FIELD_NUMBER ? number : null;
}
