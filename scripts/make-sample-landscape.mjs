// Writes the sample landscape of the README — a regional health-and-care
// system — as docs/samples/landscape.xlsx and as the two CSV files
// landscape-elements.csv and landscape-connections.csv, with the browser's
// own writers (client-web/src/map/formats), so the samples are always what
// an export looks like. Run from anywhere: node scripts/make-sample-landscape.mjs
// (needs client-web's node_modules: cd client-web && npm ci).
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = new URL("../", import.meta.url);
const client = new URL("client-web/", root);
const out = new URL("docs/samples/", root);

// id, label, type (a built-in kind or a custom kind), scale, tags, budget (£m), description
const ELEMENTS = [
  [
    "icb",
    "Southvale Integrated Care Board",
    "NHS trust",
    "Regional",
    "commissioner|statutory",
    2400,
    "Plans and pays for health services across the county.",
  ],
  [
    "icp",
    "Southvale Integrated Care Partnership",
    "Partnership",
    "Regional",
    "statutory|strategy",
    null,
    "The NHS, councils and voluntary sector agreeing one strategy.",
  ],
  [
    "county",
    "Southvale County Council",
    "Institution",
    "Regional",
    "local government|social care",
    610,
    "Adult social care, public health and transport.",
  ],
  [
    "city",
    "Harbourford City Council",
    "Institution",
    "Organisational",
    "local government|housing",
    180,
    "",
  ],
  [
    "acute",
    "Southvale Hospitals NHS Trust",
    "NHS trust",
    "Organisational",
    "acute|provider",
    720,
    "Two general hospitals and the emergency department.",
  ],
  [
    "community",
    "Southvale Community Health",
    "NHS trust",
    "Organisational",
    "community|provider",
    210,
    "District nursing, rehabilitation and community beds.",
  ],
  [
    "mental",
    "Coastal Mental Health Trust",
    "NHS trust",
    "Organisational",
    "mental health|provider",
    260,
    "",
  ],
  [
    "ambulance",
    "South Coast Ambulance Service",
    "NHS trust",
    "Regional",
    "urgent care|provider",
    330,
    "",
  ],
  [
    "pcn-north",
    "North Harbourford Primary Care Network",
    "Network",
    "Local",
    "primary care",
    14,
    "Eight GP practices working as one network.",
  ],
  ["pcn-east", "Eastvale Rural PCN", "Network", "Local", "primary care|rural", 9, ""],
  ["gp-fed", "Southvale GP Federation", "Network", "Organisational", "primary care", 22, ""],
  ["hospice", "St Bride's Hospice", "Charity", "Local", "end of life|voluntary sector", 11, ""],
  [
    "healthwatch",
    "Healthwatch Southvale",
    "Charity",
    "Regional",
    "patient voice|statutory",
    0.4,
    "The independent voice of people who use services.",
  ],
  [
    "cvs",
    "Southvale Council for Voluntary Service",
    "Network",
    "Regional",
    "voluntary sector",
    1.2,
    "",
  ],
  ["carers", "Harbourford Carers' Centre", "Charity", "Local", "carers|voluntary sector", 0.9, ""],
  ["food", "Eastvale Food Partnership", "Partnership", "Local", "prevention|food", 0.3, ""],
  [
    "university",
    "University of Southvale",
    "Institution",
    "Regional",
    "research|workforce",
    null,
    "",
  ],
  ["nhse", "NHS England (South)", "Institution", "National", "regulator|oversight", null, ""],
  ["cqc", "Care Quality Commission", "Regulator", "National", "regulator|oversight", null, ""],
  ["dhsc", "Department of Health and Social Care", "Institution", "National", "policy", null, ""],
  ["who", "WHO Healthy Cities network", "Network", "Global", "prevention|policy", null, ""],
  [
    "frailty",
    "Frailty virtual ward",
    "Project",
    "Organisational",
    "urgent care|digital",
    3.5,
    "Hospital-level care at home for older people, monitored remotely.",
  ],
  [
    "social-rx",
    "Social prescribing programme",
    "Programme",
    "Local",
    "prevention|community",
    1.8,
    "",
  ],
  [
    "discharge",
    "Discharge to assess",
    "Practice",
    "Organisational",
    "flow|social care",
    null,
    "Assess needs at home, not on the ward.",
  ],
  [
    "shared-record",
    "Southvale Shared Care Record",
    "Artifact",
    "Regional",
    "digital|data",
    4.2,
    "",
  ],
  ["strategy", "Integrated care strategy 2024–29", "Strategy", "Regional", "strategy", null, ""],
  [
    "lived-exp",
    "Lived experience panel",
    "Community of practice",
    "Regional",
    "patient voice|co-production",
    null,
    "Twelve residents who review every major change.",
  ],
  [
    "director",
    "Director of Public Health",
    "Person",
    "Regional",
    "prevention|leadership",
    null,
    "",
  ],
  ["carer-lead", "Carers' champion", "Lived experience", "Local", "carers|patient voice", null, ""],
  [
    "housing",
    "Harbourford housing associations",
    "Network",
    "Local",
    "housing|prevention",
    null,
    "",
  ],
  ["pharmacy", "Community pharmacies", "Network", "Local", "primary care|pharmacy", null, ""],
];

