// Map data in and out as CRDT ops: a map as LandscapeData for the file
// writers (landscapeOf), and LandscapeData applied to a map as one undo step
// (planImport for a preview, importLandscape to apply).
export { landscapeOf, type NameOf } from "./landscape-of";
export { LIMITS_NOTE } from "./check";
export {
  planImport,
  type Counted,
  type Dropped,
  type ImportOptions,
  type ImportPlan,
  type ImportSummary,
  type Member,
} from "./plan";
export { importLandscape } from "./apply";
