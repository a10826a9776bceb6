// Small DOM helpers for the app shell: build elements declaratively, download
// files, and show short messages.

type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | undefined | null | false;

/** Creates an element with attributes (on* values are not accepted) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child);
  }
  return element;
}

/** Offers `data` as a file download. */
export function download(filename: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started; the URL is no longer needed once it is read.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a title: letters, digits and dashes only. */
export function safeFileName(title: string, extension: string): string {
  const base =
    title
      .normalize("NFKD")
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .toLowerCase() || "convene";
  return `${base}.${extension}`;
}

let toastRoot: HTMLElement | undefined;

/** A message at the bottom of the page that disappears by itself. */
export function showToast(message: string, kind: "info" | "error" = "info"): void {
  if (!toastRoot || !toastRoot.isConnected) {
    toastRoot = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastRoot);
  }
  const toast = h("div", { class: "toast", "data-kind": kind, "data-testid": "toast" }, message);
  toastRoot.append(toast);
  setTimeout(() => toast.remove(), kind === "error" ? 8000 : 3500);
}

/** Initials for an avatar: "Ana Lima" -> "AL". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters.map((w) => Array.from(w)[0]?.toUpperCase() ?? "").join("") || "?";
}

/**
 * Copies a link to the clipboard. Where the browser refuses (no permission,
 * or a page not served over HTTPS), `field` shows the link, selected, to copy
 * by hand.
 */
export async function copyText(text: string, field?: HTMLInputElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    showToast("Link copied");
  } catch {
    if (field) {
      field.value = text;
      field.hidden = false;
      field.select();
    }
    showToast("Copy the link from the field", "error");
  }
}

/**
 * Keeps what is typed into `input` to `max` characters as people count them
 * (code points: an emoji is one), where maxlength counts UTF-16 units.
 */
export function limitCodePoints(input: HTMLInputElement, max: number): void {
  input.addEventListener("input", () => {
    const points = Array.from(input.value);
    if (points.length > max) input.value = points.slice(0, max).join("");
  });
}

/**
 * Runs `task` unless the button's last one is still running; meanwhile the
 * button says it is busy (aria-disabled) rather than being disabled, which
 * would take the keyboard focus away from it.
 */
export async function whileBusy(
  button: HTMLButtonElement,
  task: () => Promise<void>,
): Promise<void> {
  if (button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  try {
    await task();
  } finally {
    button.removeAttribute("aria-disabled");
  }
}
