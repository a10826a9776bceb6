// GraphML (docs/formats.md "GraphML"): keys declared with attr.name and
// attr.type, named as the columns in lower case; node and edge ids are the
// element and connection ids; shapes ride along as graph data
// "convene.shapes", the Shapes table as JSON. yEd's node labels, geometry and
// fill, and its edge labels and arrows, are read where no key says otherwise;
// so are yEd Live's (yFiles for HTML: y:Label.Text, y:RectD, a style's fill).
import { fail, FIELD_NUMBER } from "./checks";
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
  /** yEd's graphics (yfiles.type) or yEd Live's (y:attr.uri): read for labels and geometry, not as fields. */
  graphics?: true;
}

/**
 * Keys by domain and id ("node d0"): one id may be declared for nodes and for
 * edges alike (Gephi writes so); `ids` holds every declared id.
 */
interface Keys {
  byDomain: Map<string, Key>;
  ids: Set<string>;
}

// Keys belong before <graph>, but Gephi and others also read (and some
// tools write) them inside it.
function readKeys(root: XmlNode, graph: XmlNode): Keys {
  const keys: Keys = { byDomain: new Map(), ids: new Set() };
  for (const k of [...childrenNamed(root, "key"), ...childrenNamed(graph, "key")]) {
    const def = childNamed(k, "default");
    const domain = k.attrs.for ?? "all";
    keys.ids.add(k.attrs.id ?? "");
    keys.byDomain.set(`${domain} ${k.attrs.id ?? ""}`, {
      name: k.attrs["attr.name"] ?? k.attrs.id ?? "",
      type: k.attrs["attr.type"] ?? "string",
      for: domain,
      ...(def ? { default: def.text } : {}),
      ...(k.attrs["yfiles.type"] || k.attrs["attr.uri"] ? { graphics: true as const } : {}),
    });
  }
  return keys;
}

/**
 * The key a <data> of this domain names; undefined when the id is declared
 * for another domain only (igraph and networkx skip such data too), an error
 * when it is not declared at all.
 */
function keyOf(where: string, keys: Keys, kind: string, id: string): Key | undefined {
  const key = keys.byDomain.get(`${kind} ${id}`) ?? keys.byDomain.get(`all ${id}`);
  if (key) return key;
  if (!keys.ids.has(id)) fail(where, `data for an undeclared key '${id}'`);
  return undefined;
}

function typedValue(where: string, key: Key, text: string): Cell {
  if (!NUMBER_TYPES.has(key.type) || text.trim() === "") return text;
  const n = parseNumber(text);
  if (n === undefined) fail(where, `${key.name} '${text.trim()}' is not a number`);
  // Beyond what a number field holds: kept as written (records.ts makes the field text).
  return Math.abs(n) > FIELD_NUMBER ? text.trim() : n;
}

/** attr.name → value of an element's data, with key defaults filled in. */
function dataOf(where: string, node: XmlNode, keys: Keys, kind: string) {
  const values = new Map<string, Cell>();
  const graphics: XmlNode[] = [];
  for (const d of childrenNamed(node, "data")) {
    const key = keyOf(where, keys, kind, d.attrs.key ?? "");
    if (!key) continue;
    if (key.graphics) graphics.push(d);
    else values.set(key.name, typedValue(where, key, d.text));
  }
  for (const key of keys.byDomain.values()) {
    if (
      (key.for === kind || key.for === "all") &&
      key.default !== undefined &&
      !key.graphics &&
      !values.has(key.name)
    )
      values.set(key.name, typedValue(where, key, key.default));
  }
  return { values, graphics };
}

function has(values: Map<string, Cell>, name: string): boolean {
  return [...values.keys()].some((k) => k.trim().toLowerCase() === name);
}

const first = (graphics: XmlNode[], ...names: string[]) =>
  graphics.flatMap((g) => names.flatMap((n) => descendantsNamed(g, n)))[0];

/** A fill colour: yEd's #rrggbb (or #rrggbbaa), yEd Live's #aarrggbb. */
function fillColour(node: XmlNode): string | undefined {
  if (/^#[0-9a-f]{6}([0-9a-f]{2})?$/i.test(node.attrs.color ?? ""))
    return node.attrs.color.slice(0, 7);
  const argb = /^#[0-9a-f]{2}([0-9a-f]{6})$/i.exec(node.attrs.fill ?? "");
  return argb ? `#${argb[1]}` : undefined;
}

/** yEd's y:NodeLabel, y:Geometry (top left corner and size) and y:Fill; yEd Live's y:Label.Text, y:RectD and style fill. */
function yedNode(graphics: XmlNode[], values: Map<string, Cell>): void {
  const label = first(graphics, "NodeLabel", "Label.Text");
  if (label && !has(values, "label")) values.set("label", label.text.trim());
  const box = first(graphics, "Geometry", "RectD");
  if (box && !has(values, "x") && !has(values, "y")) {
    const at = (a: string) => box.attrs[a] ?? box.attrs[a[0].toUpperCase() + a.slice(1)] ?? "0";
    const [x, y, w, h] = ["x", "y", "width", "height"].map((a) => parseNumber(at(a)));
    if (x !== undefined && y !== undefined) {
      values.set("x", x + (w ?? 0) / 2);
      values.set("y", y + (h ?? 0) / 2);
    }
  }
  const fill = graphics
    .flatMap((g) => [...descendantsNamed(g, "Fill"), ...g.children.filter((c) => c.attrs.fill)])
    .map(fillColour)
    .find((c) => c !== undefined);
  if (fill && !has(values, "color")) values.set("color", fill);
}

/** yEd's y:EdgeLabel (yEd Live's y:Label.Text) and y:Arrows, where the edge has no label or direction key. */
function yedEdge(graphics: XmlNode[], values: Map<string, Cell>): void {
  const label = first(graphics, "EdgeLabel", "Label.Text");
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

function shapeRecords(graph: XmlNode, keys: Keys): SourceRecord[] {
  const data = childrenNamed(graph, "data").find(
    (d) =>
      (keys.byDomain.get(`graph ${d.attrs.key}`) ?? keys.byDomain.get(`all ${d.attrs.key}`))
        ?.name === SHAPES_KEY,
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
  const keys = readKeys(root, graph);
  const elements = allNodes(graph).map((node) => {
    const where = `GraphML node '${node.attrs.id ?? ""}' (line ${node.line})`;
    const { values, graphics } = dataOf(where, node, keys, "node");
    yedNode(graphics, values);
    // GraphML's own <desc> (Gephi reads it), where no key holds a description.
    const desc = childNamed(node, "desc");
    if (desc && !has(values, "description")) values.set("description", desc.text.trim());
    return sourceRecord(where, [["ID", node.attrs.id], ...values]);
  });
  const connections = allEdges(graph).map((edge, i) => {
    const name = edge.attrs.id === undefined ? `${i + 1}` : `'${edge.attrs.id}'`;
    const where = `GraphML edge ${name} (line ${edge.line})`;
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
