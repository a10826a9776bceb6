// Form controls of the map's vocabulary (the side panel's tags and fields,
// the Vocabulary dialog): each is bound to a read of the document and a
// write, and sync() refreshes it from the document unless it has focus, so a
// remote edit never eats what someone is typing.
import type { ConveneDocument, IdKey } from "../crdt/api";
import { tagProblem } from "../crdt/vocabulary-checks";
import { htmlEl } from "./dom";
import { COLOUR_PRESETS } from "./style-rules";
import { safeColour } from "./style";
import "./vocabulary.css";

export interface Bound<T extends HTMLElement = HTMLElement> {
  element: T;
  sync(): void;
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/**
 * Binds a control: it shows read(), and a change writes its value when it
 * differs. Enter leaves a one-line input; Escape puts the value back and
 * leaves it (in a dialog, an Escape that put a value back keeps it open).
 */
export function bindControl<T extends Control>(
  control: T,
  read: () => string,
  write: (value: string) => void,
): Bound<T> {
  control.value = read();
  control.addEventListener("change", () => {
    if (control.value !== read()) write(control.value);
  });
  if (control instanceof HTMLInputElement) {
    control.addEventListener("keydown", (e) => {
      if (e.key === "Enter") control.blur();
      if (e.key !== "Escape") return;
      if (control.value !== read()) {
        control.value = read();
        e.preventDefault();
      }
      control.blur();
    });
  }
  return {
    element: control,
    sync: () => {
      if (document.activeElement === control) return;
      const value = read();
      if (control.value !== value) control.value = value;
    },
  };
}

/** A <select> of [value, text] options, with an optional placeholder first. */
export function selectOf(
  attrs: Record<string, string | boolean>,
  options: [string, string][],
): HTMLSelectElement {
  const select = htmlEl("select", attrs);
  for (const [value, text] of options) select.append(htmlEl("option", { value }, [text]));
  return select;
}

/**
 * A colour from the named presets, "none" or any other colour (a native
 * picker appears for that). read() and write() speak hex ("" for none).
 */
export function colourControl(
  label: string,
  noneLabel: string,
  testid: string,
  disabled: boolean,
  read: () => string,
  write: (colour: string) => void,
): Bound {
  const swatch = htmlEl("span", { class: "cv-colour-swatch", "aria-hidden": "true" });
  const select = selectOf({ "aria-label": label, "data-testid": testid, disabled }, [
    ["", noneLabel],
    ...COLOUR_PRESETS.map((p): [string, string] => [p.colour, p.name]),
    ["other", "Other…"],
  ]);
  const picker = htmlEl("input", {
    type: "color",
    "aria-label": `${label}: other colour`,
    "data-testid": `${testid}-other`,
    disabled,
  });
  const show = () => {
    const colour = safeColour(read()) ?? "";
    const preset = COLOUR_PRESETS.find((p) => p.colour === colour);
    if (document.activeElement !== select)
      select.value = colour === "" ? "" : preset ? colour : "other";
    if (document.activeElement !== picker && colour) picker.value = colour;
    picker.hidden = select.value !== "other";
    swatch.style.setProperty("--swatch", colour || "transparent");
    swatch.classList.toggle("is-none", colour === "");
  };
  select.addEventListener("change", () => {
    if (select.value === "other") {
      picker.hidden = false;
      picker.focus();
      return;
    }
    write(select.value);
  });
  picker.addEventListener("change", () => write(picker.value));
  show();
  return { element: htmlEl("span", { class: "cv-colour" }, [swatch, select, picker]), sync: show };
}

/**
 * A tag as the map spells it: trimmed, and an existing tag's spelling when
 * one differs only in case (so "Funder" joins "funder"). Undefined with a
 * reason when it cannot be a tag.
 */
export function normaliseTag(
  doc: ConveneDocument,
  map: IdKey,
  raw: string,
): { tag: string } | { problem: string } {
  const tag = raw.trim();
  const problem = tagProblem(tag);
  if (problem !== null) return { problem: `A tag cannot be ${tag ? "this: " : ""}${problem}.` };
  const lower = tag.toLocaleLowerCase();
  const existing = doc.tagsInMap(map).find((t) => t.tag.toLocaleLowerCase() === lower);
  return { tag: existing?.tag ?? tag };
}

let lists = 0;

/** A <datalist> of the map's tags (most used first) and the id that names it. */
export function tagSuggestions(): { list: HTMLDataListElement; fill(tags: string[]): void } {
  const list = htmlEl("datalist", { id: `cv-tag-list-${++lists}` });
  let shown = "";
  return {
    list,
    fill: (tags) => {
      const key = tags.join("\n");
      if (key === shown) return;
      shown = key;
      list.replaceChildren(...tags.map((tag) => htmlEl("option", { value: tag })));
    },
  };
}

/** The map's tags, most used first, then by name. */
export function tagsByUse(doc: ConveneDocument, map: IdKey): string[] {
  return doc
    .tagsInMap(map)
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
    .map((t) => t.tag);
}
