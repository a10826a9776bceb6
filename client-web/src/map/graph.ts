// The map as a graph, for "focus on a neighbourhood" and "path between two
// elements". Connections are treated as undirected: a funding link from A to
// B still puts B one step from A, because conveners ask who is near whom, not
// who can send what to whom.
import type { IdKey } from "../crdt/api";

export interface Edge {
  id: IdKey;
  from: IdKey;
  to: IdKey;
}

export interface Step {
  element: IdKey;
  /** The connection taken to reach it. */
  via: IdKey;
}

/** Element -> its neighbours, each with the connection between them. */
export type Adjacency = Map<IdKey, Step[]>;

export function buildAdjacency(edges: Iterable<Edge>): Adjacency {
  const adjacency: Adjacency = new Map();
  const add = (a: IdKey, step: Step) => {
    let list = adjacency.get(a);
    if (!list) adjacency.set(a, (list = []));
    list.push(step);
  };
  for (const e of edges) {
    if (e.from === e.to) continue;
    add(e.from, { element: e.to, via: e.id });
    add(e.to, { element: e.from, via: e.id });
  }
  return adjacency;
}

export interface Neighbourhood {
  /** Element -> its number of steps from the start (the start is 0). */
  elements: Map<IdKey, number>;
  /** Connections between two elements of the neighbourhood. */
  connections: Set<IdKey>;
}

/** What lies at most `depth` steps from `start` (breadth first). */
export function neighbourhood(adjacency: Adjacency, start: IdKey, depth: number): Neighbourhood {
  const elements = new Map<IdKey, number>([[start, 0]]);
  let frontier = [start];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: IdKey[] = [];
    for (const id of frontier) {
      for (const step of adjacency.get(id) ?? []) {
        if (elements.has(step.element)) continue;
        elements.set(step.element, d);
        next.push(step.element);
      }
    }
    frontier = next;
  }
  const connections = new Set<IdKey>();
  for (const id of elements.keys()) {
    for (const step of adjacency.get(id) ?? []) {
      if (elements.has(step.element)) connections.add(step.via);
    }
  }
  return { elements, connections };
}

export interface Path {
  /** From the start to the end, both included. */
  elements: IdKey[];
  /** The connection of each step: one fewer than the elements. */
  connections: IdKey[];
}

/**
 * A shortest path (fewest connections) from `from` to `to`, or undefined when
 * none joins them. Ties go to the connections met first, so the answer is the
 * same for the same map.
 */
export function shortestPath(adjacency: Adjacency, from: IdKey, to: IdKey): Path | undefined {
  if (from === to) return { elements: [from], connections: [] };
  const cameFrom = new Map<IdKey, Step | null>([[from, null]]);
  let frontier = [from];
  while (frontier.length > 0 && !cameFrom.has(to)) {
    const next: IdKey[] = [];
    for (const id of frontier) {
      for (const step of adjacency.get(id) ?? []) {
        if (cameFrom.has(step.element)) continue;
        cameFrom.set(step.element, { element: id, via: step.via });
        next.push(step.element);
      }
    }
    frontier = next;
  }
  if (!cameFrom.has(to)) return undefined;
  const elements = [to];
  const connections: IdKey[] = [];
  for (let back = cameFrom.get(to); back; back = cameFrom.get(back.element)) {
    elements.push(back.element);
    connections.push(back.via);
  }
  return { elements: elements.reverse(), connections: connections.reverse() };
}