// from, to, type (a connection kind or another word, kept as a tag), direction, label, depth
const CONNECTIONS = [
  ["icb", "acute", "Funding", "directed", "contract", 3],
  ["icb", "community", "Funding", "directed", "contract", 3],
  ["icb", "mental", "Funding", "directed", "contract", 3],
  ["icb", "ambulance", "Funding", "directed", "contract", 2],
  ["icb", "pcn-north", "Funding", "directed", "", 2],
  ["icb", "pcn-east", "Funding", "directed", "", 2],
  ["icb", "hospice", "Funding", "directed", "grant", 1],
  ["icb", "frailty", "Funding", "directed", "", 2],
  ["county", "social-rx", "Funding", "directed", "public health grant", 2],
  ["county", "carers", "Funding", "directed", "", 1],
  ["county", "food", "Funding", "directed", "", 1],
  ["nhse", "icb", "Accountability", "directed", "oversight", 3],
  ["dhsc", "nhse", "Accountability", "directed", "", 3],
  ["cqc", "acute", "Accountability", "directed", "inspection", 2],
  ["cqc", "community", "Accountability", "directed", "inspection", 1],
  ["icb", "icp", "Collaboration", "mutual", "", 3],
  ["county", "icp", "Collaboration", "mutual", "", 3],
  ["city", "icp", "Collaboration", "mutual", "", 2],
  ["cvs", "icp", "Collaboration", "mutual", "voluntary sector seat", 1],
  ["healthwatch", "icp", "Information", "directed", "reports", 2],
  ["icp", "strategy", "Power", "directed", "agrees", 3],
  ["strategy", "frailty", "Power", "directed", "", 1],
  ["strategy", "social-rx", "Power", "directed", "", 1],
  ["acute", "community", "Collaboration", "mutual", "", 2],
  ["acute", "discharge", "Collaboration", "mutual", "", 2],
  ["county", "discharge", "Collaboration", "mutual", "", 2],
  ["community", "frailty", "Collaboration", "mutual", "runs", 3],
  ["ambulance", "frailty", "referral", "directed", "", 1],
  ["pcn-north", "social-rx", "referral", "directed", "", 2],
  ["pcn-east", "social-rx", "referral", "directed", "", 1],
  ["social-rx", "food", "referral", "directed", "", 1],
  ["social-rx", "carers", "referral", "directed", "", 1],
  ["social-rx", "housing", "referral", "directed", "", 1],
  ["gp-fed", "pcn-north", "Collaboration", "mutual", "", 2],
  ["gp-fed", "pcn-east", "Collaboration", "mutual", "", 1],
  ["pharmacy", "pcn-north", "Collaboration", "mutual", "", 1],
  ["shared-record", "acute", "Information", "mutual", "", 2],
  ["shared-record", "pcn-north", "Information", "mutual", "", 2],
  ["shared-record", "county", "Information", "mutual", "", 1],
  ["university", "acute", "Collaboration", "mutual", "research", 1],
  ["university", "lived-exp", "Collaboration", "undirected", "co-production training", 1],
  ["lived-exp", "icp", "Information", "directed", "reviews", 2],
  ["carer-lead", "carers", "Collaboration", "undirected", "", 1],
  ["director", "county", "Accountability", "directed", "", 2],
  ["director", "who", "Information", "mutual", "", 1],
  ["mental", "acute", "Conflict", "undirected", "emergency department waits", 2],
];

