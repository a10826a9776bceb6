// GEXF (docs/formats.md "GEXF 1.3"): node and edge attributes declared by
// title as the columns in lower case; the label, x and y, colour and
// direction in GEXF's own places (label, viz:position, viz:color, edge type).
// Reads GEXF 1.1 (attvalue "id"), 1.2 and 1.3 (attvalue "for", viz:color hex).
import { fail, FIELD_NUMBER } from "./checks";
import { sourceRecord, type Cell } from "./columns";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { safeColour } from "../style";
import {
  cellText,
  filledCells,
  tablesFromLandscape,
  type Column,
  type ColumnType,
  type Table,
} from "./tables";
import { parseNumber } from "./vocabulary";
import { buildXml, childNamed, childrenNamed, parseXml, type XmlNode, type XmlObject } from "./xml";

// GEXF 1.3's number types, and "int", which Gephi also reads.
const NUMBER_TYPES = new Set([
  "integer",
  "int",
  "long",
  "float",
  "double",
  "short",
  "byte",
  "bigdecimal",
  "biginteger",
]);

// What Gephi writes in a number attribute for no value ("null", with
// "include null values") and for what no number holds (XML Schema's INF,
// -INF, NaN): read as empty, as the CRDT holds only finite numbers.
const NO_NUMBER = /^(null|[+-]?inf|[+-]?infinity|nan)$/i;

interface Attribute {
  title: string;
  type: string;
  default?: string;
}

function readAttributes(graph: XmlNode, kind: string) {
  const attributes = new Map<string, Attribute>();
  const choices = new Map<string, string[]>();
  for (const group of childrenNamed(graph, "attributes")) {
    if (group.attrs.class !== kind) continue;
    for (const a of childrenNamed(group, "attribute")) {
      const title = a.attrs.title ?? a.attrs.id ?? "";
      const def = childNamed(a, "default");
      attributes.set(a.attrs.id ?? title, {
        title,
        type: a.attrs.type ?? "string",
        ...(def ? { default: def.text } : {}),
      });
      const options = childNamed(a, "options");
      if (options)
        choices.set(
          title,
          options.text
            .split("|")
            .map((o) => o.trim())
            .filter(Boolean),
        );
    }
  }
  return { attributes, choices };
}

function typedValue(where: string, a: Attribute, text: string): Cell {
  if (!NUMBER_TYPES.has(a.type.toLowerCase()) || text.trim() === "") return text;
  if (NO_NUMBER.test(text.trim())) return "";
  const n = parseNumber(text);
  if (n === undefined) fail(where, `${a.title} '${text.trim()}' is not a number`);
  // Beyond what a number field holds: kept as written (records.ts makes the field text).
  return Math.abs(n) > FIELD_NUMBER ? text.trim() : n;
}

/** title → value of a node's or edge's attvalues, defaults filled in. */
function attvaluesOf(where: string, node: XmlNode, attributes: Map<string, Attribute>) {
  const values = new Map<string, Cell>();
  for (const v of childrenNamed(childNamed(node, "attvalues") ?? node, "attvalue")) {
    const ref = v.attrs.for ?? v.attrs.id ?? "";
    const a = attributes.get(ref);
    if (!a) fail(where, `a value for an undeclared attribute '${ref}'`);
    values.set(a.title, typedValue(where, a, v.attrs.value ?? ""));
  }
  for (const a of attributes.values())
    if (a.default !== undefined && !values.has(a.title))
      values.set(a.title, typedValue(where, a, a.default));
  return values;
}

const hex2 = (n: number) =>
  Math.max(0, Math.min(255, Math.round(n)))
    .toString(16)
    .padStart(2, "0");

