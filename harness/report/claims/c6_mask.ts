/**
 * C6, the mask matters: per RL seed, final pass@1 (mean over tasks) of HICRA minus that of placebo HICRA
 * (the same amplification on random spans covering the same share of tokens), claimed > 0, a paired
 * comparison of seed-matched runs.
 * @module
 */
import { PERCENT } from "../format.ts";
import type { ClaimContext, ClaimResult } from "./claim.ts";
import { finalPass1 } from "./run_values.ts";
import { seedMatched } from "./seed_matched.ts";

/** C6. */
export function c6(ctx: ClaimContext): ClaimResult {
  return seedMatched(
    ctx,
    {
      id: "C6",
      label: "C6",
      statement: "the planning mask matters: HICRA beats placebo HICRA (random spans, same share)",
      definition: "per RL seed, final pass@1 (mean over tasks), hicra minus placebo_hicra; claimed above 0",
      quantity: "hicra − placebo_hicra, final pass@1 (points)",
      format: PERCENT,
      direction: "greater",
    },
    "hicra",
    "placebo_hicra",
    (run) => finalPass1(run, null),
  );
}