const SCALE_RING = { Global: 5, National: 4, Regional: 3, Organisational: 2, Local: 1 };

/** Rings by scale round the middle, evenly spread within each ring. */
function layout(elements) {
  const byScale = new Map();
  for (const e of elements) byScale.set(e[3], [...(byScale.get(e[3]) ?? []), e[0]]);
  const positions = new Map();
  for (const [scale, ids] of byScale) {
    ids.forEach((id, i) => {
      const angle = (2 * Math.PI * i) / ids.length + SCALE_RING[scale];
      const radius = 140 * SCALE_RING[scale];
      positions.set(id, {
        x: Math.round(radius * Math.cos(angle)),
        y: Math.round(radius * Math.sin(angle)),
      });
    });
  }
  return positions;
}

function landscape(formats) {
  // The Type column read as an import reads it, so the kinds (built in, or
  // custom with a base) are the importer's own.
  const probe = formats.readCsv({
    elements: "Type\n" + ELEMENTS.map((e) => `"${e[2]}"`).join("\n"),
  });
  const positions = layout(ELEMENTS);
  return {
    elements: ELEMENTS.map(([id, label, , scale, tags, budget, description], i) => ({
      ...probe.elements[i],
      id,
      label,
      description,
      tags: tags.split("|"),
      scale: scale.toLowerCase(),
      ...positions.get(id),
      fields: budget === null ? {} : { "Annual budget (£m)": budget },
    })),
    connections: CONNECTIONS.map(([from, to, type, direction, label, depth]) => {
      const kind = type.toLowerCase();
      const builtIn = [
        "collaboration",
        "accountability",
        "funding",
        "power",
        "conflict",
        "information",
      ].includes(kind);
      return {
        from,
        to,
        ...(builtIn ? { kind } : {}),
        direction: { directed: "forward", mutual: "both", undirected: "none" }[direction],
        label,
        depth,
        tags: builtIn ? [] : [type],
        fields: {},
      };
    }),
    shapes: [],
    fields: [{ name: "Annual budget (£m)", type: "number", choices: [] }],
    kinds: probe.kinds,
  };
}

async function main() {
  const requireFromClient = createRequire(new URL("package.json", client));
  const { createServer } = await import(pathToFileURL(requireFromClient.resolve("vite")).href);
  // Vite loads the TypeScript writers as they are, without a build.
  const server = await createServer({
    root: fileURLToPath(client),
    configFile: false,
    logLevel: "error",
    appType: "custom",
    server: { middlewareMode: true, hmr: false },
  });
  try {
    const formats = await server.ssrLoadModule("/src/map/formats/index.ts");
    const data = landscape(formats);
    const csv = formats.writeCsv(data);
    await mkdir(out, { recursive: true });
    await writeFile(new URL("landscape-elements.csv", out), csv.elements);
    await writeFile(new URL("landscape-connections.csv", out), csv.connections);
    await writeFile(new URL("landscape.xlsx", out), await formats.writeXlsx(data));
    // The samples must import back whole.
    const back = await formats.readXlsx(await formats.writeXlsx(data));
    console.log(
      `${back.elements.length} elements, ${back.connections.length} connections written to docs/samples/`,
    );
  } finally {
    await server.close();
  }
}

await main();