function vizColour(node: XmlNode): string | undefined {
  const c = childNamed(node, "color");
  if (!c) return undefined;
  if (c.attrs.hex) return c.attrs.hex;
  const [r, g, b] = ["r", "g", "b"].map((k) => parseNumber(c.attrs[k] ?? "0") ?? 0);
  return `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

function nodeRecord(node: XmlNode, attributes: Map<string, Attribute>) {
  const where = `GEXF node '${node.attrs.id ?? ""}' (line ${node.line})`;
  const values = attvaluesOf(where, node, attributes);
  const position = childNamed(node, "position");
  const own: [string, Cell][] = [
    ["ID", node.attrs.id],
    ["Label", node.attrs.label],
  ];
  if (position) {
    const x = parseNumber(position.attrs.x ?? "");
    const y = parseNumber(position.attrs.y ?? "");
    if (x === undefined || y === undefined) fail(where, "viz:position has no numeric x and y");
    own.push(["X", x], ["Y", y]);
  }
  // The "color" attribute, which keeps what viz:color cannot, comes first.
  return sourceRecord(where, [...own, ...values, ["Color", vizColour(node)]]);
}

function edgeRecord(edge: XmlNode, attributes: Map<string, Attribute>, defaultType: string) {
  const where = `GEXF edge '${edge.attrs.id ?? ""}' (line ${edge.line})`;
  const own: [string, Cell][] = [
    ["ID", edge.attrs.id],
    ["From", edge.attrs.source],
    ["To", edge.attrs.target],
    ["Label", edge.attrs.label],
    ["Direction", edge.attrs.type ?? defaultType],
  ];
  // GEXF's own edge weight (Gephi's Les Misérables has one on every edge but
  // the first) is a number field "weight", after any attribute of that title.
  const weight: [string, Cell][] = [];
  if (edge.attrs.weight !== undefined) {
    const w = typedValue(where, { title: "weight", type: "double" }, edge.attrs.weight);
    weight.push(["weight", w]);
  }
  return sourceRecord(where, [...own, ...attvaluesOf(where, edge, attributes), ...weight]);
}

export function readGexf(text: string): LandscapeData {
  const root = parseXml(text, "GEXF");
  if (root.name !== "gexf") fail("GEXF", `the root element is <${root.name}>, not <gexf>`);
  const graph = childNamed(root, "graph");
  if (!graph) fail("GEXF", "no <graph>");
  const nodeAttributes = readAttributes(graph, "node");
  const edgeAttributes = readAttributes(graph, "edge");
  const nodes = childrenNamed(childNamed(graph, "nodes") ?? graph, "node");
  const edges = childrenNamed(childNamed(graph, "edges") ?? graph, "edge");
  const defaultType = graph.attrs.defaultedgetype ?? "undirected";
  return landscapeFromRecords({
    elements: nodes.map((n) => nodeRecord(n, nodeAttributes.attributes)),
    connections: edges.map((e) => edgeRecord(e, edgeAttributes.attributes, defaultType)),
    shapes: [],
    numbersFromText: false,
    choices: new Map([...nodeAttributes.choices, ...edgeAttributes.choices]),
  });
}

// ---- writing ------------------------------------------------------------------

const GEXF_TYPES: Record<ColumnType, string> = {
  text: "string",
  tags: "string",
  number: "double",
  integer: "integer",
  boolean: "boolean",
};

/** Columns with a place of their own in GEXF, not attributes. */
const OWN_NODE = new Set(["id", "label", "x", "y"]);
const OWN_EDGE = new Set(["id", "from", "to", "label", "direction"]);

function attributeColumns(table: Table, own: Set<string>): Column[] {
  return table.columns.filter((c) => !own.has(c.key));
}

function declarations(columns: Column[], kind: string, data: LandscapeData): XmlObject {
  return {
    "@_class": kind,
    attribute: columns.map((c) => {
      const choices = data.fields.find((f) => f.name === c.name)?.choices ?? [];
      return {
        "@_id": c.id,
        "@_title": c.key,
        "@_type": GEXF_TYPES[c.type],
        ...(choices.length ? { options: choices.join("|") } : {}),
      };
    }),
  };
}

function attvalues(table: Table, row: Cell[], columns: Column[]) {
  const values = filledCells(table, row)
    .filter(([c]) => columns.includes(c))
    .map(([c, v]) => ({ "@_for": c.id, "@_value": cellText(v) }));
  return values.length ? { attvalues: { attvalue: values } } : {};
}

function cellOf(table: Table, row: Cell[], key: string): Cell {
  return row[table.columns.findIndex((c) => c.key === key)];
}

function vizOf(table: Table, row: Cell[]): XmlObject {
  const x = cellOf(table, row, "x");
  const y = cellOf(table, row, "y");
  const rgb = safeColour(String(cellOf(table, row, "color") ?? ""));
  return {
    ...(rgb
      ? {
          "viz:color": {
            "@_r": parseInt(rgb.slice(1, 3), 16),
            "@_g": parseInt(rgb.slice(3, 5), 16),
            "@_b": parseInt(rgb.slice(5, 7), 16),
          },
        }
      : {}),
    ...(x === undefined
      ? {}
      : { "viz:position": { "@_x": Number(x), "@_y": Number(y), "@_z": 0 } }),
  };
}

export function writeGexf(data: LandscapeData): string {
  const { elements, connections } = tablesFromLandscape(data);
  const nodeColumns = attributeColumns(elements, OWN_NODE);
  const edgeColumns = attributeColumns(connections, OWN_EDGE);
  const optional = (key: string, v: Cell) => (v === undefined ? {} : { [`@_${key}`]: String(v) });
  return buildXml({
    gexf: {
      "@_xmlns": "http://gexf.net/1.3",
      "@_xmlns:viz": "http://gexf.net/1.3/viz",
      "@_version": "1.3",
      meta: { creator: "Convene" },
      graph: {
        "@_defaultedgetype": "directed",
        "@_mode": "static",
        attributes: [
          declarations(nodeColumns, "node", data),
          declarations(edgeColumns, "edge", data),
        ],
        nodes: {
          node: elements.rows.map((row) => ({
            "@_id": String(cellOf(elements, row, "id")),
            "@_label": String(cellOf(elements, row, "label") ?? ""),
            ...attvalues(elements, row, nodeColumns),
            ...vizOf(elements, row),
          })),
        },
        edges: {
          edge: connections.rows.map((row) => ({
            ...optional("id", cellOf(connections, row, "id")),
            "@_source": String(cellOf(connections, row, "from")),
            "@_target": String(cellOf(connections, row, "to")),
            "@_type": String(cellOf(connections, row, "direction")),
            ...optional("label", cellOf(connections, row, "label")),
            ...attvalues(connections, row, edgeColumns),
          })),
        },
      },
    },
  });
}
