// One small landscape that uses everything the model can hold, for the round
// trips: kinds built in and custom, every scale, tags with separators in
// them, fields of each type, perspectives, shapes, every direction.
import { readFileSync } from "node:fs";
import type { LandscapeData } from "../../../../src/map/formats/model";

/** A file of fixtures/ as text. */
export const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

export function fullLandscape(): LandscapeData {
  return {
    elements: [
      {
        id: "1:1",
        label: "Devon ICB",
        kind: "institution",
        customKind: "NHS trust",
        description: 'Commissions care for the county.\nSecond line, with "quotes" & <angles>.',
        tags: ["nhs", "commissioner, statutory"],
        scale: "regional",
        x: 120,
        y: -40,
        color: "#3b7fc4",
        shape: "square",
        pinned: true,
        fields: { budget: 1250000.5, status: "active", stage: "Scoping" },
        perspectives: { influence: { Ana: 4, "Ben Ó": 2.5 } },
      },
      {
        id: "1:2",
        label: "=Carers' forum",
        kind: "community",
        description: "",
        tags: ["-lived", "@voice", "plain"],
        scale: "local",
        x: 300,
        y: 200,
        person: "Ana",
        fields: { status: "12" },
      },
      {
        id: "1:3",
        label: "Ana Pereira",
        kind: "person",
        description: "",
        tags: [],
        scale: "organisational",
        x: -80,
        y: 60,
        fields: {},
      },
      {
        id: "2:1",
        label: "Falls pilot",
        kind: "project",
        description: "",
        tags: [],
        scale: "national",
        fields: {},
      },
      {
        id: "2:2",
        label: "Open data",
        kind: "artifact",
        description: "",
        tags: [],
        scale: "global",
        fields: {},
      },
      { id: "2:3", label: "Untyped", kind: "", description: "", tags: [], fields: {} },
    ],
    connections: [
      {
        id: "3:1",
        from: "1:1",
        to: "2:1",
        kind: "funding",
        direction: "forward",
        label: "funds",
        depth: 3,
        tags: ["2025"],
        fields: { status: "agreed" },
        perspectives: { strength: { Ana: 5, Ben: 1 } },
      },
      {
        id: "3:2",
        from: "1:2",
        to: "1:3",
        kind: "collaboration",
        direction: "both",
        label: "",
        tags: [],
        fields: {},
      },
      {
        id: "3:3",
        from: "1:3",
        to: "2:2",
        direction: "none",
        label: "uses",
        depth: 1,
        tags: ["informal"],
        fields: {},
      },
    ],
    shapes: [
      {
        id: "4:1",
        label: "Devon",
        type: "geographic",
        geometry: "polygon",
        path: [
          { x: -100, y: -100 },
          { x: 400, y: -100 },
          { x: 400, y: 300 },
          { x: -100, y: 300 },
        ],
      },
      {
        id: "4:2",
        label: "Ana's reach",
        geometry: "polyline",
        path: [
          { x: 0, y: 0 },
          { x: 10.5, y: -20 },
        ],
        sphereOf: "Ana",
      },
    ],
    fields: [
      { name: "budget", type: "number", choices: [] },
      { name: "status", type: "text", choices: [] },
      { name: "stage", type: "text", choices: [] },
    ],
    kinds: [{ name: "NHS trust", base: "institution" }],
  };
}
