import { describe, expect, it } from "vitest";
import { buildAdjacency, neighbourhood, shortestPath } from "../../../src/map/graph";

// a - b - c - d   e - f   (a->b and c->b point "backwards": direction is ignored)
const edges = [
  { id: "ab", from: "a", to: "b" },
  { id: "cb", from: "c", to: "b" },
  { id: "cd", from: "c", to: "d" },
  { id: "ef", from: "e", to: "f" },
  { id: "ac", from: "a", to: "c" },
];

describe("neighbourhood", () => {
  const adjacency = buildAdjacency(edges);

  it("keeps what lies within the depth, with distances", () => {
    const one = neighbourhood(adjacency, "a", 1);
    expect(Object.fromEntries(one.elements)).toEqual({ a: 0, b: 1, c: 1 });
    expect([...one.connections].sort()).toEqual(["ab", "ac", "cb"]);
    const two = neighbourhood(adjacency, "a", 2);
    expect(Object.fromEntries(two.elements)).toEqual({ a: 0, b: 1, c: 1, d: 2 });
    expect(two.connections.has("ef")).toBe(false);
  });

  it("is the element alone when it has no connections", () => {
    const lone = neighbourhood(adjacency, "z", 3);
    expect([...lone.elements.keys()]).toEqual(["z"]);
    expect(lone.connections.size).toBe(0);
  });
});

describe("shortest path", () => {
  const adjacency = buildAdjacency(edges);

  it("takes the fewest connections, ignoring direction", () => {
    expect(shortestPath(adjacency, "d", "a")).toEqual({
      elements: ["d", "c", "a"],
      connections: ["cd", "ac"],
    });
    expect(shortestPath(adjacency, "b", "b")).toEqual({ elements: ["b"], connections: [] });
  });

  it("says when nothing joins the two", () => {
    expect(shortestPath(adjacency, "a", "f")).toBeUndefined();
    expect(shortestPath(adjacency, "a", "nowhere")).toBeUndefined();
  });

  it("stays quick on a large map", () => {
    const many = [];
    for (let i = 1; i < 2000; i++) many.push({ id: `c${i}`, from: `e${i}`, to: `e${(i * 7) % i}` });
    const big = buildAdjacency(many);
    const start = performance.now();
    const path = shortestPath(big, "e1999", "e1000");
    expect(path).toBeDefined();
    expect(performance.now() - start).toBeLessThan(50);
  });
});
