// GraphML (docs/formats.md "GraphML"): keys declared with attr.name and
// attr.type, named as the columns in lower case; node and edge ids are the
// element and connection ids; shapes ride along as graph data
// "convene.shapes", the Shapes table as JSON. yEd's node labels, geometry and
// fill, and its edge labels and arrows, are read where no key says otherwise.
import { fail } from "./checks";
import { sourceRecord, type Cell, type SourceRecord } from "./columns";
import type { LandscapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { cellText, filledCells, tablesFromLandscape, type ColumnType, type Table } from "./tables";
import { parseNumber } from "./vocabulary";
import {
  buildXml,
  childNamed,
  childrenNamed,
  descendantsNamed,
  parseXml,
  type XmlNode,
  type XmlObject,
} from "./xml";

const SHAPES_KEY = "convene.shapes";
const NUMBER_TYPES = new Set(["int", "long", "float", "double"]);

interface Key {
  name: string;
  type: string;
  for: string;
  default?: string;
  yfiles?: string;
}

function readKeys(root: XmlNode): Map<string, Key> {
  const keys = new Map<string, Key>();
  for (const k of childrenNamed(root, "key")) {
    const def = childNamed(k, "default");
    keys.set(k.attrs.id ?? "", {
      name: k.attrs["attr.name"] ?? k.attrs.id ?? "",
      type: k.attrs["attr.type"] ?? "string",
      for: k.attrs.for ?? "all",
      ...(def ? { default: def.text } : {}),
      ...(k.attrs["yfiles.type"] ? { yfiles: k.attrs["yfiles.type"] } : {}),
    });
  }
  return keys;
}

function typedValue(where: string, key: Key, text: string): Cell {
  if (!NUMBER_TYPES.has(key.type) || text.trim() === "") return text;
  const n = parseNumber(text);
  if (n === undefined) fail(where, `${key.name} '${text.trim()}' is not a number`);
  return n;
}

/** attr.name → value of an element's data, with key defaults filled in. */
function dataOf(where: string, node: XmlNode, keys: Map<string, Key>, kind: string) {
  const values = new Map<string, Cell>();
  const graphics: XmlNode[] = [];
  for (const d of childrenNamed(node, "data")) {
    const key = keys.get(d.attrs.key ?? "");
    if (!key) fail(where, `data for an undeclared key '${d.attrs.key}'`);
    if (key.yfiles) graphics.push(d);
    else values.set(key.name, typedValue(where, key, d.text));
  }
  for (const key of keys.values()) {
    if (
      (key.for === kind || key.for === "all") &&
      key.default !== undefined &&
      !values.has(key.name)
    )
      values.set(key.name, typedValue(where, key, key.default));
  }
  return { values, graphics };
}

function has(values: Map<string, Cell>, name: string): boolean {
  return [...values.keys()].some((k) => k.trim().toLowerCase() === name);
}

/** yEd's y:NodeLabel, y:Geometry (top left corner and size) and y:Fill. */
function yedNode(graphics: XmlNode[], values: Map<string, Cell>): void {
  const label = graphics.flatMap((g) => descendantsNamed(g, "NodeLabel"))[0];
  if (label && !has(values, "label")) values.set("label", label.text.trim());
  const box = graphics.flatMap((g) => descendantsNamed(g, "Geometry"))[0];
  if (box && !has(values, "x") && !has(values, "y")) {
    const [x, y, w, h] = ["x", "y", "width", "height"].map((a) => parseNumber(box.attrs[a] ?? "0"));
    if (x !== undefined && y !== undefined) {
      values.set("x", x + (w ?? 0) / 2);
      values.set("y", y + (h ?? 0) / 2);
    }
  }
  const fill = graphics.flatMap((g) => descendantsNamed(g, "Fill"))[0];
  if (fill?.attrs.color && !has(values, "color")) values.set("color", fill.attrs.color.slice(0, 7));
}

/** yEd's y:EdgeLabel and y:Arrows, where the edge has no label or direction key. */
function yedEdge(graphics: XmlNode[], values: Map<string, Cell>): void {
  const label = graphics.flatMap((g) => descendantsNamed(g, "EdgeLabel"))[0];
  if (label && !has(values, "label")) values.set("label", label.text.trim());
  const arrows = graphics.flatMap((g) => descendantsNamed(g, "Arrows"))[0];
  if (arrows && !has(values, "direction")) {
    const source = (arrows.attrs.source ?? "none") !== "none";
    const target = (arrows.attrs.target ?? "none") !== "none";
    values.set(
      "direction",
      source && target ? "mutual" : source || target ? "directed" : "undirected",
    );
  }
}

/** Nodes of the graph and of graphs nested in nodes (yEd groups). */
function allNodes(graph: XmlNode): XmlNode[] {
  return childrenNamed(graph, "node").flatMap((n) => [
    n,
    ...childrenNamed(n, "graph").flatMap(allNodes),
  ]);
}

function allEdges(graph: XmlNode): XmlNode[] {
  return [
    ...childrenNamed(graph, "edge"),
    ...childrenNamed(graph, "node").flatMap((n) => childrenNamed(n, "graph").flatMap(allEdges)),
  ];
}

function edgeDirection(edge: XmlNode, graph: XmlNode): string {
  const directed =
    edge.attrs.directed ?? (graph.attrs.edgedefault === "undirected" ? "false" : "true");
  return directed === "false" ? "undirected" : "directed";
}

function shapeRecords(graph: XmlNode, keys: Map<string, Key>): SourceRecord[] {
  const data = childrenNamed(graph, "data").find(
    (d) => keys.get(d.attrs.key ?? "")?.name === SHAPES_KEY,
  );
  if (!data) return [];
  let rows: unknown;
  try {
    rows = JSON.parse(data.text);
  } catch (e) {
    fail(`GraphML line ${data.line}`, `${SHAPES_KEY} is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(rows)) fail(`GraphML line ${data.line}`, `${SHAPES_KEY} is not a list`);
  return rows.map((row, i) =>
    sourceRecord(
      `GraphML shape ${i + 1}`,
      Object.entries((row ?? {}) as Record<string, unknown>).map(([k, v]) => [
        k,
        v === null ? undefined : String(v),
      ]),
    ),
  );
}

export function readGraphml(text: string): LandscapeData {
  const root = parseXml(text, "GraphML");
  if (root.name !== "graphml") fail("GraphML", `the root element is <${root.name}>, not <graphml>`);
  const graph = childNamed(root, "graph");
  if (!graph) fail("GraphML", "no <graph>");
  const keys = readKeys(root);
  const elements = allNodes(graph).map((node) => {
    const where = `GraphML node '${node.attrs.id ?? ""}' (line ${node.line})`;
    const { values, graphics } = dataOf(where, node, keys, "node");
    yedNode(graphics, values);
    return sourceRecord(where, [["ID", node.attrs.id], ...values]);
  });
  const connections = allEdges(graph).map((edge) => {
    const where = `GraphML edge '${edge.attrs.id ?? ""}' (line ${edge.line})`;
    const { values, graphics } = dataOf(where, edge, keys, "edge");
    yedEdge(graphics, values);
    if (!has(values, "direction")) values.set("direction", edgeDirection(edge, graph));
    return sourceRecord(where, [
      ["ID", edge.attrs.id],
      ["From", edge.attrs.source],
      ["To", edge.attrs.target],
      ...values,
    ]);
  });
  return landscapeFromRecords({
    elements,
    connections,
    shapes: shapeRecords(graph, keys),
    numbersFromText: false,
  });
}

// ---- writing ------------------------------------------------------------------

const ATTR_TYPES: Record<ColumnType, string> = {
  text: "string",
  tags: "string",
  number: "double",
  integer: "int",
  boolean: "boolean",
};

/** Columns that are XML attributes of <node>/<edge> rather than data. */
const NODE_ATTRIBUTES = new Set(["id"]);
const EDGE_ATTRIBUTES = new Set(["id", "from", "to"]);

function keyIds(table: Table, kind: "node" | "edge", skip: Set<string>): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of table.columns) if (!skip.has(c.key)) ids.set(c.key, `${kind}.${c.id}`);
  return ids;
}

function keyDecls(table: Table, ids: Map<string, string>, kind: string): XmlObject[] {
  return table.columns
    .filter((c) => ids.has(c.key))
    .map((c) => ({
      "@_id": ids.get(c.key)!,
      "@_for": kind,
      "@_attr.name": c.key,
      "@_attr.type": ATTR_TYPES[c.type],
    }));
}

function dataElements(table: Table, row: Cell[], ids: Map<string, string>): XmlObject[] {
  return filledCells(table, row)
    .filter(([c]) => ids.has(c.key))
    .map(([c, v]) => ({ "@_key": ids.get(c.key)!, "#text": cellText(v) }));
}

function shapesJson(table: Table): string {
  return JSON.stringify(
    table.rows.map((row) =>
      Object.fromEntries(filledCells(table, row).map(([c, v]) => [c.name, v])),
    ),
  );
}

export function writeGraphml(data: LandscapeData): string {
  const tables = tablesFromLandscape(data);
  const nodeKeys = keyIds(tables.elements, "node", NODE_ATTRIBUTES);
  const edgeKeys = keyIds(tables.connections, "edge", EDGE_ATTRIBUTES);
  const cell = (table: Table, row: Cell[], key: string) =>
    row[table.columns.findIndex((c) => c.key === key)];
  const graph: XmlObject = {
    "@_id": "G",
    "@_edgedefault": "directed",
    ...(data.shapes.length
      ? { data: [{ "@_key": SHAPES_KEY, "#text": shapesJson(tables.shapes) }] }
      : {}),
    node: tables.elements.rows.map((row) => ({
      "@_id": String(cell(tables.elements, row, "id")),
      data: dataElements(tables.elements, row, nodeKeys),
    })),
    edge: tables.connections.rows.map((row, i) => {
      const id = cell(tables.connections, row, "id");
      const direction = data.connections[i].direction;
      return {
        ...(id === undefined ? {} : { "@_id": String(id) }),
        "@_source": String(cell(tables.connections, row, "from")),
        "@_target": String(cell(tables.connections, row, "to")),
        ...(direction === "forward" ? {} : { "@_directed": "false" }),
        // GraphML has no mutual edges: the direction data says which undirected ones are.
        data: dataElements(tables.connections, row, edgeKeys),
      };
    }),
  };
  return buildXml({
    graphml: {
      "@_xmlns": "http://graphml.graphdrawing.org/xmlns",
      "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
      "@_xsi:schemaLocation":
        "http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd",
      key: [
        {
          "@_id": SHAPES_KEY,
          "@_for": "graph",
          "@_attr.name": SHAPES_KEY,
          "@_attr.type": "string",
        },
        ...keyDecls(tables.elements, nodeKeys, "node"),
        ...keyDecls(tables.connections, edgeKeys, "edge"),
      ],
      graph,
    },
  });
}
