// XML for GraphML and GEXF, read and written with fast-xml-parser (pure
// JavaScript, the same in Node and the browser), made safe against hostile
// files: a DOCTYPE is refused outright (no DTD, so no entity expansion and no
// external entities), nesting is bounded, and only XML's five named entities
// and character references are decoded — by us, in one pass, because the
// parser leaves character references in attributes as they are.
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { checkFileSize, fail, MAX_XML_DEPTH } from "./checks";

export interface XmlNode {
  /** Local name, without namespace prefix ("ShapeNode" for y:ShapeNode). */
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element's own text, entities decoded. */
  text: string;
  /** 1-based line where the element starts, for errors. */
  line: number;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref[0] !== "#") return NAMED[ref] ?? whole;
    const code = ref[1] === "x" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  captureMetaData: true,
  maxNestedTags: MAX_XML_DEPTH,
});

type Ordered = Record<string, unknown>;
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

function lineFinder(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function toNode(entry: Ordered, lineOf: (i: number) => number): XmlNode | undefined {
  const name = Object.keys(entry).find((k) => k !== ":@");
  if (name === undefined || name === "#text" || name.startsWith("?")) return undefined;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries((entry[":@"] as Ordered) ?? {}))
    attrs[k] = decodeEntities(String(v));
  const meta = (entry as Record<symbol, { startIndex?: number }>)[META];
  const node: XmlNode = {
    name,
    attrs,
    children: [],
    text: "",
    line: lineOf(meta?.startIndex ?? 0),
  };
  for (const item of entry[name] as Ordered[]) {
    if ("#text" in item) node.text += decodeEntities(String(item["#text"]));
    else {
      const child = toNode(item, lineOf);
      if (child) node.children.push(child);
    }
  }
  return node;
}

/** The root element of an XML document, or an ImportError naming the line. */
export function parseXml(text: string, format: string): XmlNode {
  checkFileSize(text.length, format);
  if (/<!DOCTYPE/i.test(text)) fail(format, "a DOCTYPE is not accepted (no DTDs, no entities)");
  const valid = XMLValidator.validate(text);
  if (valid !== true) fail(`${format} line ${valid.err.line}`, valid.err.msg);
  let ordered: Ordered[];
  try {
    ordered = parser.parse(text) as Ordered[];
  } catch (e) {
    return fail(format, (e as Error).message);
  }
  const lineOf = lineFinder(text);
  for (const entry of ordered) {
    const node = toNode(entry, lineOf);
    if (node) return node;
  }
  return fail(format, "no root element");
}

export function childrenNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.filter((c) => c.name === name);
}

export function childNamed(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

/** Every element of this name at any depth below `node`. */
export function descendantsNamed(node: XmlNode, name: string): XmlNode[] {
  return node.children.flatMap((c) => [
    ...(c.name === name ? [c] : []),
    ...descendantsNamed(c, name),
  ]);
}

// ---- writing ------------------------------------------------------------------

// XML 1.0 cannot hold most C0 controls at all, even as references: written
// as U+FFFD, as the REST export does.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function escapeText(s: string): string {
  return s
    .replace(NOT_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** Attributes also keep their quotes and line breaks (a parser would turn a raw newline into a space). */
function escapeAttribute(s: string): string {
  return escapeText(s)
    .replace(/"/g, "&quot;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: false,
  attributeValueProcessor: (_name: string, value: unknown) => escapeAttribute(String(value)),
  tagValueProcessor: (_name: string, value: unknown) => escapeText(String(value)),
});

/**
 * An element for the builder: `{"@_attr": value, "#text": text, child: […]}`;
 * children are grouped by name in key order.
 */
export type XmlObject = { [key: string]: unknown };

export function buildXml(root: XmlObject): string {
  return builder.build({
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    ...root,
  }) as string;
}
