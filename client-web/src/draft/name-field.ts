// An inline text field for naming a draft or variant: Enter or leaving the
// field with a name commits, Escape cancels. No modal dialogs.

import { el } from "./dom";

/** Names are limited to 200 bytes of UTF-8 (docs/crdt.md, Limits). */
export const MAX_NAME_BYTES = 200;

/** The name trimmed and cut to the byte limit, never inside a character. */
export function cleanName(name: string): string {
  const encoder = new TextEncoder();
  let result = "";
  let bytes = 0;
  for (const char of name.trim().replace(/\s+/g, " ")) {
    bytes += encoder.encode(char).length;
    if (bytes > MAX_NAME_BYTES) break;
    result += char;
  }
  return result;
}

export interface NameFieldOptions {
  initial: string;
  placeholder: string;
  label: string;
  commit(name: string): void;
  cancel(): void;
}

export function nameField(options: NameFieldOptions): HTMLInputElement {
  const input = el("input", {
    type: "text",
    class: "draft-name-field",
    "data-testid": "name-input",
    placeholder: options.placeholder,
    "aria-label": options.label,
    value: options.initial,
    maxlength: MAX_NAME_BYTES,
  });
  let done = false;
  const finish = (commit: boolean) => {
    if (done) return;
    done = true;
    const name = cleanName(input.value);
    if (commit && name !== "") options.commit(name);
    else options.cancel();
  };
  input.addEventListener("keydown", (event) => {
    event.stopPropagation(); // keep the app's shortcuts out of the field
    if (event.key === "Enter") {
      event.preventDefault();
      finish(true);
    } else if (event.key === "Escape") {
      event.preventDefault();
      finish(false);
    }
  });
  input.addEventListener("blur", () => finish(input.value.trim() !== options.initial.trim()));
  return input;
}
