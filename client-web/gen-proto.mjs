// Generates TypeScript message types from ../proto with Debian's protoc and
// protobuf-es's plugin (node_modules/.bin/protoc-gen-es) into src/gen/.
// Regenerated on every build and test run, so the schema has one source.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const protoRoot = join(here, "..", "proto");
const outDir = join(here, "src", "gen");
const plugin = join(here, "node_modules", ".bin", "protoc-gen-es");
const protoDir = join(protoRoot, "convene", "v1");
const files = readdirSync(protoDir)
  .filter((name) => name.endsWith(".proto"))
  .map((name) => join("convene", "v1", name));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
execFileSync(
  "protoc",
  [
    `--plugin=protoc-gen-es=${plugin}`,
    `--es_out=${outDir}`,
    "--es_opt=target=ts,import_extension=none",
    `-I${protoRoot}`,
    ...files,
  ],
  { stdio: "inherit" },
);
