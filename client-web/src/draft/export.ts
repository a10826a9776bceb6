// A variant as a Markdown file: its text, named after the draft and variant.

import type { ConveneDocument, IdKey } from "../crdt/api";

/** Lower-case words joined by dashes; letters of any script are kept. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
  return slug.slice(0, 80).replace(/-+$/, "");
}

export function markdownExport(
  doc: ConveneDocument,
  variant: IdKey,
): { filename: string; text: string } {
  const text = doc.text(variant);
  const found = findVariant(doc, variant);
  const draftSlug = slugify(found?.draftName ?? "") || "draft";
  const isBase = found ? found.draft === variant : true;
  const variantSlug = isBase ? "" : slugify(found?.variantName ?? "");
  const filename = variantSlug ? `${draftSlug}-${variantSlug}.md` : `${draftSlug}.md`;
  return { filename, text: text.endsWith("\n") || text === "" ? text : `${text}\n` };
}

function findVariant(
  doc: ConveneDocument,
  variant: IdKey,
): { draft: IdKey; draftName: string; variantName: string } | undefined {
  for (const draft of doc.drafts()) {
    const match = doc.variants(draft.id).find((v) => v.id === variant);
    if (match) return { draft: draft.id, draftName: draft.name, variantName: match.name };
  }
  return undefined;
}
