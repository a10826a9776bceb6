// Markdown to HTML that is safe to put into the page: marked renders,
// DOMPurify removes scripts, event handler attributes and javascript: URLs.

import DOMPurify from "dompurify";
import { Marked } from "marked";

// A private instance: options set here never leak into other users of marked.
const markdown = new Marked({ gfm: true, breaks: false });

let purifier: ReturnType<typeof DOMPurify> | undefined;

function sanitizer(): ReturnType<typeof DOMPurify> {
  if (!purifier) {
    purifier = DOMPurify(window);
    // Links in an invitation open elsewhere and never hand over the opener.
    purifier.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.hasAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
  }
  return purifier;
}

export function renderMarkdown(source: string): string {
  const html = markdown.parse(source, { async: false });
  return sanitizer().sanitize(html, { USE_PROFILES: { html: true }, ADD_ATTR: ["target"] });
}

/** Replaces an element's content with the rendered, sanitised markdown. */
export function renderMarkdownInto(element: HTMLElement, source: string): void {
  element.innerHTML = renderMarkdown(source);
}

/** Words in a text, for the status line. */
export function countWords(text: string): number {
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu);
  return words ? words.length : 0;
}
