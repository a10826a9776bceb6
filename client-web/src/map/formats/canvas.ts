// JSON Canvas 1.0 (docs/formats.md "JSON Canvas 1.0"; jsoncanvas.org): text
// cards are elements (label, a blank line, the description), groups are
// rectangular regions, edges are connections. Canvas positions are a card's
// top left corner; Convene's are its centre.
import { fail } from "./checks";
import { sourceRecord, type Cell, type SourceRecord } from "./columns";
import { isObject, listAt, parseJson } from "./json-file";
import type { ConnectionData, ElementData, LandscapeData, ShapeData } from "./model";
import { landscapeFromRecords } from "./records";
import { safeColour } from "../style";

type Json = Record<string, unknown>;

const CARD_WIDTH = 250;
const CARD_HEIGHT = 60;

// The six preset colours, read as hues close to what canvas apps show.
const PRESETS: Record<string, string> = {
  "1": "#e5484d",
  "2": "#f08c2e",
  "3": "#e3c132",
  "4": "#3f9a59",
  "5": "#35a3b4",
  "6": "#8a63d2",
};

const num = (v: unknown) => (typeof v === "number" ? v : undefined);

function nodeWhere(n: Json, i: number): string {
  return `Canvas node ${typeof n.id === "string" ? `'${n.id}'` : i + 1}`;
}

function cardText(n: Json): string {
  if (n.type === "text") return String(n.text ?? "");
  if (n.type === "file") return String(n.file ?? "");
  return String(n.url ?? "");
}

function elementRecord(n: Json, where: string): SourceRecord {
  const [label, ...rest] = cardText(n).split(/\r?\n[ \t]*\r?\n/);
  const colour = typeof n.color === "string" ? (PRESETS[n.color] ?? n.color) : undefined;
  const [x, y, w, h] = [n.x, n.y, n.width, n.height].map(num);
  const centre: [string, Cell][] =
    x === undefined || y === undefined
      ? []
      : [
          ["X", x + (w ?? 0) / 2],
          ["Y", y + (h ?? 0) / 2],
        ];
  return sourceRecord(where, [
    ["ID", typeof n.id === "string" ? n.id : undefined],
    ["Label", label],
    ["Description", rest.join("\n\n")],
    ["Color", colour],
    ...centre,
  ]);
}

function regionRecord(n: Json, where: string): SourceRecord {
  const [x, y, w, h] = [n.x, n.y, n.width, n.height].map(num);
  if (x === undefined || y === undefined || w === undefined || h === undefined)
    fail(where, "a group needs x, y, width and height");
  const corners = `${x} ${y}; ${x + w} ${y}; ${x + w} ${y + h}; ${x} ${y + h}`;
  return sourceRecord(where, [
    ["ID", typeof n.id === "string" ? n.id : undefined],
    ["Label", typeof n.label === "string" ? n.label : ""],
    ["Geometry", "polygon"],
    ["Path", corners],
  ]);
}

/** fromEnd defaults to "none", toEnd to "arrow" (the spec). */
function edgeRecord(e: Json, where: string): SourceRecord {
  const fromArrow = (e.fromEnd ?? "none") === "arrow";
  const toArrow = (e.toEnd ?? "arrow") === "arrow";
  // An arrow only at the start is a connection the other way round.
  const [from, to] = fromArrow && !toArrow ? [e.toNode, e.fromNode] : [e.fromNode, e.toNode];
  const direction =
    fromArrow && toArrow ? "mutual" : fromArrow || toArrow ? "directed" : "undirected";
  return sourceRecord(where, [
    ["ID", typeof e.id === "string" ? e.id : undefined],
    ["From", typeof from === "string" ? from : undefined],
    ["To", typeof to === "string" ? to : undefined],
    ["Label", typeof e.label === "string" ? e.label : ""],
    ["Direction", direction],
  ]);
}

export function readCanvas(text: string): LandscapeData {
  const doc = parseJson(text, "JSON Canvas");
  if (!isObject(doc)) fail("JSON Canvas", "not an object with nodes and edges");
  const elements: SourceRecord[] = [];
  const shapes: SourceRecord[] = [];
  const groups = new Set<unknown>();
  listAt(doc, "nodes", "JSON Canvas").forEach((n, i) => {
    if (!isObject(n)) fail(`Canvas node ${i + 1}`, "is not an object");
    const where = nodeWhere(n, i);
    if (n.type === "group") {
      groups.add(n.id);
      shapes.push(regionRecord(n, where));
    } else if (n.type === "text" || n.type === "file" || n.type === "link") {
      elements.push(elementRecord(n, where));
    } else fail(where, `type '${String(n.type)}' is not text, file, link or group`);
  });
  const connections = listAt(doc, "edges", "JSON Canvas").flatMap((e, i) => {
    if (!isObject(e)) fail(`Canvas edge ${i + 1}`, "is not an object");
    // Convene connects elements only; an edge to a group has no counterpart.
    if (groups.has(e.fromNode) || groups.has(e.toNode)) return [];
    return [edgeRecord(e, `Canvas edge ${typeof e.id === "string" ? `'${e.id}'` : i + 1}`)];
  });
  return landscapeFromRecords({ elements, connections, shapes, numbersFromText: false });
}

// ---- writing ------------------------------------------------------------------

/** Elements without a position go on a grid below the origin. */
function cardOf(e: ElementData, i: number): Json {
  const cx = e.x ?? (i % 8) * (CARD_WIDTH + 50);
  const cy = e.y ?? Math.floor(i / 8) * (CARD_HEIGHT + 60);
  const colour = safeColour(e.color);
  return {
    id: e.id,
    type: "text",
    text: e.description ? `${e.label}\n\n${e.description}` : e.label,
    x: Math.round(cx - CARD_WIDTH / 2),
    y: Math.round(cy - CARD_HEIGHT / 2),
    width: CARD_WIDTH,
    height: CARD_HEIGHT,
    ...(colour ? { color: colour } : {}),
  };
}

/** A shape as a group round its bounding box. */
function groupOf(s: ShapeData, id: string): Json {
  const xs = s.path.map((p) => p.x);
  const ys = s.path.map((p) => p.y);
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return {
    id,
    type: "group",
    ...(s.label ? { label: s.label } : {}),
    x: Math.round(x),
    y: Math.round(y),
    width: Math.round(Math.max(...xs) - x),
    height: Math.round(Math.max(...ys) - y),
  };
}

function edgeOf(c: ConnectionData, i: number): Json {
  const ends =
    c.direction === "both"
      ? { fromEnd: "arrow", toEnd: "arrow" }
      : c.direction === "forward"
        ? { toEnd: "arrow" }
        : { toEnd: "none" };
  return {
    id: c.id ?? `edge-${i + 1}`,
    fromNode: c.from,
    toNode: c.to,
    ...ends,
    ...(c.label ? { label: c.label } : {}),
  };
}

export function writeCanvas(data: LandscapeData): string {
  const taken = new Set(data.elements.map((e) => e.id));
  const groupId = (s: ShapeData, i: number) =>
    s.id && !taken.has(s.id) ? s.id : `region-${i + 1}`;
  // Only regions become groups: a box is no likeness of a boundary line.
  // Groups come first, as later nodes are drawn on top of earlier ones.
  const groups = data.shapes.flatMap((s, i) =>
    s.geometry === "polygon" ? [groupOf(s, groupId(s, i))] : [],
  );
  const nodes = [...groups, ...data.elements.map(cardOf)];
  return JSON.stringify({ nodes, edges: data.connections.map(edgeOf) }, null, 2);
}
