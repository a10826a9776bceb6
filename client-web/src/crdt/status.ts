// Results of validating and applying ops. As in the C++ library, errors are
// values: nothing throws on bad remote input. `null` from a check means fine.
import type { ApplyResult } from "./api";
import { keyOf, type Ref } from "./ids";

export type Problem = ApplyResult | null;

export const OK: ApplyResult = { status: "ok" };
export const DUPLICATE: ApplyResult = { status: "duplicate", message: "already applied" };

export function invalid(message: string): ApplyResult {
  return { status: "invalid", message };
}

export function missing(dependency: Ref): ApplyResult {
  return { status: "missing", message: `missing dependency ${keyOf(dependency)}` };
}
